"""A tip's attachments as the office reads them (photos already stripped of metadata)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from app.api.deps import MayTipsRead, SessionDep
from app.models.tip_media import TipAttachmentPublic
from app.services.tipline import tip_media

router = APIRouter(prefix="/api/v1", tags=["tips"])


@router.get("/tips/{tip_id}/attachments", response_model=list[TipAttachmentPublic])
async def list_tip_attachments(
    tip_id: uuid.UUID, session: SessionDep, actor: MayTipsRead
) -> list[TipAttachmentPublic]:
    """The files sent with a tip, in the order sent, with type (told by content), size
    and SHA-256. 404 when the tip is outside your area."""
    rows = await tip_media.list_attachments(session, actor, tip_id=tip_id)
    return [TipAttachmentPublic.model_validate(r) for r in rows]


@router.get(
    "/tips/{tip_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes."}
    },
)
async def download_tip_attachment(
    tip_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    actor: MayTipsRead,
) -> Response:
    """One attachment's bytes with its content type. Served as a download, never inline,
    so a crafted file cannot run in the office's browser."""
    row = await tip_media.get_attachment(session, actor, tip_id=tip_id, attachment_id=attachment_id)
    return Response(
        row.data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="tip-{row.tip_id}-{row.position + 1}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "ETag": f'"{row.sha256}"',
        },
    )
