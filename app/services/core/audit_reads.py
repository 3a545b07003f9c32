"""Reading and checking the audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor
from app.models.audit import AuditEntry
from app.services.core import access
from app.services.core.pagination import after, clamp, encode_cursor


async def list_audit(
    session: AsyncSession,
    actor: Actor,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[Sequence[AuditEntry], str | None]:
    """Newest first; an actor sees entries about places in its own subtree.

    What is waiting to be chained is sealed first, so the log is complete up to
    this request.
    """
    await _seal_first(session)
    n = clamp(limit)
    query = select(AuditEntry)
    query = query.where(access.in_area(actor, AuditEntry.jurisdiction_path))
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    query = query.where(after([col(AuditEntry.seq)], cursor, [int], descending=True))
    rows = list((await session.exec(query.order_by(col(AuditEntry.seq).desc()).limit(n + 1))).all())
    more = len(rows) > n
    rows = rows[:n]
    return rows, encode_cursor(rows[-1].seq) if more else None


async def verify_audit(session: AsyncSession, actor: Actor) -> auditlog.Verification:
    """The whole chain is checked: a break anywhere concerns every auditor."""
    await _seal_first(session)
    return await auditlog.verify_chain(session)


async def _seal_first(session: AsyncSession) -> None:
    # In its own transaction, before this session reads anything: on SQLite a read
    # snapshot taken earlier would not see the entries just sealed.
    engine = session.bind
    assert isinstance(engine, AsyncEngine), "audit reads need a session bound to the engine"
    await auditlog.seal_waiting(engine)
