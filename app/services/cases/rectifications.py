"""Actions an agency records on its assignment, rectification orders and follow-up visits.

A rectification order creates a rectification with its deadline; a follow-up
visit records corrected or not, and a visit after the deadline that finds it
not corrected escalates it (拒不改正的，处以罚款 …) to the coordinator.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog, clock
from app.domain.chinatime import day_ends_at
from app.domain.documents import DocumentKind, instruction_basis
from app.domain.lifecycles import (
    OPEN_STATES,
    RECTIFICATION,
    TransitionError,
    action_errors,
    transition,
)
from app.domain.permissions import Actor
from app.domain.taxonomy import AgencyKind
from app.errors import Conflict, NotFound, Unprocessable, field_error
from app.models.base import utcnow
from app.models.cases import Action, Assignment, Case, FollowUp, Rectification
from app.models.documents import Document
from app.models.reference import Agency
from app.services.cases import documents, escalations, person_checks, queue
from app.services.cases.assignments import get_own_assignment, refer_case
from app.services.core import access, dialect


def _require_open(case: Case) -> None:
    if case.status not in OPEN_STATES:
        raise Conflict(f"The case is {case.status}; nothing more can be recorded on it.")


async def _require_wages_settled(session: AsyncSession, case: Case) -> None:
    """取缔关闭 waits for the workers' wages (工资清算和支付): 409 naming each person still
    owed, unless a reason is recorded for them (`PATCH /persons/{id}`)."""
    unpaid = await person_checks.unpaid_without_reason(session, case.id)
    if not unpaid:
        return
    names = "、".join(f"{o.name}（欠{o.outstanding:.2f}元）" for o in unpaid[:50])
    raise Conflict(
        f"工资未结清，不能取缔关闭：{names}。结清工资，或逐人记录未结清的原因。",
        persons=[
            {"id": str(o.person_id), "name": o.name, "outstanding": str(o.outstanding)}
            for o in unpaid
        ],
    )


async def record_action(
    session: AsyncSession,
    actor: Actor,
    assignment_id: uuid.UUID | str,
    *,
    type: str,
    note: str,
    amount: Decimal | None = None,
    count: int | None = None,
    deadline: date | None = None,
    referral_kind: str | None = None,
    today: date | None = None,
) -> tuple[Action, Rectification | None, Document | None]:
    """Validated by type: a fine needs an amount, a rescue a count, an order a deadline not
    before `today` (China's date, app.clock.today(), unless given), the day it is ordered on.
    A fine needs a served 行政处罚决定书 of the same amount (no fine without a decision the
    party could contest); an order issues its numbered 责令改正指令书, returned third."""
    a, case = await get_own_assignment(session, actor, assignment_id)
    _require_open(case)
    today = today or clock.today()
    errors = action_errors(
        type,
        amount=amount,
        count=count,
        deadline=deadline,
        referral_kind=referral_kind,
        today=today,
    )
    if errors:
        raise Unprocessable(
            "The action is incomplete; see `errors`.",
            errors=[field_error(["body", f], m) for f, m in errors],
        )
    if a.status != "accepted":
        raise Conflict(f"The assignment is {a.status}; accept it before recording actions.")
    if type == "fine" and amount is not None:
        await documents.require_served_decision(session, a.id, amount)
    if type == "site_closed":
        await _require_wages_settled(session, case)
    action = Action(
        assignment_id=a.id,
        case_id=case.id,
        type=type,
        note=note,
        amount=amount,
        count=count,
        deadline=deadline,
        referral_kind=referral_kind,
        created_by=actor.id[:64],
    )
    session.add(action)
    await session.flush()
    auditlog.record(
        session,
        actor,
        f"assignment.action.{type}",
        "assignment",
        a.id,
        after=auditlog.snapshot(action),
        jurisdiction_path=case.jurisdiction_path,
    )
    if type == "referral" and referral_kind is not None:
        await refer_case(session, actor, case, a, kind=AgencyKind(referral_kind), note=note)
    rect, doc = None, None
    if type == "rectification_order" and deadline is not None:
        agency = await session.get(Agency, a.agency_id)
        agency_kind = agency.kind if agency is not None else ""
        doc = await documents.issue_document(
            session,
            actor,
            a.id,
            kind=DocumentKind.rectification_instruction,
            facts=note.strip() or "你（单位）存在违反劳动保障法律法规的行为。",
            legal_basis=[instruction_basis(agency_kind)],
            deadline=deadline,
            action_id=action.id,
            today=today,
        )
        rect = Rectification(
            case_id=case.id,
            assignment_id=a.id,
            action_id=action.id,
            ordered_on=today,
            deadline=deadline,
        )
        session.add(rect)
        await session.flush()
        auditlog.record(
            session,
            actor,
            "rectification.order",
            "rectification",
            rect.id,
            after=auditlog.snapshot(rect),
            jurisdiction_path=case.jurisdiction_path,
        )
    return action, rect, doc


async def _own_rectification(
    session: AsyncSession, actor: Actor, rectification_id: uuid.UUID | str
) -> tuple[Rectification, Assignment, Case]:
    rid = access.as_uuid(rectification_id, "rectification")
    query = (
        select(Rectification, Assignment, Case)
        .join(Assignment, col(Assignment.id) == col(Rectification.assignment_id))
        .join(Case, col(Case.id) == col(Rectification.case_id))
        .where(Rectification.id == rid)
    )
    if dialect.is_postgres(session):
        query = query.with_for_update(of=Rectification)
    row = (await session.exec(query)).first()
    if row is None or not access.is_own_agency(actor, row[1].agency_id):
        raise NotFound(f"No rectification {rid} for your agency.")
    return row[0], row[1], row[2]


async def add_follow_up(
    session: AsyncSession,
    actor: Actor,
    rectification_id: uuid.UUID | str,
    *,
    visited_on: date,
    corrected: bool,
    note: str,
    today: date | None = None,
) -> tuple[FollowUp, Rectification]:
    """A visit on `visited_on`, which may not be after `today` — China's date
    (app.clock.today()) unless given: at 07:30 in China a visit made that morning is
    today's, though the UTC date is still yesterday's. A visit that finds the order
    carried out bumps the assignment's queue: its `rectify` clock no longer counts it."""
    rect, a, case = await _own_rectification(session, actor, rectification_id)
    _require_open(case)
    if rect.status == "corrected":
        raise Conflict("This rectification is already corrected.")
    if visited_on > (today or clock.today()):
        raise Unprocessable(
            "A visit cannot be in the future.",
            errors=[field_error(["body", "visited_on"], "in the future")],
        )
    visit = FollowUp(
        rectification_id=rect.id,
        visited_on=visited_on,
        corrected=corrected,
        note=note,
        created_by=actor.id[:64],
    )
    session.add(visit)
    before = auditlog.snapshot(rect)
    action = (
        "correct"
        if corrected
        else ("escalate" if visited_on > rect.deadline and rect.status == "ordered" else None)
    )
    if action is not None:
        try:
            rect.status = transition(RECTIFICATION, rect.status, action)
        except TransitionError as exc:
            raise Conflict(str(exc)) from None
        rect.corrected_on = visited_on if corrected else None
        rect.updated_at = utcnow()
        session.add(rect)
    if action == "correct":
        # The queue item's `rectify` clock reads the pending rectifications' deadlines:
        # corrected, this one no longer counts, so the agency's queue (and ETag) changes.
        seq = (await queue.bump_queues(session, [a.agency_id]))[a.agency_id]
        a.version, a.change_seq, a.updated_at = a.version + 1, seq, rect.updated_at
        session.add(a)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "rectification.follow_up",
        "rectification",
        rect.id,
        before=before,
        after={**auditlog.snapshot(rect), "follow_up": auditlog.snapshot(visit)},
        jurisdiction_path=case.jurisdiction_path,
    )
    if action == "escalate":
        await escalations.record_escalation(
            session,
            actor,
            kind="rectification_overdue",
            subject_id=rect.id,
            case_id=case.id,
            agency_id=a.agency_id,
            jurisdiction_path=case.jurisdiction_path,
            deadline_at=day_ends_at(rect.deadline),  # a 限期 counts China's calendar days
            detail=f"not corrected by {rect.deadline.isoformat()} (visit {visited_on})",
        )
    return visit, rect
