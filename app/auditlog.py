"""Append-only, hash-chained audit entries, sealed off the request path.

Services call `record()`; the entries wait on the session, and `write_pending()`
inserts them into `audit_pending` just before the unit of work commits, so a
write and its audit entries land together or not at all. No writer takes a
shared lock for this: tips, accepts and imports commit side by side.

`seal()` chains them: it takes the one-row head (PostgreSQL: a row lock;
SQLite: the write lock), moves a batch of waiting entries onto `audit_entry`
in id order, each hashed over the one before, and moves the head. Only sealers
wait for each other, so the chain cannot fork. Every API process runs a sealer
(`Sealer`), so does `labourwatch worker`, and whoever reads the log seals first
(`seal_waiting`), so an entry is on the chain within a fraction of a second
and always before anyone reads or verifies the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import Actor
from app.models.audit import AuditEntry, AuditHead, AuditPending
from app.models.base import utcnow

log = logging.getLogger("labourwatch.audit")
_PENDING = "labourwatch.audit.pending"
SEAL_BATCH = 5000  # entries chained per sealing transaction
GENESIS = "0" * 64
_PENDING_TABLE: sa.Table = AuditPending.__table__  # type: ignore[attr-defined]
_PENDING_COLUMNS = list(_PENDING_TABLE.columns)
_INSERT_PENDING = sa.insert(_PENDING_TABLE)
INSERT_ENTRY = sa.insert(_PENDING_TABLE).values(
    {c.name: sa.bindparam(c.name, type_=c.type) for c in _PENDING_COLUMNS if c.name != "id"}
)
"""One entry as `pending_row()` makes it, every column a parameter (one compiled form)."""
_ENTRY_TABLE: sa.Table = AuditEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class _Pending:
    actor: Actor
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    jurisdiction_path: str | None
    at: datetime


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return "<bytes>"
    return value


def snapshot(obj: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON-safe picture of a row for `before`/`after`, minus secrets named in exclude."""
    data = obj.model_dump() if hasattr(obj, "model_dump") else dict(obj)
    return {k: _plain(v) for k, v in data.items() if k not in exclude}


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    jurisdiction_path: str | None = None,
) -> None:
    pending: list[_Pending] = session.info.setdefault(_PENDING, [])
    pending.append(
        _Pending(
            actor,
            action,
            entity_type,
            str(entity_id),
            _plain(before),
            _plain(after),
            jurisdiction_path or actor.jurisdiction_path,
            utcnow(),
        )
    )


