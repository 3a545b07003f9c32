"""Rights-protection posters (维权标志) for an employer's site."""

from __future__ import annotations

import uuid
from typing import Literal

import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import Response

from app.api.deps import MayEmployersRead, SessionDep, SettingsDep
from app.services.employers import employers
from app.services.registry import posters

router = APIRouter(prefix="/api/v1", tags=["employers"])
MEDIA = {"png": "image/png", "pdf": "application/pdf"}


@router.get(
    "/employers/{employer_id}/poster",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "application/pdf": {}}, "description": "The A4 poster."}
    },
)
async def employer_poster(
    employer_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayEmployersRead,
    format: Literal["png", "pdf"] = "pdf",
) -> Response:
    """A printable A4 poster in Chinese to put up where the employer's workers live and
    work: 维护劳动者合法权益 举报电话, the hotline, the employer's name, what to report and
    a QR code to the reporting form with this site pre-filled. `format=pdf` (default,
    vector) or `png` (150 dpi; 503 if the server has no Chinese font). 404 outside your
    area, like the employer itself."""
    employer = await employers.get_employer(session, actor, employer_id)
    data = await anyio.to_thread.run_sync(
        lambda: posters.render_poster(
            settings,
            employer_name=employer.name,
            jurisdiction_id=employer.jurisdiction_id,
            fmt=format,
        )
    )
    return Response(
        data,
        media_type=MEDIA[format],
        headers={
            "Content-Disposition": f'inline; filename="poster-{employer.id}.{format}"',
            "Cache-Control": "private, no-store",
        },
    )
