"""The enforcement track on an assignment: filing (立案) and extending its clock."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api.deps import MayEnforcementApprove, MayQueueWrite, SessionDep
from app.models.enforcement_schemas import (
    ExtensionCreate,
    ExtensionDecision,
    ExtensionPublic,
    FilingCreate,
    FilingPublic,
)
from app.services.cases import filing

router = APIRouter(prefix="/api/v1", tags=["enforcement"])


@router.post("/assignments/{assignment_id}/file", response_model=FilingPublic)
async def file_assignment(
    assignment_id: str,
    body: FilingCreate,
    session: SessionDep,
    actor: MayQueueWrite,
) -> FilingPublic:
    """File (立案) your agency's accepted assignment. It gets the next number of your
    agency's sequence for the year (e.g. 黄人社监立〔2026〕3号), or `external_number`, the
    one your own case system gave it; and `investigate_by`, the handling deadline the law
    sets for your agency: for labour inspection 60 working days after the filing day
    (劳动保障监察条例 第17条), for the other administrative enforcers 90 days (行政处罚法
    第60条). 409 if not accepted, filed already, or your agency does not file cases."""
    return await filing.file_assignment(
        session, actor, assignment_id, note=body.note, external_number=body.external_number
    )


@router.post(
    "/assignments/{assignment_id}/extensions",
    status_code=status.HTTP_201_CREATED,
    response_model=ExtensionPublic,
)
async def request_extension(
    assignment_id: str,
    body: ExtensionCreate,
    session: SessionDep,
    actor: MayQueueWrite,
) -> ExtensionPublic:
    """Ask your agency's head to extend a filed assignment's handling deadline (once; for
    labour up to 30 working days, 劳动保障监察条例 第17条). Pending until decided."""
    ext = await filing.request_extension(
        session, actor, assignment_id, days=body.working_days, reason=body.reason
    )
    return ExtensionPublic.model_validate(ext)


@router.post("/extensions/{extension_id}/approve", response_model=ExtensionPublic)
async def approve_extension(
    extension_id: str,
    body: ExtensionDecision,
    session: SessionDep,
    actor: MayEnforcementApprove,
) -> ExtensionPublic:
    """Approve as the agency's head (负责人, role `agency_lead`): the deadline moves by the
    days asked, counted from the old deadline."""
    ext = await filing.decide_extension(
        session, actor, extension_id, approve=True, reason=body.reason
    )
    return ExtensionPublic.model_validate(ext)


@router.post("/extensions/{extension_id}/reject", response_model=ExtensionPublic)
async def reject_extension(
    extension_id: str,
    body: ExtensionDecision,
    session: SessionDep,
    actor: MayEnforcementApprove,
) -> ExtensionPublic:
    """Reject as the agency's head, with a reason; the deadline stands."""
    ext = await filing.decide_extension(
        session, actor, extension_id, approve=False, reason=body.reason
    )
    return ExtensionPublic.model_validate(ext)
