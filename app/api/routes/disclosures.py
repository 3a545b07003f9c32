"""Published results (公开): the office approves a closed case for the public, or withdraws it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import Allowed, SessionDep, SettingsDep
from app.api.idempotency import IdempotencyDep
from app.domain.permissions import Permission
from app.models.disclosures import DisclosureCreate, DisclosurePublic, DisclosureWithdraw
from app.services import disclosures

router = APIRouter(prefix="/api/v1", tags=["disclosures"])


@router.post("/cases/{case_id}/disclosure", status_code=201, response_model=DisclosurePublic)
async def approve_disclosure(case_id: str, body: DisclosureCreate, session: SessionDep,
                             settings: SettingsDep, idem: IdempotencyDep,
                             actor: Allowed(Permission.disclosures_write)) -> JSONResponse:
    """Publish a closed case: `summary_public` says what was found and done, `approve`
    must be true and records you as the approver. The published text is redacted on
    top of yours (phone and ID numbers, tipsters' names, ages under 18 are masked);
    tip contents and workers' details are never published. 409 if the case is not
    closed or is already published."""
    d = await disclosures.approve_disclosure(session, actor, case_id, settings=settings,
                                             summary_public=body.summary_public,
                                             approve=body.approve)
    return await idem.respond(201, await disclosures.disclosure_view(session, d))


@router.post("/disclosures/{disclosure_id}/withdraw", response_model=DisclosurePublic)
async def withdraw_disclosure(disclosure_id: str, session: SessionDep,
                              actor: Allowed(Permission.disclosures_write),
                              body: DisclosureWithdraw | None = None) -> DisclosurePublic:
    """Take a published result down; it leaves the public list at once."""
    d = await disclosures.withdraw_disclosure(session, actor, disclosure_id,
                                              reason=body.reason if body else "")
    return await disclosures.disclosure_view(session, d)
