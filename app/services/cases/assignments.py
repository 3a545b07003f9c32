"""Assignments (交办): made by the router, worked by their agency, re-routed by the office.

State changes are compare-and-set (`UPDATE … WHERE status = :expected AND
version = :seen`): of two officers pressing accept at once one wins, the other
gets 409. Only the agency an assignment belongs to may act on it; to anyone
else it does not exist (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.lifecycles import (
    ASSIGNMENT,
    CASE,
    OPEN_STATES,
    AssignmentStatus,
    CaseStatus,
    ReasonRequiredError,
    TransitionError,
    can_close,
    transition,
)
from app.domain.permissions import Actor
from app.domain.routing import DEFAULT_DEADLINES
from app.domain.taxonomy import AgencyKind, Severity
from app.errors import Conflict, NotFound, unprocessable
from app.models.base import utcnow
from app.models.cases import Assignment, Case, Escalation, Rectification
from app.models.reference import Agency
from app.services.cases import escalations, queue
from app.services.core import access, case_visibility, dialect
from app.services.registry import routing

PENDING_RECTIFICATION = ("ordered", "escalated")


async def assign_case(
    session: AsyncSession,
    actor: Actor,
    case: Case,
    *,
    umbrella: bool = False,
    now: datetime | None = None,
) -> list[Assignment]:
    """Give the case to the agencies it still lacks; existing assignments are kept.
    Every agency on the case has its queue bumped (the case summary changed)."""
    now = now or utcnow()
    existing = set(
        (
            await session.exec(select(Assignment.agency_id).where(Assignment.case_id == case.id))
        ).all()
    )
    planned = await routing.plan(
        session,
        violation_types=case.violation_types,
        path=case.jurisdiction_path,
        umbrella=umbrella or case.umbrella,
        existing_agency_ids=existing,
        now=now,
    )
    # every queue on the case shows its types and severity: bump them with the new ones
    seqs = await queue.bump_case_queues(
        session, case.id, changed=[uuid.UUID(p.agency_id) for p in planned]
    )
    if not planned:
        return []
    made = []
    for p in planned:
        aid = uuid.UUID(p.agency_id)
        a = Assignment(
            case_id=case.id,
            agency_id=aid,
            role=p.role,
            due_at=p.due_at,
            reason=p.reason,
            rule_version=p.rule_version,
            violation_types=list(p.violation_types),
            restricted=p.restricted,
            change_seq=seqs[aid],
            created_at=now,
            updated_at=now,
        )
        session.add(a)
        made.append(a)
    await session.flush()
    for a in made:
        auditlog.record(
            session,
            actor,
            "assignment.create",
            "assignment",
            a.id,
            after=auditlog.snapshot(a),
            jurisdiction_path=case.jurisdiction_path,
        )
    return made


async def refer_case(
    session: AsyncSession,
    actor: Actor,
    case: Case,
    source: Assignment,
    *,
    kind: AgencyKind,
    note: str,
) -> Assignment | None:
    """A referral (e.g. labour → commerce to ban an unlicensed site) becomes an assignment
    of the nearest agency of that kind, unless that agency already has one on the case.

    A referral from a restricted (protective-umbrella) share stays restricted, goes to
    that kind above the employer's county (`routing.route_referral`), and its reason
    does not quote the note: the allegation stays on the referring action."""
    now = utcnow()
    existing = set(
        (
            await session.exec(select(Assignment.agency_id).where(Assignment.case_id == case.id))
        ).all()
    )
    by = await session.get(Agency, source.agency_id)
    head = f"referral to {kind.value} from {by.name if by else 'an agency'}"
    p = await routing.plan_referral(
        session,
        kind=kind,
        violation_types=source.violation_types or case.violation_types,
        severity=Severity(case_visibility.share_severity(case, source)),
        path=case.jurisdiction_path,
        restricted=source.restricted,
        head=head,
        existing_agency_ids=existing,
        now=now,
    )
    if p is None:
        return None
    aid = uuid.UUID(p.agency_id)
    reason = p.reason
    if note and not source.restricted:
        reason += f": {note}"
    seq = (await queue.bump_queues(session, [aid]))[aid]
    made = Assignment(
        case_id=case.id,
        agency_id=aid,
        role="also",
        due_at=p.due_at,
        reason=reason,
        rule_version=0,
        violation_types=list(p.violation_types),
        restricted=p.restricted,
        change_seq=seq,
        created_at=now,
        updated_at=now,
    )
    session.add(made)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "assignment.create",
        "assignment",
        made.id,
        after=auditlog.snapshot(made),
        jurisdiction_path=case.jurisdiction_path,
    )
    return made


async def close_blockers(session: AsyncSession, case_id: uuid.UUID) -> list[str]:
    """Why the case cannot close yet: `can_close`, and a declined assignment whose work
    the coordinator has not re-routed yet."""
    rows = (
        await session.exec(
            select(Assignment.status, Assignment.rerouted_to).where(Assignment.case_id == case_id)
        )
    ).all()
    pending = (
        await session.exec(
            select(func.count())
            .select_from(Rectification)
            .where(
                Rectification.case_id == case_id,
                col(Rectification.status).in_(PENDING_RECTIFICATION),
            )
        )
    ).one()
    reasons = can_close([s for s, _ in rows], int(pending))
    unrouted = sum(1 for s, to in rows if s == AssignmentStatus.declined and to is None)
    if unrouted:
        reasons.append(
            f"{unrouted} declined assignment{'s' if unrouted > 1 else ''} not yet re-routed"
        )
    return reasons


async def get_own_assignment(
    session: AsyncSession, actor: Actor, assignment_id: uuid.UUID | str
) -> tuple[Assignment, Case]:
    aid = access.as_uuid(assignment_id, "assignment")
    row = (
        await session.exec(
            select(Assignment, Case)
            .join(Case, col(Case.id) == col(Assignment.case_id))
            .where(Assignment.id == aid)
        )
    ).first()
    if row is None or not access.is_own_agency(actor, row[0].agency_id):
        raise NotFound(f"No assignment {aid} for your agency.")
    return row[0], row[1]


async def _compare_and_set(
    session: AsyncSession, a: Assignment, action: str, reason: str | None, **values: Any
) -> None:
    """Move the assignment by `action` through the lifecycle table, as one compare-and-set
    on its status and version: of two officers pressing at once, one wins, one gets 409."""
    target = transition(ASSIGNMENT, a.status, action, reason=reason)
    seq = (await queue.bump_queues(session, [a.agency_id]))[a.agency_id]
    result = await session.exec(
        sa.update(Assignment)
        .where(
            col(Assignment.id) == a.id,
            col(Assignment.status) == a.status,
            col(Assignment.version) == a.version,
        )
        .values(status=target, version=a.version + 1, change_seq=seq, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        raise Conflict("Someone else changed this assignment just now; reload it and retry.")
    await session.refresh(a)


def _check_transition(a: Assignment, action: str, reason: str | None, field: str) -> None:
    """409 (with the allowed actions) or 422 (the missing reason) before any write."""
    try:
        transition(ASSIGNMENT, a.status, action, reason=reason)
    except TransitionError as exc:
        raise Conflict(
            f"{exc}; allowed: {', '.join(ASSIGNMENT.actions(a.status)) or 'nothing'}."
        ) from None
    except ReasonRequiredError:
        raise unprocessable(["body", field], f"To {action} you must give a {field}.") from None


async def _change(
    session: AsyncSession,
    actor: Actor,
    assignment_id: uuid.UUID | str,
    action: str,
    text: str | None,
    field: str,
    **values: Any,
) -> tuple[Assignment, Case]:
    a, case = await get_own_assignment(session, actor, assignment_id)
    if case.status not in OPEN_STATES:
        raise Conflict(f"The case is {case.status}; its assignments are settled.")
    if field == "summary" and not (text and text.strip()):
        raise unprocessable(["body", "summary"], "To conclude you must give a summary.")
    _check_transition(a, action, text, field)
    before = auditlog.snapshot(a)
    await _compare_and_set(session, a, action, text, **values)
    auditlog.record(
        session,
        actor,
        f"assignment.{action}",
        "assignment",
        a.id,
        before=before,
        after=auditlog.snapshot(a),
        jurisdiction_path=case.jurisdiction_path,
    )
    return a, case


async def _lock_case(session: AsyncSession, case_id: uuid.UUID) -> str | None:
    """The case's status, its row locked (case first, then queues, as everywhere)."""
    query = select(Case.status).where(Case.id == case_id)
    if dialect.is_postgres(session):
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def accept_assignment(
    session: AsyncSession, actor: Actor, assignment_id: uuid.UUID | str
) -> Assignment:
    """The first acceptance starts the case, which every agency on it sees in its queue."""
    _, case = await get_own_assignment(session, actor, assignment_id)
    if await _lock_case(session, case.id) == "open":
        await queue.bump_case_queues(session, case.id)
    a, case = await _change(
        session,
        actor,
        assignment_id,
        "accept",
        None,
        "reason",
        accepted_at=utcnow(),
        accepted_by=actor.id[:64],
    )
    started = await session.exec(
        sa.update(Case)
        .where(col(Case.id) == case.id, col(Case.status) == "open")
        .values(status=transition(CASE, CaseStatus.open, "start"), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if started.rowcount:
        auditlog.record(
            session,
            actor,
            "case.start",
            "case",
            case.id,
            before={"status": "open"},
            after={"status": "in_progress"},
            jurisdiction_path=case.jurisdiction_path,
        )
    return a


async def decline_assignment(
    session: AsyncSession, actor: Actor, assignment_id: uuid.UUID | str, *, reason: str
) -> Assignment:
    """Back to the coordinator: recorded as an escalation to re-route."""
    now = utcnow()
    a, case = await _change(
        session,
        actor,
        assignment_id,
        "decline",
        reason,
        "reason",
        declined_at=now,
        declined_reason=reason,
    )
    await escalations.record_escalation(
        session,
        actor,
        kind="declined",
        subject_id=a.id,
        case_id=case.id,
        agency_id=a.agency_id,
        jurisdiction_path=case.jurisdiction_path,
        deadline_at=now,
        detail=f"declined: {reason}",
    )
    return a


async def conclude_assignment(
    session: AsyncSession, actor: Actor, assignment_id: uuid.UUID | str, *, summary: str
) -> Assignment:
    a, _ = await _change(
        session,
        actor,
        assignment_id,
        "conclude",
        summary,
        "summary",
        concluded_at=utcnow(),
        conclusion=summary,
    )
    return a


async def reroute_assignment(
    session: AsyncSession,
    actor: Actor,
    case: Case,
    *,
    assignment_id: uuid.UUID,
    agency_id: uuid.UUID,
    reason: str,
) -> Assignment:
    """A declined assignment's work goes to another agency, as a new assignment.
    Only while the case is open or in progress (409 otherwise). A restricted
    (protective-umbrella) share goes only above the employer's county (409 otherwise)."""
    if case.status not in OPEN_STATES:
        raise Conflict(f"The case is {case.status}; reopen it before re-routing its work.")
    old = (
        await session.exec(
            select(Assignment).where(Assignment.id == assignment_id, Assignment.case_id == case.id)
        )
    ).first()
    if old is None:
        raise NotFound(f"No assignment {assignment_id} on this case.")
    if old.status != AssignmentStatus.declined or old.rerouted_to is not None:
        raise Conflict("Only a declined assignment not yet re-routed can be re-routed.")
    agency = await access.get_agency(session, actor, agency_id)
    if old.restricted and not await routing.above_county(
        session, case.jurisdiction_path, agency.jurisdiction_id
    ):
        raise Conflict(
            "This is a protective-umbrella (保护伞) share: it goes to an agency "
            "above the employer's county, never to one of the county's own."
        )
    taken = (
        await session.exec(
            select(Assignment.id).where(
                Assignment.case_id == case.id, Assignment.agency_id == agency.id
            )
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"{agency.name} already has an assignment on this case.", existing_id=str(taken)
        )
    now = utcnow()
    seq = (await queue.bump_queues(session, [agency.id, old.agency_id]))[agency.id]
    new = Assignment(
        case_id=case.id,
        agency_id=agency.id,
        role=old.role,
        due_at=now
        + DEFAULT_DEADLINES.accept_within[Severity(case_visibility.share_severity(case, old))],
        reason=f"re-routed by the coordinator after a decline: {reason}",
        rule_version=old.rule_version,
        violation_types=list(old.violation_types),
        restricted=old.restricted,
        change_seq=seq,
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    before = auditlog.snapshot(old)
    old.rerouted_to, old.version, old.updated_at = new.id, old.version + 1, now
    session.add(old)
    await session.flush()
    await session.exec(
        sa.update(Escalation)
        .where(
            col(Escalation.kind) == "declined",
            col(Escalation.subject_id) == old.id,
            col(Escalation.handled_at).is_(None),
        )
        .values(handled_at=now, handled_by=actor.id[:64], note=f"re-routed to {agency.name}")
        .execution_options(synchronize_session=False)
    )
    auditlog.record(
        session,
        actor,
        "assignment.reroute",
        "assignment",
        old.id,
        before=before,
        after=auditlog.snapshot(old),
        jurisdiction_path=case.jurisdiction_path,
    )
    auditlog.record(
        session,
        actor,
        "assignment.create",
        "assignment",
        new.id,
        after=auditlog.snapshot(new),
        jurisdiction_path=case.jurisdiction_path,
    )
    return new


async def withdraw_assignments(
    session: AsyncSession,
    actor: Actor,
    case: Case,
    *,
    agency_ids: Collection[uuid.UUID] | None = None,
) -> int:
    """The case was dismissed, or left these agencies' area (`agency_ids`): their pending,
    accepted and pending_filing assignments become withdrawn (every queue on the case bumped).
    Reopening does not revive them; new sources route anew."""
    query = select(Assignment).where(
        Assignment.case_id == case.id,
        col(Assignment.status).in_(
            (AssignmentStatus.pending, AssignmentStatus.accepted, AssignmentStatus.pending_filing)
        ),
    )
    if agency_ids is not None:
        query = query.where(col(Assignment.agency_id).in_(list(agency_ids)))
    todo = list((await session.exec(query.order_by(col(Assignment.id)))).all())
    if not todo:
        return 0
    seqs = await queue.bump_case_queues(session, case.id, changed=[a.agency_id for a in todo])
    now = utcnow()
    for a in todo:
        before = auditlog.snapshot(a)
        a.status = transition(ASSIGNMENT, a.status, "withdraw")
        a.version, a.change_seq, a.updated_at = a.version + 1, seqs[a.agency_id], now
        session.add(a)
        await session.flush()
        auditlog.record(
            session,
            actor,
            "assignment.withdraw",
            "assignment",
            a.id,
            before=before,
            after=auditlog.snapshot(a),
            jurisdiction_path=case.jurisdiction_path,
        )
    return len(todo)


async def hand_over_rectifications(session: AsyncSession, actor: Actor, case: Case) -> int:
    """Pending rectifications of withdrawn assignments go to the case's live assignment of
    the same agency kind (the order still stands when the site changes county); those with
    no such agency stay where they are and keep the case from closing."""
    rows = (
        await session.exec(
            select(Assignment, Agency.kind)
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(Assignment.case_id == case.id)
        )
    ).all()
    live = {
        kind: a
        for a, kind in rows
        if a.status in (AssignmentStatus.pending, AssignmentStatus.accepted)
    }
    gone = {a.id: kind for a, kind in rows if a.status == AssignmentStatus.withdrawn}
    if not gone:
        return 0
    moved = 0
    for rect in (
        await session.exec(
            select(Rectification).where(
                col(Rectification.assignment_id).in_(list(gone)),
                col(Rectification.status).in_(PENDING_RECTIFICATION),
            )
        )
    ).all():
        heir = live.get(gone[rect.assignment_id])
        if heir is None:
            continue
        before = auditlog.snapshot(rect)
        rect.assignment_id = heir.id
        session.add(rect)
        auditlog.record(
            session,
            actor,
            "rectification.hand_over",
            "rectification",
            rect.id,
            before=before,
            after=auditlog.snapshot(rect),
            jurisdiction_path=case.jurisdiction_path,
        )
        moved += 1
    await session.flush()
    return moved
