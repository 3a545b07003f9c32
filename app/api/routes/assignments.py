"""Assignment work: accept, decline, conclude, and record actions (处理/处罚)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.api.deps import MayQueueWrite, SessionDep
from app.api.idempotency import IdempotencyDep
from app.models.case_schemas import (
    ActionCreate,
    ActionPublic,
    AssignmentConclude,
    AssignmentDecline,
    AssignmentState,
    AssignmentUpdate,
    RectificationPublic,
)
from app.services.cases import assignment_owners, assignments, rectifications
from app.services.cases.document_views import document_public

router = APIRouter(prefix="/api/v1", tags=["assignments"])


@router.patch("/assignments/{assignment_id}", response_model=AssignmentState)
async def update_assignment(
    assignment_id: str,
    body: AssignmentUpdate,
    session: SessionDep,
    actor: MayQueueWrite,
) -> AssignmentState:
    """Give an assignment of your agency to one of its officers (`owner_id`), or to nobody
    (`null`). The owner must be an active user of the agency (422). Audited; the
    agency's queue changes (its ETag too), and `GET /queue?owner=me` finds it."""
    a = await assignment_owners.set_owner(session, actor, assignment_id, owner_id=body.owner_id)
    return AssignmentState.model_validate(a)


@router.post("/assignments/{assignment_id}/accept", response_model=AssignmentState)
async def accept_assignment(
    assignment_id: str, session: SessionDep, actor: MayQueueWrite
) -> AssignmentState:
    """Accept an assignment of your agency. Two accepts at once: one 200, one 409."""
    a = await assignments.accept_assignment(session, actor, assignment_id)
    return AssignmentState.model_validate(a)


@router.post("/assignments/{assignment_id}/decline", response_model=AssignmentState)
async def decline_assignment(
    assignment_id: str,
    body: AssignmentDecline,
    session: SessionDep,
    actor: MayQueueWrite,
) -> AssignmentState:
    """Decline with a reason; it goes back to the coordinator to re-route."""
    a = await assignments.decline_assignment(session, actor, assignment_id, reason=body.reason)
    return AssignmentState.model_validate(a)


@router.post("/assignments/{assignment_id}/conclude", response_model=AssignmentState)
async def conclude_assignment(
    assignment_id: str,
    body: AssignmentConclude,
    session: SessionDep,
    actor: MayQueueWrite,
) -> AssignmentState:
    """Conclude an accepted assignment with a summary of what was done."""
    a = await assignments.conclude_assignment(session, actor, assignment_id, summary=body.summary)
    return AssignmentState.model_validate(a)


@router.post("/assignments/{assignment_id}/actions", status_code=201, response_model=ActionPublic)
async def record_action(
    assignment_id: str,
    body: ActionCreate,
    session: SessionDep,
    actor: MayQueueWrite,
    idem: IdempotencyDep,
) -> Response:
    """Record what your agency did on an accepted assignment. A `fine` and `wages_recovered`
    need an `amount` (and wages a `count` of workers), rescues and repatriations a `count`,
    a `rectification_order` a `deadline` (it creates a rectification and issues its numbered
    责令改正指令书, returned as `document`), a `referral` a `referral_kind`. A `fine` needs a
    served `penalty_decision` of this assignment for the same amount (409 naming what is
    missing). Accepts `Idempotency-Key`."""
    action, rect, doc = await rectifications.record_action(
        session,
        actor,
        assignment_id,
        type=body.type,
        note=body.note,
        amount=body.amount,
        count=body.count,
        deadline=body.deadline,
        referral_kind=body.referral_kind,
    )
    payload = ActionPublic.model_validate(action)
    if rect is not None:
        payload.rectification = RectificationPublic.model_validate(rect)
    if doc is not None:
        payload.document = document_public(doc)
    return await idem.respond(201, payload)
