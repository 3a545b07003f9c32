"""Escalations: missed deadlines and declines, recorded once per deadline for the coordinator.

`record_escalation` is an INSERT … ON CONFLICT DO NOTHING on (kind, subject,
deadline), so any number of workers sweeping at once record each deadline once
and only the one that inserted it writes the audit entry.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.chinatime import china_date, day_ends_at
from app.domain.lifecycles import OPEN_STATES, RECTIFICATION, transition
from app.domain.permissions import SYSTEM_ACTOR, Actor
from app.errors import Conflict, NotFound
from app.models.base import utcnow
from app.models.cases import Assignment, Case, Escalation, Rectification, Transfer
from app.models.tips import Tip
from app.services.core import access, dialect
from app.services.core.pagination import after, clamp, encode_cursor

SWEEP_ROWS = 1000


async def record_escalation(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: str,
    subject_id: uuid.UUID,
    case_id: uuid.UUID | None,
    agency_id: uuid.UUID | None,
    jurisdiction_path: str,
    deadline_at: datetime,
    detail: str,
) -> bool:
    """True if this call recorded it; False if it was on record already."""
    now = utcnow()
    eid = uuid.uuid4()
    result = await session.exec(
        dialect.insert(session, Escalation)
        .values(
            id=eid,
            kind=kind,
            subject_id=subject_id,
            case_id=case_id,
            agency_id=agency_id,
            jurisdiction_path=jurisdiction_path,
            detail=detail,
            deadline_at=deadline_at,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["kind", "subject_id", "deadline_at"])
    )
    if not result.rowcount:
        return False
    auditlog.record(
        session,
        actor,
        f"escalation.{kind}",
        "escalation",
        eid,
        after={
            "kind": kind,
            "subject_id": subject_id,
            "case_id": case_id,
            "deadline_at": deadline_at,
            "detail": detail,
        },
        jurisdiction_path=jurisdiction_path,
    )
    return True


def _not_recorded(kind: str, subject: object, deadline: object) -> sa.ColumnElement[bool]:
    """No escalation on record yet for this (kind, subject, deadline), so a sweep limited
    to SWEEP_ROWS always reaches the new overdue items, oldest deadline first."""
    return sa.not_(
        sa.exists().where(
            col(Escalation.kind) == kind,
            col(Escalation.subject_id) == subject,
            col(Escalation.deadline_at) == deadline,
        )
    )


async def escalate_overdue_assignments(
    session: AsyncSession, *, now: datetime | None = None
) -> int:
    """Pending assignments of open cases past their deadline to accept."""
    now = now or utcnow()
    rows = (
        await session.exec(
            select(Assignment, Case.jurisdiction_path)
            .join(Case, col(Case.id) == col(Assignment.case_id))
            .where(
                Assignment.status == "pending",
                col(Assignment.due_at) < now,
                col(Case.status).in_(OPEN_STATES),
                _not_recorded("assignment_overdue", col(Assignment.id), col(Assignment.due_at)),
            )
            .order_by(col(Assignment.due_at), col(Assignment.id))
            .limit(SWEEP_ROWS)
        )
    ).all()
    done = 0
    for a, path in rows:
        done += await record_escalation(
            session,
            SYSTEM_ACTOR,
            kind="assignment_overdue",
            subject_id=a.id,
            case_id=a.case_id,
            agency_id=a.agency_id,
            jurisdiction_path=path,
            deadline_at=a.due_at,
            detail=f"not accepted by {a.due_at.isoformat()}",
        )
    return done


async def escalate_overdue_rectifications(
    session: AsyncSession, *, now: datetime | None = None
) -> int:
    """Rectifications of open cases still ordered after their deadline day → escalated,
    recorded once. Each one leaves `ordered` here, so the next sweep reaches the next."""

    now = now or utcnow()
    query = (
        select(Rectification, Assignment.agency_id, Case.jurisdiction_path)
        .join(Assignment, col(Assignment.id) == col(Rectification.assignment_id))
        .join(Case, col(Case.id) == col(Rectification.case_id))
        .where(
            Rectification.status == "ordered",
            col(Rectification.deadline) < china_date(now),  # its last day is over
            col(Case.status).in_(OPEN_STATES),
        )
        .order_by(col(Rectification.deadline), col(Rectification.id))
        .limit(SWEEP_ROWS)
    )
    if dialect.is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=Rectification)
    rows = (await session.exec(query)).all()
    done = 0
    for r, agency_id, path in rows:
        done += await record_escalation(
            session,
            SYSTEM_ACTOR,
            kind="rectification_overdue",
            subject_id=r.id,
            case_id=r.case_id,
            agency_id=agency_id,
            jurisdiction_path=path,
            deadline_at=day_ends_at(r.deadline),
            detail=f"not corrected by {r.deadline.isoformat()}",
        )
        r.status = transition(RECTIFICATION, r.status, "escalate")
        r.updated_at = now  # on record now, whoever recorded it
        session.add(r)
    await session.flush()
    return done


# The step a transfer waits for, by its status: the escalation kind and what was missed.
_TRANSFER_STEPS = {
    "pending_approval": ("transfer_approval_overdue", "transfer not approved or rejected by"),
    "approved": ("transfer_send_overdue", "approved transfer not sent by"),
    "sent": ("transfer_decision_overdue", "police filing decision not made by"),
}


async def escalate_overdue_transfers(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Criminal transfers whose current step is late (国务院令第310号: the head's decision
    within 3 days, sending within 24 hours, the police decision within 3 days): once per
    step, since each step has its own deadline. The office of the case's area sees them,
    against the agency that owes the step."""
    now = now or utcnow()
    rows = (
        await session.exec(
            select(Transfer, Case.jurisdiction_path)
            .join(Case, col(Case.id) == col(Transfer.case_id))
            .where(
                col(Transfer.status).in_(list(_TRANSFER_STEPS)),
                col(Transfer.due_at).is_not(None),
                col(Transfer.due_at) < now,
                sa.or_(
                    *(
                        sa.and_(
                            col(Transfer.status) == status,
                            _not_recorded(kind, col(Transfer.id), col(Transfer.due_at)),
                        )
                        for status, (kind, _) in _TRANSFER_STEPS.items()
                    )
                ),
            )
            .order_by(col(Transfer.due_at), col(Transfer.id))
            .limit(SWEEP_ROWS)
        )
    ).all()
    done = 0
    for t, path in rows:
        assert t.due_at is not None
        kind, missed = _TRANSFER_STEPS[t.status]
        owes = t.police_agency_id if t.status == "sent" else t.agency_id
        done += await record_escalation(
            session,
            SYSTEM_ACTOR,
            kind=kind,
            subject_id=t.id,
            case_id=t.case_id,
            agency_id=owes,
            jurisdiction_path=path,
            deadline_at=t.due_at,
            detail=f"{missed} {t.due_at.isoformat()}",
        )
    return done


