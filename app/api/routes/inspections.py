"""Inspections (检查): draft → submitted → signed by everyone present, then immutable."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from app.api.deps import (
    MayInspectionsRead,
    MayInspectionsWrite,
    ReportSessionDep,
    ReportSessionmakerDep,
    SessionDep,
)
from app.api.idempotency import IdempotencyDep
from app.api.paging import page_of
from app.domain.lifecycles import InspectionStatus
from app.models.common import Page
from app.models.inspection_schemas import (
    AmendmentCreate,
    EvidencePublic,
    FindingCreate,
    Headcount,
    InspectionCreate,
    InspectionFinding,
    InspectionPublic,
    InspectionSubmit,
    InspectionSummary,
    InspectionUpdate,
    InterviewCreate,
    InterviewPublic,
    SignaturePublic,
)
from app.models.schemas import location_of
from app.services.inspections import (
    inspection_evidence,
    inspection_ledger,
    inspection_signing,
    inspections,
)
from app.services.inspections.inspections import InspectionDetail

router = APIRouter(prefix="/api/v1", tags=["inspections"])

Limit = Annotated[int, Query(ge=1, le=200)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inspection_public(d: InspectionDetail) -> InspectionPublic:
    i = d.inspection
    summary = InspectionSummary.model_validate(i).model_dump()
    return InspectionPublic(
        **summary,
        jurisdiction_id=i.jurisdiction_id,
        inspector_id=i.inspector_id,
        headcount=Headcount(**d.headcount),
        checklist=dict(i.checklist),
        flags=d.flags,
        findings=[InspectionFinding.model_validate(f) for f in d.findings],
        required_signer_ids=[uuid.UUID(u) for u in i.required_signer_ids],
        signatures=[
            SignaturePublic(user_id=s.user_id, display_name=u.display_name, signed_at=s.signed_at)
            for s, u in d.signatures
        ],
        amendment_reason=i.amendment_reason,
        location=location_of(i),
        submitted_at=i.submitted_at,
        signed_at=i.signed_at,
    )


@router.get(
    "/inspections/ledger",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def export_ledger(
    session: ReportSessionDep,
    actor: MayInspectionsRead,
    reports: ReportSessionmakerDep,
    campaign_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    township_id: uuid.UUID | None = None,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """The inspection ledger (台帐) as a file with Chinese headers, oldest first.

    CSV is UTF-8 with a BOM and streamed; cells starting with = + - @ are
    prefixed with ' so a spreadsheet does not run them. Scoped like the list. Read
    from the streaming replica when one is configured (`X-Read-From`, `X-Replica-Lag`)."""
    filters = {"campaign_id": campaign_id, "team_id": team_id, "township_id": township_id}
    await inspection_ledger.check_filters(session, actor, filters)
    name = quote("检查台帐") + f".{format}"
    disposition = f"attachment; filename=\"ledger.{format}\"; filename*=UTF-8''{name}"
    if format == "xlsx":
        data = await inspection_ledger.ledger_xlsx(session, actor, filters)
        return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})
    return StreamingResponse(
        inspection_ledger.stream_ledger_csv(reports, actor, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


@router.post("/inspections", status_code=status.HTTP_201_CREATED, response_model=InspectionPublic)
async def create_inspection(
    body: InspectionCreate,
    session: SessionDep,
    actor: MayInspectionsWrite,
    idem: IdempotencyDep,
) -> Response:
    """Record a visit as a draft: headcount (用工人数) and checklist.

    local + migrant = total, and female, minors, children and contracts signed
    ≤ total, else 422 naming the field. With `team_id` you must be on the team
    and the employer in one of its townships (403 otherwise); without a team,
    your own area applies. Accepts `Idempotency-Key`."""
    insp = await inspections.create_inspection(
        session,
        actor,
        employer_id=body.employer_id,
        kind=body.kind,
        visited_on=body.visited_on,
        headcount=body.headcount,
        checklist=body.checklist,
        campaign_id=body.campaign_id,
        team_id=body.team_id,
        location=body.location,
    )
    return await idem.respond(
        201, inspection_public(await inspections.inspection_detail(session, insp))
    )


@router.get("/inspections", response_model=Page[InspectionSummary])
async def list_inspections(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayInspectionsRead,
    campaign_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    township_id: uuid.UUID | None = None,
    status: InspectionStatus | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[InspectionSummary]:
    """Inspections in your area (and your teams'), newest first."""
    filters = {
        "campaign_id": campaign_id,
        "team_id": team_id,
        "township_id": township_id,
        "status": status.value if status else None,
    }
    rows, nxt = await inspections.list_inspections(
        session, actor, filters=filters, cursor=cursor, limit=limit
    )
    return page_of(InspectionSummary, rows, nxt, request, response)


@router.get("/inspections/{inspection_id}", response_model=InspectionPublic)
async def get_inspection(
    inspection_id: uuid.UUID, session: SessionDep, actor: MayInspectionsRead
) -> InspectionPublic:
    """One inspection: headcount, checklist, findings, signatures and `flags` — the
    not_compliant checklist items that have no finding of a related violation type."""
    return inspection_public(await inspections.get_inspection(session, actor, inspection_id))


@router.patch("/inspections/{inspection_id}", response_model=InspectionPublic)
async def update_inspection(
    inspection_id: uuid.UUID,
    body: InspectionUpdate,
    session: SessionDep,
    actor: MayInspectionsWrite,
) -> InspectionPublic:
    """Correct a draft; checklist items given replace those items. Submitted or signed → 409."""
    insp = await inspections.update_inspection(
        session,
        actor,
        inspection_id,
        visited_on=body.visited_on,
        headcount=body.headcount,
        checklist=body.checklist,
    )
    return inspection_public(await inspections.inspection_detail(session, insp))


@router.post(
    "/inspections/{inspection_id}/findings",
    status_code=status.HTTP_201_CREATED,
    response_model=InspectionFinding,
)
async def add_finding(
    inspection_id: uuid.UUID,
    body: FindingCreate,
    session: SessionDep,
    actor: MayInspectionsWrite,
) -> InspectionFinding:
    """Add a finding (发现问题) to a draft; an unknown violation type → 422; signed → 409."""
    finding = await inspections.add_finding(
        session,
        actor,
        inspection_id,
        violation_type=body.violation_type,
        description=body.description,
        workers_affected=body.workers_affected,
        amount_owed=body.amount_owed,
    )
    return InspectionFinding.model_validate(finding)


@router.post("/inspections/{inspection_id}/submit", response_model=InspectionPublic)
async def submit_inspection(
    inspection_id: uuid.UUID,
    session: SessionDep,
    actor: MayInspectionsWrite,
    body: InspectionSubmit | None = None,
) -> InspectionPublic:
    """Close the draft for signing. `present_member_ids` names the team members present
    (default: the whole team); they must all sign. Without a team the inspector signs alone."""
    present = body.present_member_ids if body else None
    return inspection_public(
        await inspection_signing.submit_inspection(
            session, actor, inspection_id, present_member_ids=present
        )
    )


@router.post("/inspections/{inspection_id}/sign", response_model=InspectionPublic)
async def sign_inspection(
    inspection_id: uuid.UUID, session: SessionDep, actor: MayInspectionsWrite
) -> InspectionPublic:
    """Sign as yourself (谁检查、谁签字、谁负责). The last required signature makes it
    `signed` and immutable, and puts its findings on the employer's open case: `case_id`."""
    return inspection_public(
        await inspection_signing.sign_inspection(session, actor, inspection_id)
    )


@router.post(
    "/inspections/{inspection_id}/amendments",
    status_code=status.HTTP_201_CREATED,
    response_model=InspectionPublic,
)
async def amend_inspection(
    inspection_id: uuid.UUID,
    body: AmendmentCreate,
    session: SessionDep,
    actor: MayInspectionsWrite,
) -> InspectionPublic:
    """Correct a signed inspection: a new draft with `amends_id` and the reason, to be
    submitted and signed again. The original stays exactly as it was signed."""
    return inspection_public(
        await inspection_signing.amend_inspection(
            session,
            actor,
            inspection_id,
            reason=body.reason,
            headcount=body.headcount,
            checklist=body.checklist,
            findings=body.findings,
        )
    )


@router.post(
    "/inspections/{inspection_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidencePublic,
)
async def add_inspection_attachment(
    inspection_id: uuid.UUID,
    session: SessionDep,
    actor: MayInspectionsWrite,
    file: Annotated[UploadFile, File(description="A photo, recording, video or PDF.")],
    note: Annotated[str, Form(max_length=500)] = "",
    finding_id: Annotated[uuid.UUID | None, Form()] = None,
) -> EvidencePublic:
    """Add evidence (multipart, field `file`) while the inspection is a draft or awaiting
    signatures; signed → 409. Kept exactly as received — metadata and location
    included — with its SHA-256 on the audit chain. The type is told by the content
    (415 if not a photo, recording, video or PDF); the size is bounded by
    `LABOURWATCH_MAX_UPLOAD_BYTES` (413). A participant of the inspection only (403)."""
    try:
        data = await file.read()
    finally:
        await file.close()
    row = await inspection_evidence.add_attachment(
        session, actor, inspection_id, data=data, note=note, finding_id=finding_id
    )
    return EvidencePublic.model_validate(row)


@router.get("/inspections/{inspection_id}/attachments", response_model=list[EvidencePublic])
async def list_inspection_attachments(
    inspection_id: uuid.UUID, session: SessionDep, actor: MayInspectionsRead
) -> list[EvidencePublic]:
    """The inspection's evidence, oldest first, with type, size and SHA-256."""
    rows = await inspection_evidence.list_attachments(session, actor, inspection_id)
    return [EvidencePublic.model_validate(r) for r in rows]


@router.get(
    "/inspections/{inspection_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {
            "content": {"application/octet-stream": {}},
            "description": "The file's bytes as received.",
        }
    },
)
async def download_inspection_attachment(
    inspection_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    actor: MayInspectionsRead,
) -> Response:
    """One piece of evidence, byte for byte as received; served as a download, never
    inline. Its `ETag` is its SHA-256."""
    row = await inspection_evidence.get_attachment(session, actor, inspection_id, attachment_id)
    return Response(
        row.data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{row.id}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "ETag": f'"{row.sha256}"',
        },
    )


