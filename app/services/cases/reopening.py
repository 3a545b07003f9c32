"""A closed case handled again (重办): reopened, and the agencies concerned given their
share back to accept anew, their queues bumped so they see it at once."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.lifecycles import ASSIGNMENT, AssignmentStatus, transition
from app.domain.permissions import Actor
from app.domain.routing import DEFAULT_DEADLINES
from app.domain.taxonomy import Severity
from app.errors import unprocessable
from app.models.base import utcnow
from app.models.cases import Assignment, Case
from app.services.cases import cases, queue
from app.services.core import case_visibility


async def reopen_for_rehandling(
    session: AsyncSession,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    reason: str,
    agency_ids: Collection[uuid.UUID] | None = None,
) -> tuple[Case, list[Assignment]]:
    """Reopen the case and put the concluded assignments of `agency_ids` (default: every
    concluded one) back to `pending`, due to be accepted as if routed now. Assignments
    declined, withdrawn or still open stay as they are. 409 when the case cannot reopen
    (still open, or the employer has another open case); 422 naming an agency without a
    concluded assignment on it."""
    case = await cases.reopen_case(session, actor, case_id, reason=reason)
    concluded = list(
        (
            await session.exec(
                select(Assignment)
                .where(
                    Assignment.case_id == case.id,
                    Assignment.status == AssignmentStatus.concluded,
                )
                .order_by(col(Assignment.id))
            )
        ).all()
    )
    if agency_ids is not None:
        wanted = set(agency_ids)
        unknown = wanted - {a.agency_id for a in concluded}
        if unknown:
            raise unprocessable(
                ["body", "agency_ids"],
                "No concluded assignment on this case for: " + ", ".join(map(str, unknown)),
            )
        concluded = [a for a in concluded if a.agency_id in wanted]
    if not concluded:
        return case, []
    seqs = await queue.bump_case_queues(session, case.id, changed=[a.agency_id for a in concluded])
    now = utcnow()
    for a in concluded:
        before = auditlog.snapshot(a)
        severity = Severity(case_visibility.share_severity(case, a))
        a.status = transition(ASSIGNMENT, a.status, "rehandle")
        a.due_at = now + DEFAULT_DEADLINES.accept_within[severity]
        a.concluded_at = None
        a.version, a.change_seq, a.updated_at = a.version + 1, seqs[a.agency_id], now
        session.add(a)
        await session.flush()
        auditlog.record(
            session,
            actor,
            "assignment.rehandle",
            "assignment",
            a.id,
            before=before,
            after={**auditlog.snapshot(a), "reason": reason},
            jurisdiction_path=case.jurisdiction_path,
        )
    return case, concluded