async def escalate_overdue_triage(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Tips not triaged by their deadline (有报必查)."""

    now = now or utcnow()
    rows = (
        await session.exec(
            select(Tip.id, Tip.scope_path, Tip.triage_due_at)
            .where(
                Tip.status == "received",
                col(Tip.triage_due_at) < now,
                _not_recorded("triage_overdue", col(Tip.id), col(Tip.triage_due_at)),
            )
            .order_by(col(Tip.triage_due_at), col(Tip.id))
            .limit(SWEEP_ROWS)
        )
    ).all()
    done = 0
    for tip_id, path, due in rows:
        done += await record_escalation(
            session,
            SYSTEM_ACTOR,
            kind="triage_overdue",
            subject_id=tip_id,
            case_id=None,
            agency_id=None,
            jurisdiction_path=path,
            deadline_at=due,
            detail=f"tip not triaged by {due.isoformat()}",
        )
    return done


async def list_escalations(
    session: AsyncSession,
    actor: Actor,
    *,
    handled: bool | None = None,
    kind: str | None = None,
    case_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[Escalation], str | None]:
    """Oldest first, in the caller's jurisdiction subtree."""
    n = clamp(limit)
    query = select(Escalation)
    if actor.kind != "system":
        if not actor.jurisdiction_path:
            return [], None
        query = query.where(
            col(Escalation.jurisdiction_path).startswith(actor.jurisdiction_path, autoescape=True)
        )
    if handled is not None:
        cond = (
            col(Escalation.handled_at).is_not(None)
            if handled
            else col(Escalation.handled_at).is_(None)
        )
        query = query.where(cond)
    if kind is not None:
        query = query.where(Escalation.kind == kind)
    if case_id is not None:
        query = query.where(Escalation.case_id == case_id)
    keys = [col(Escalation.created_at), col(Escalation.id)]
    query = query.where(after(keys, cursor, [datetime, uuid.UUID])).order_by(*keys).limit(n + 1)
    rows = list((await session.exec(query)).all())
    more, rows = len(rows) > n, rows[:n]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id) if more else None


async def handle_escalation(
    session: AsyncSession, actor: Actor, escalation_id: uuid.UUID | str, *, note: str
) -> Escalation:
    eid = access.as_uuid(escalation_id, "escalation")
    esc = await session.get(Escalation, eid)
    if esc is None or not access.in_subtree(actor, esc.jurisdiction_path):
        raise NotFound(f"No escalation {eid} in your area.")
    if esc.handled_at is not None:
        raise Conflict("This escalation has been handled already.")
    before = auditlog.snapshot(esc)
    esc.handled_at, esc.handled_by, esc.note = utcnow(), actor.id[:64], note
    session.add(esc)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "escalation.handle",
        "escalation",
        esc.id,
        before=before,
        after=auditlog.snapshot(esc),
        jurisdiction_path=esc.jurisdiction_path,
    )
    return esc
