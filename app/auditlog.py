"""Append-only, hash-chained audit entries.

Services call `record()`; the entries wait on the session and are written by
`seal()` just before commit. `seal()` first updates the one-row head, which
locks it (PostgreSQL: a row lock; SQLite: the write lock), so entries get
their `seq` and `prev_hash` in commit order and the chain cannot fork.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import Actor
from app.models.audit import AuditEntry, AuditHead
from app.models.base import utcnow

_PENDING = "labourwatch.audit.pending"
ROWS_PER_STATEMENT = 1000  # × 13 columns stays under the drivers' parameter limits
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class _Pending:
    actor: Actor
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    jurisdiction_path: str | None


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


def record(session: AsyncSession, actor: Actor, action: str, entity_type: str,
           entity_id: str | uuid.UUID, *, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, jurisdiction_path: str | None = None) -> None:
    pending: list[_Pending] = session.info.setdefault(_PENDING, [])
    pending.append(_Pending(actor, action, entity_type, str(entity_id), _plain(before),
                            _plain(after), jurisdiction_path or actor.jurisdiction_path))


def entry_hash(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def hashed_fields(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq, "at": e.at.isoformat(), "actor_type": e.actor_type, "actor_id": e.actor_id,
        "agency_id": str(e.agency_id) if e.agency_id else None,
        "jurisdiction_path": e.jurisdiction_path, "action": e.action,
        "entity_type": e.entity_type, "entity_id": e.entity_id, "before": e.before,
        "after": e.after, "prev_hash": e.prev_hash,
    }


async def seal(session: AsyncSession) -> int:
    """Write the unit of work's pending entries at the head of the chain.

    Everything else is flushed first, so the head row is locked for as little as
    possible: one UPDATE … RETURNING that takes the lock, then (PostgreSQL) one
    statement inserting the entries and moving the head, then the commit. The
    head lock serialises every writing transaction, so each round trip under it
    caps the whole service's write rate.
    """
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return 0
    await session.flush()
    head_seq, head_hash = (await session.exec(
        sa.update(AuditHead).where(col(AuditHead.id) == 1)
        .values(seq=AuditHead.seq + len(pending))
        .returning(col(AuditHead.seq), col(AuditHead.last_hash))
    )).one()
    rows, prev = _chain(pending, head_seq - len(pending), head_hash)
    move_head = sa.update(AuditHead).where(col(AuditHead.id) == 1).values(last_hash=prev)
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    if postgres and len(rows) <= ROWS_PER_STATEMENT:
        entries = sa.insert(AuditEntry).values(rows)
        await session.exec(move_head.add_cte(entries.cte("sealed")))
        return len(pending)
    # A bulk write (an import) has more entries than one statement may carry
    # parameters (PostgreSQL: 32,767; SQLite: 32,766): write them in slices.
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        await session.exec(sa.insert(AuditEntry).values(rows[start:start + ROWS_PER_STATEMENT]))
    await session.exec(move_head)
    return len(pending)


def _chain(pending: list[_Pending], seq: int, prev: str) -> tuple[list[dict[str, Any]], str]:
    """Rows for the entries after `seq`, each hashed over the one before; and the last hash."""
    now = utcnow()
    rows = []
    for p in pending:
        seq += 1
        entry = AuditEntry(
            seq=seq, at=now, actor_type=p.actor.kind,
            actor_id=None if p.actor.kind == "public" else p.actor.id,
            agency_id=uuid.UUID(p.actor.agency_id) if p.actor.agency_id else None,
            jurisdiction_path=p.jurisdiction_path, action=p.action, entity_type=p.entity_type,
            entity_id=p.entity_id, before=p.before, after=p.after, prev_hash=prev, hash="",
        )
        entry.hash = prev = entry_hash(hashed_fields(entry))
        rows.append(entry.model_dump())
    return rows, prev


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None


async def verify_chain(session: AsyncSession, *, batch: int = 5000) -> Verification:
    """Recompute every hash in seq order; the first entry that does not match is named.

    Reads in keyset batches, so a long log is checked in flat memory.
    """
    prev, count, last_seq = GENESIS, 0, 0
    while True:
        rows = (await session.exec(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(col(AuditEntry.seq))
            .limit(batch)
        )).all()
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
    head_seq, head_hash = (await session.exec(select(AuditHead.seq, AuditHead.last_hash))).one()
    if head_seq != last_seq or head_hash != prev:
        return Verification(False, count, last_seq + 1, "the log ends before its head")
    return Verification(True, count)
