"""A case grown graver: pending assignments get the shorter clock of its new severity.

New violation types added to an open case route new agencies with the deadline of the
case's severity (`assignments.assign_case`); the agencies already on the case must also
accept sooner once a critical type is known (从重、从快: 24 hours for critical). Only
pending assignments move, and only earlier: an accepted one is on its legal handling
clock, which no new type shortens.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.deadlines import as_aware
from app.domain.permissions import Actor
from app.domain.routing import DEFAULT_DEADLINES
from app.domain.taxonomy import Severity
from app.models.base import utcnow
from app.models.cases import Assignment, Case
from app.services.cases import queue
from app.services.core import case_visibility


async def hasten_pending(
    session: AsyncSession, actor: Actor, case: Case, *, now: datetime | None = None
) -> list[Assignment]:
    """Bring each pending assignment's accept deadline to what the case's severity, as
    that share sees it, gives from `now`, where that is earlier. Returns those moved."""
    now = now or utcnow()
    pending = (
        await session.exec(
            select(Assignment).where(Assignment.case_id == case.id, Assignment.status == "pending")
        )
    ).all()
    moved: list[tuple[Assignment, datetime]] = []
    for a in pending:
        severity = Severity(case_visibility.share_severity(case, a))
        due = now + DEFAULT_DEADLINES.accept_within[severity]
        if due < as_aware(a.due_at):
            moved.append((a, a.due_at))
            a.due_at = due
    if not moved:
        return []
    seqs = await queue.bump_case_queues(
        session, case.id, changed=sorted({a.agency_id for a, _ in moved})
    )
    for a, _ in moved:
        a.version += 1
        a.change_seq = seqs[a.agency_id]
        a.updated_at = now
        session.add(a)
    await session.flush()
    for a, before in moved:
        auditlog.record(
            session,
            actor,
            "assignment.hasten",
            "assignment",
            a.id,
            before={"due_at": before},
            after={"due_at": a.due_at, "severity": case_visibility.share_severity(case, a)},
            jurisdiction_path=case.jurisdiction_path,
        )
    return [a for a, _ in moved]
