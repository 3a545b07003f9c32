"""Rectifications (整改) and their follow-up visits (回访)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.api.deps import MayQueueWrite, SessionDep
from app.api.idempotency import IdempotencyDep
from app.models.case_schemas import FollowUpCreate, FollowUpPublic, RectificationPublic
from app.services.cases import rectifications

router = APIRouter(prefix="/api/v1", tags=["rectifications"])


@router.post(
    "/rectifications/{rectification_id}/follow-ups", status_code=201, response_model=FollowUpPublic
)
async def add_follow_up(
    rectification_id: str,
    body: FollowUpCreate,
    session: SessionDep,
    actor: MayQueueWrite,
    idem: IdempotencyDep,
) -> Response:
    """Record a follow-up visit. Corrected → the rectification is corrected; not corrected
    after its deadline → escalated to the coordinator. Accepts `Idempotency-Key`."""
    visit, rect = await rectifications.add_follow_up(
        session,
        actor,
        rectification_id,
        visited_on=body.visited_on,
        corrected=body.corrected,
        note=body.note,
    )
    return await idem.respond(
        201,
        FollowUpPublic(
            id=visit.id,
            rectification=RectificationPublic.model_validate(rect),
            visited_on=visit.visited_on,
            corrected=visit.corrected,
            note=visit.note,
            created_at=visit.created_at,
        ),
    )