def entry_hash(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_HASHED = (
    "seq",
    "at",
    "actor_type",
    "actor_id",
    "agency_id",
    "jurisdiction_path",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "prev_hash",
)


def hashed_fields(e: AuditEntry | dict[str, Any]) -> dict[str, Any]:
    """What an entry's hash covers: everything but the hash itself."""
    row = e if isinstance(e, dict) else {k: getattr(e, k) for k in _HASHED}
    return {
        "seq": row["seq"],
        "at": row["at"].isoformat(),
        "actor_type": row["actor_type"],
        "actor_id": row["actor_id"],
        "agency_id": str(row["agency_id"]) if row["agency_id"] else None,
        "jurisdiction_path": row["jurisdiction_path"],
        "action": row["action"],
        "entity_type": row["entity_type"],
        "entity_id": row["entity_id"],
        "before": row["before"],
        "after": row["after"],
        "prev_hash": row["prev_hash"],
    }


def _row(p: _Pending) -> dict[str, Any]:
    return {
        "at": p.at,
        "actor_type": p.actor.kind,
        "actor_id": None if p.actor.kind == "public" else p.actor.id,
        "agency_id": p.actor.agency_id,
        "jurisdiction_path": p.jurisdiction_path,
        "action": p.action,
        "entity_type": p.entity_type,
        "entity_id": p.entity_id,
        "before": p.before,
        "after": p.after,
    }


def pending_row(
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    jurisdiction_path: str | None = None,
) -> dict[str, Any]:
    """The `audit_pending` row `record()` would write, for a statement that writes the
    entry together with its subject (see `insert_with_entry`)."""
    return _row(
        _Pending(
            actor,
            action,
            entity_type,
            str(entity_id),
            _plain(before),
            _plain(after),
            jurisdiction_path or actor.jurisdiction_path,
            utcnow(),
        )
    )


def insert_with_entry(subject: Any, path_column: str) -> sa.Insert:
    """One PostgreSQL statement that runs `subject` (an INSERT … RETURNING `path_column`)
    and writes an audit entry for the row it inserted, so a single write needs no
    transaction around it: both rows land, or neither; nothing when the subject
    inserted nothing (ON CONFLICT DO NOTHING).

    Parameters: those of `subject`, and the entry's columns prefixed `audit_`
    (`pending_row()` makes them); the entry's jurisdiction_path is the subject's
    `path_column`, which the statement returns.
    """
    written = subject.cte("written")
    columns = [c for c in _PENDING_COLUMNS if c.name != "id"]
    values = [
        written.c[path_column]
        if c.name == "jurisdiction_path"
        else sa.bindparam(f"audit_{c.name}", type_=c.type)
        for c in columns
    ]
    return (
        sa.insert(_PENDING_TABLE)
        .from_select(columns, sa.select(*values).select_from(written))
        .returning(_PENDING_TABLE.c.jurisdiction_path)
    )


async def write_pending(session: AsyncSession) -> int:
    """Insert the unit of work's recorded entries into `audit_pending`; the caller commits.

    `db.transaction()` calls this before every commit; a long unit of work (an
    import) may call it as it goes, so its entries do not pile up in memory.
    """
    rows = [_row(p) for p in session.info.pop(_PENDING, [])]
    if not rows:
        return 0
    # Parameters, not values baked into the statement: one compiled form, cached; a
    # bulk write goes as an executemany, which the drivers batch.
    conn = await session.connection()
    await conn.execute(_INSERT_PENDING, rows[0] if len(rows) == 1 else rows)
    return len(rows)


async def seal(session: AsyncSession, *, limit: int = SEAL_BATCH) -> int:
    """Chain up to `limit` waiting entries, oldest first; the caller commits.

    The head row is locked first, so a second sealer waits here and then sees
    this one's entries gone from `audit_pending`. Entries are deleted by id,
    never by range: a transaction that took a lower id but commits later is
    sealed by the next round, not lost.
    """
    head_seq, head_hash = (
        await session.exec(
            sa.update(AuditHead)
            .where(col(AuditHead.id) == 1)
            .values(seq=AuditHead.seq)
            .returning(col(AuditHead.seq), col(AuditHead.last_hash))
        )
    ).one()
    conn = await session.connection()
    waiting = (
        await conn.execute(sa.select(*_PENDING_COLUMNS).order_by(_PENDING_TABLE.c.id).limit(limit))
    ).all()
    if not waiting:
        return 0
    rows, last_hash = _chain(waiting, head_seq, head_hash)
    await conn.execute(sa.insert(_ENTRY_TABLE), rows)  # executemany, batched by the driver
    await conn.execute(
        sa.delete(_PENDING_TABLE).where(_PENDING_TABLE.c.id.in_([w.id for w in waiting]))
    )
    await session.exec(
        sa.update(AuditHead)
        .where(col(AuditHead.id) == 1)
        .values(seq=head_seq + len(rows), last_hash=last_hash)
    )
    return len(rows)


def _chain(waiting: Sequence[Any], seq: int, prev: str) -> tuple[list[dict[str, Any]], str]:
    """Rows for the entries after `seq`, each hashed over the one before; and the last hash."""
    rows = []
    for w in waiting:
        seq += 1
        row = {**w._mapping, "seq": seq, "prev_hash": prev}
        row["pending_id"] = row.pop("id")
        row["hash"] = prev = entry_hash(hashed_fields(row))
        rows.append(row)
    return rows, prev


async def any_waiting(engine: AsyncEngine) -> bool:
    """One cheap read, outside any lock: is there anything to seal?"""
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(_PENDING_TABLE.c.id).limit(1))).first() is not None


