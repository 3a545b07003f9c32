"""Documents (文书) on an assignment: issue, download, serve."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response, status

from app.api.deps import MayCasesRead, MayQueueWrite, SessionDep, SettingsDep
from app.models.documents import DocumentCreate, DocumentPublic, ServiceCreate
from app.services.cases import documents
from app.services.cases.document_views import document_public

router = APIRouter(prefix="/api/v1", tags=["enforcement"])

_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@router.post(
    "/assignments/{assignment_id}/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentPublic,
)
async def issue_document(
    assignment_id: str,
    body: DocumentCreate,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayQueueWrite,
) -> DocumentPublic:
    """Issue a document of your agency's accepted assignment, numbered from your agency's
    sequence for the year and kind (e.g. 黄人社监令〔2026〕12号 for a 责令改正指令书) unless
    `external_number` gives your own system's. Penalty papers and transfers need the
    assignment filed (立案); a `penalty_decision` needs a served `penalty_notice` and may
    not fine more than it proposed. A `penalty_notice` grants a hearing (`hearing_right`)
    when the fine reaches the province's threshold (by default ¥1,000 for a person,
    ¥20,000 for an organisation). The PDF's SHA-256 is entered on the audit chain."""
    doc = await documents.issue_document(
        session,
        actor,
        assignment_id,
        kind=body.kind,
        facts=body.facts,
        legal_basis=body.legal_basis,
        settings=settings,
        deadline=body.deadline,
        fine_amount=body.fine_amount,
        external_number=body.external_number,
    )
    return document_public(doc)


@router.get("/assignments/{assignment_id}/documents", response_model=list[DocumentPublic])
async def list_documents(
    assignment_id: str, session: SessionDep, actor: MayCasesRead
) -> list[DocumentPublic]:
    """The documents issued on an assignment, oldest first, with their service; read by
    whoever reads the case and that share of it (404 otherwise)."""
    return [
        document_public(d) for d in await documents.list_documents(session, actor, assignment_id)
    ]


@router.get(
    "/documents/{document_id}",
    response_class=Response,
    responses={
        200: {
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in _TYPES.values()
            },
            "description": "The document as issued, byte for byte.",
        }
    },
)
async def download_document(
    document_id: str,
    session: SessionDep,
    actor: MayCasesRead,
    format: Literal["pdf", "docx"] = Query("pdf"),
) -> Response:
    """The document as issued: `pdf` (the SHA-256 on the audit chain is this file's) or
    `docx`, an editable Word copy. Anyone who reads the case reads its documents, except
    those of a share hidden from them; 404 otherwise."""
    doc = await documents.read_document(session, actor, document_id)
    data = doc.pdf if format == "pdf" else doc.docx
    return Response(
        data,
        media_type=_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{doc.id}.{format}"',
            "X-Content-SHA256": doc.sha256 if format == "pdf" else doc.docx_sha256,
        },
    )


@router.post("/documents/{document_id}/service", response_model=DocumentPublic)
async def serve_document(
    document_id: str,
    body: ServiceCreate,
    session: SessionDep,
    actor: MayQueueWrite,
) -> DocumentPublic:
    """Record service (送达) of your agency's document: once (409 after), on a day between
    its issue and today. A fine can be recorded only on a served decision."""
    doc = await documents.serve_document(
        session,
        actor,
        document_id,
        served_on=body.served_on,
        method=body.method,
        recipient=body.recipient,
    )
    return document_public(doc)
