"""Criminal transfers (两法衔接, 国务院令第310号): request, the head's decision, sending,
and the police's filing decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.api.deps import MayEnforcementApprove, MayQueueRead, MayQueueWrite, SessionDep
from app.api.paging import page_of
from app.models.common import Page
from app.models.enforcement_schemas import (
    TransferCreate,
    TransferFilingDecision,
    TransferPublic,
    TransferReject,
    TransferSend,
    TransferState,
)
from app.services.cases import transfers

router = APIRouter(prefix="/api/v1", tags=["enforcement"])

Limit = Annotated[int, Query(ge=1, le=200)]


@router.post(
    "/assignments/{assignment_id}/transfers",
    status_code=status.HTTP_201_CREATED,
    response_model=TransferPublic,
)
async def request_transfer(
    assignment_id: str,
    body: TransferCreate,
    session: SessionDep,
    actor: MayQueueWrite,
) -> TransferPublic:
    """Report a suspected crime found on your agency's accepted assignment to your head,
    asking to transfer it to the police (涉嫌犯罪案件移送). `pending_approval`; the head
    decides within 3 days (国务院令第310号 第5条). 409 for the police, an assignment not
    accepted, or one with a transfer in progress."""
    t = await transfers.request_transfer(
        session, actor, assignment_id, facts=body.facts, document_ids=body.document_ids
    )
    return transfers.transfer_public(t)


@router.post("/transfers/{transfer_id}/approve", response_model=TransferPublic)
async def approve_transfer(
    transfer_id: str, session: SessionDep, actor: MayEnforcementApprove
) -> TransferPublic:
    """Approve as the agency's head (负责人, role `agency_lead`); the transfer is then due
    to be sent within 24 hours (第5条). 404 for another agency's transfer."""
    t = await transfers.decide_transfer(session, actor, transfer_id, approve=True)
    return transfers.transfer_public(t)


@router.post("/transfers/{transfer_id}/reject", response_model=TransferPublic)
async def reject_transfer(
    transfer_id: str,
    body: TransferReject,
    session: SessionDep,
    actor: MayEnforcementApprove,
) -> TransferPublic:
    """Reject as the agency's head, with the reason (第5条: 不批准的，应当说明理由)."""
    t = await transfers.decide_transfer(
        session, actor, transfer_id, approve=False, reason=body.reason
    )
    return transfers.transfer_public(t)


@router.post("/transfers/{transfer_id}/send", response_model=TransferPublic)
async def send_transfer(
    transfer_id: str,
    body: TransferSend,
    session: SessionDep,
    actor: MayQueueWrite,
) -> TransferPublic:
    """Send an approved transfer to the nearest police at county level or above (above the
    employer's county for a protective-umbrella share). Their share of the case appears in
    their queue as `pending_filing`, to decide within 3 days (第8条)."""
    t = await transfers.send_transfer(session, actor, transfer_id, note=body.note)
    return transfers.transfer_public(t)


@router.post("/transfers/{transfer_id}/decision", response_model=TransferPublic)
async def decide_filing(
    transfer_id: str,
    body: TransferFilingDecision,
    session: SessionDep,
    actor: MayQueueWrite,
) -> TransferPublic:
    """The police's decision whether to open a criminal case (立案, 第8条). Not filing needs
    the reason (422), which the transferring agency is shown."""
    t = await transfers.decide_filing(
        session, actor, transfer_id, filed=body.filed, reason=body.reason
    )
    return transfers.transfer_public(t)


@router.get("/transfers", response_model=Page[TransferPublic])
async def list_transfers(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayQueueRead,
    status: TransferState | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[TransferPublic]:
    """Transfers your agency sent or received, or, for the office, those of its area;
    oldest request first."""
    rows, nxt = await transfers.list_transfers(
        session, actor, status=status, cursor=cursor, limit=limit
    )
    return page_of(
        TransferPublic, [transfers.transfer_public(t) for t in rows], nxt, request, response
    )


@router.get("/transfers/{transfer_id}", response_model=TransferPublic)
async def get_transfer(
    transfer_id: str, session: SessionDep, actor: MayQueueRead
) -> TransferPublic:
    """One transfer, if your agency sent or received it or it is in your office's area."""
    return transfers.transfer_public(await transfers.get_transfer(session, actor, transfer_id))
