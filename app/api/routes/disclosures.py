"""Published results (公开): the office approves a closed case for the public, or withdraws it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from app.api.deps import MayAuditRead, MayDisclosuresWrite, SessionDep, SettingsDep
from app.api.idempotency import IdempotencyDep
from app.api.paging import page_of
from app.models.common import Page
from app.models.disclosures import (
    DisclosureCreate,
    DisclosurePublic,
    DisclosureStatus,
    DisclosureWithdraw,
)
from app.services.reports import disclosures

router = APIRouter(prefix="/api/v1", tags=["disclosures"])

Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/disclosures", response_model=Page[DisclosurePublic])
async def list_disclosures(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayAuditRead,
    status: DisclosureStatus | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    violation_type: str | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[DisclosurePublic]:
    """What the office published about places in your area, withdrawn results included,
    newest approval first: each with who approved it and when, and for a withdrawn one
    who took it down, when and why. `status`: `published` (on the public list now) or
    `withdrawn`; `jurisdiction_id`: that place (a township, say) and everything under it,
    404 outside your area; `violation_type`: a violation type code. Readable by whoever
    reads the audit log (the office, auditors), which records the same approvals."""
    rows, nxt = await disclosures.list_disclosures(
        session,
        actor,
        status=status,
        jurisdiction_id=jurisdiction_id,
        violation_type=violation_type,
        cursor=cursor,
        limit=limit,
    )
    return page_of(DisclosurePublic, rows, nxt, request, response)


@router.get("/disclosures/{disclosure_id}", response_model=DisclosurePublic)
async def get_disclosure(
    disclosure_id: str, session: SessionDep, actor: MayAuditRead
) -> DisclosurePublic:
    """One published or withdrawn result; 404 outside your area."""
    return await disclosures.read_disclosure(session, actor, disclosure_id)


@router.post("/cases/{case_id}/disclosure", status_code=201, response_model=DisclosurePublic)
async def approve_disclosure(
    case_id: str,
    body: DisclosureCreate,
    session: SessionDep,
    settings: SettingsDep,
    idem: IdempotencyDep,
    actor: MayDisclosuresWrite,
) -> JSONResponse:
    """Publish a closed case: `summary_public` says what was found and done, `approve`
    must be true and records you as the approver. The published text is redacted on
    top of yours (phone and ID numbers, tipsters' names, ages under 18 are masked);
    tip contents and workers' details are never published. 409 if the case is not
    closed or is already published."""
    d = await disclosures.approve_disclosure(
        session,
        actor,
        case_id,
        settings=settings,
        summary_public=body.summary_public,
        approve=body.approve,
    )
    return await idem.respond(201, await disclosures.disclosure_view(session, d))


@router.post("/disclosures/{disclosure_id}/withdraw", response_model=DisclosurePublic)
async def withdraw_disclosure(
    disclosure_id: str,
    session: SessionDep,
    actor: MayDisclosuresWrite,
    body: DisclosureWithdraw | None = None,
) -> DisclosurePublic:
    """Take a published result down; it leaves the public list at once."""
    d = await disclosures.withdraw_disclosure(
        session, actor, disclosure_id, reason=body.reason if body else ""
    )
    return await disclosures.disclosure_view(session, d)