async def seal_waiting(engine: AsyncEngine, *, limit: int = SEAL_BATCH) -> int:
    """Seal everything committed so far, each batch in its own transaction."""
    total = 0
    while await any_waiting(engine):
        async with AsyncSession(engine, expire_on_commit=False) as session:
            sealed = await seal(session, limit=limit)
            await session.commit()
        total += sealed
        if sealed < limit:
            break
    return total


class Sealer:
    """A process's background sealer: every `interval` seconds, seal what is waiting.

    Several processes may each run one; they take turns on the head row. A
    failure (the database restarting, say) is logged and retried next round.
    """

    def __init__(self, engine: AsyncEngine, interval: float) -> None:
        self.engine, self.interval = engine, interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="audit-sealer")

    async def _run(self) -> None:
        while True:
            try:
                await seal_waiting(self.engine)
            except Exception as exc:  # the next round retries
                log.warning("audit sealing failed, retrying: %s", exc)
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        """Cancel the loop, then seal what the last requests left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await seal_waiting(self.engine)
        except Exception as exc:  # the next process to start seals them
            log.warning("audit sealing at shutdown failed: %s", exc)


async def entries_about(session: AsyncSession, entity_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every entry about these entities, sealed ones in chain order, then those waiting.

    One statement, so one snapshot: an entry a sealer moves meanwhile is seen once,
    on one side or the other.
    """
    if not entity_ids:
        return []
    fields = ("at", "action", "entity_type", "entity_id", "actor_type", "actor_id", "agency_id")
    ids = list(entity_ids)
    sides = [
        sa.select(
            *(table.c[f] for f in fields),
            sa.literal(side).label("side"),
            table.c[order].label("position"),
        ).where(table.c.entity_id.in_(ids))
        for side, table, order in ((0, _ENTRY_TABLE, "seq"), (1, _PENDING_TABLE, "id"))
    ]
    both = sa.union_all(*sides).subquery()
    result = await (await session.connection()).execute(
        sa.select(*(both.c[f] for f in fields)).order_by(both.c.side, both.c.position)
    )
    return [dict(r._mapping) for r in result]


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None


async def verify_chain(session: AsyncSession, *, batch: int = 5000) -> Verification:
    """Recompute every hash in seq order; the first entry that does not match is named.

    Reads in keyset batches, so a long log is checked in flat memory. The head is
    read first and the chain checked up to it: entries a sealer appends meanwhile
    are for the next check, not a false alarm.
    """
    head_seq, head_hash = (await session.exec(select(AuditHead.seq, AuditHead.last_hash))).one()
    prev, count, last_seq = GENESIS, 0, 0
    while True:
        rows = (
            await session.exec(
                select(AuditEntry)
                .where(AuditEntry.seq > last_seq, AuditEntry.seq <= head_seq)
                .order_by(col(AuditEntry.seq))
                .limit(batch)
            )
        ).all()
        if not rows:
            break
        for e in rows:
            count += 1
            if e.seq != last_seq + 1:
                return Verification(False, count, e.seq, f"entry {last_seq + 1} is missing")
            if e.prev_hash != prev:
                return Verification(False, count, e.seq, "prev_hash does not match the chain")
            if entry_hash(hashed_fields(e)) != e.hash:
                return Verification(False, count, e.seq, "contents do not match the hash")
            prev, last_seq = e.hash, e.seq
    if head_seq != last_seq or head_hash != prev:
        return Verification(False, count, last_seq + 1, "the log ends before its head")
    return Verification(True, count)
