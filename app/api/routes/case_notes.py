"""Notes on a case for the agencies on it: what the tipster added later (补充举报)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from app.api.deps import MayCasesRead, SessionDep
from app.models.case_notes import CaseNoteAttachment, CaseNotePublic
from app.services.cases import case_notes

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.get("/cases/{case_id}/notes", response_model=list[CaseNotePublic])
async def list_case_notes(
    case_id: uuid.UUID, session: SessionDep, actor: MayCasesRead
) -> list[CaseNotePublic]:
    """What reached the case after it was routed, oldest first: `tipster_followup` is
    what a tipster added by receipt (text with their name and phone numbers masked,
    photos cleaned of metadata), with `violation_types` it added to the case. Every
    agency on the case reads them (a note about a protective umbrella only those who
    see that part); 404 for a case you have no share of."""
    rows = await case_notes.list_case_notes(session, actor, case_id)
    return [
        CaseNotePublic(
            id=n.id,
            case_id=n.case_id,
            kind="tipster_followup",
            tip_id=n.tip_id,
            message=n.message,
            violation_types=list(n.violation_types),
            attachments=[
                CaseNoteAttachment(
                    id=a.id, content_type=a.content_type, size=a.size, sha256=a.sha256
                )
                for a in files
            ],
            created_at=n.created_at,
        )
        for n, files in rows
    ]


@router.get(
    "/cases/{case_id}/notes/{note_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes."}
    },
)
async def download_case_note_attachment(
    case_id: uuid.UUID,
    note_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    actor: MayCasesRead,
) -> Response:
    """A photo or document of a note, as a download (never inline)."""
    row = await case_notes.get_note_attachment(
        session, actor, case_id=case_id, note_id=note_id, attachment_id=attachment_id
    )
    return Response(
        row.data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="note-{note_id}-{row.position + 1}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "ETag": f'"{row.sha256}"',
        },
    )
