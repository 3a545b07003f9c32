"""Escalations: missed deadlines and declined assignments, for the coordinator to act on."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import MayCasesWrite, SessionDep
from app.api.paging import page_of
from app.models.case_schemas import EscalationHandle, EscalationPublic
from app.models.common import Page
from app.services.cases import escalations

router = APIRouter(prefix="/api/v1", tags=["escalations"])

Limit = Annotated[int, Query(ge=1, le=200)]
Kind = Literal[
    "assignment_overdue",
    "handling_overdue",
    "rectification_overdue",
    "triage_overdue",
    "declined",
    "transfer_approval_overdue",
    "transfer_send_overdue",
    "transfer_decision_overdue",
    "case_moved_out",
    "case_moved_in",
    "report_missing",
    "callback_overdue",
    "rehandling_overdue",
]


@router.get("/escalations", response_model=Page[EscalationPublic])
async def list_escalations(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayCasesWrite,
    handled: bool | None = None,
    kind: Kind | None = None,
    case_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[EscalationPublic]:
    """Escalations in your area, oldest first; `handled=false` is the office's worklist."""
    rows, nxt = await escalations.list_escalations(
        session, actor, handled=handled, kind=kind, case_id=case_id, cursor=cursor, limit=limit
    )
    return page_of(EscalationPublic, rows, nxt, request, response)


@router.post("/escalations/{escalation_id}/handle", response_model=EscalationPublic)
async def handle_escalation(
    escalation_id: str,
    body: EscalationHandle,
    session: SessionDep,
    actor: MayCasesWrite,
) -> EscalationPublic:
    """Mark an escalation handled, with a note on what was done."""
    esc = await escalations.handle_escalation(session, actor, escalation_id, note=body.note)
    return EscalationPublic.model_validate(esc)