def interview_public(row: object) -> InterviewPublic:
    return InterviewPublic.model_validate(row, from_attributes=True)


@router.post(
    "/inspections/{inspection_id}/interviews",
    status_code=status.HTTP_201_CREATED,
    response_model=InterviewPublic,
)
async def add_inspection_interview(
    inspection_id: uuid.UUID,
    body: InterviewCreate,
    session: SessionDep,
    actor: MayInspectionsWrite,
) -> InterviewPublic:
    """Record the inquiry of one person (逐人询问, 询问笔录): at least two interviewers, each
    an inspector on the inspection (劳动保障监察条例 第16条), else 422. Draft or submitted
    only; signed → 409."""
    row = await inspection_evidence.add_interview(
        session,
        actor,
        inspection_id,
        record=body.record,
        interviewer_ids=body.interviewer_ids,
        person_ref=body.person_ref,
        finding_id=body.finding_id,
    )
    return interview_public(row)


@router.get("/inspections/{inspection_id}/interviews", response_model=list[InterviewPublic])
async def list_inspection_interviews(
    inspection_id: uuid.UUID, session: SessionDep, actor: MayInspectionsRead
) -> list[InterviewPublic]:
    """The inspection's inquiry records, oldest first."""
    rows = await inspection_evidence.list_interviews(session, actor, inspection_id)
    return [interview_public(r) for r in rows]
