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
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return 0
    head_seq, head_hash = (await session.exec(
        sa.update(AuditHead).where(col(AuditHead.id) == 1)
        .values(seq=AuditHead.seq + len(pending))
        .returning(col(AuditHead.seq), col(AuditHead.last_hash))
    )).one()
    seq: int = head_seq - len(pending)
    prev: str = head_hash
    now = utcnow()
    for p in pending:
        seq += 1
        entry = AuditEntry(
            seq=seq, at=now, actor_type=p.actor.kind,
            actor_id=None if p.actor.kind == "public" else p.actor.id,
            agency_id=uuid.UUID(p.actor.agency_id) if p.actor.agency_id else None,
            jurisdiction_path=p.jurisdiction_path, action=p.action, entity_type=p.entity_type,
            entity_id=p.entity_id, before=p.before, after=p.after, prev_hash=prev, hash="",
        )
        entry.hash = entry_hash(hashed_fields(entry))
        prev = entry.hash
        session.add(entry)
    await session.exec(
        sa.update(AuditHead).where(col(AuditHead.id) == 1).values(last_hash=prev)
    )
    await session.flush()
    return len(pending)


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
