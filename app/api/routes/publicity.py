"""Publicity work (宣传发动) of a campaign: what the office and townships did to spread the word."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.api.deps import MayPublicityRead, MayPublicityWrite, SessionDep
from app.api.paging import page_of
from app.models.common import Page
from app.models.publicity import PublicityCreate, PublicityKind, PublicityPublic
from app.services.reports import publicity

router = APIRouter(prefix="/api/v1", tags=["publicity"])


@router.post(
    "/campaigns/{campaign_id}/publicity",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicityPublic,
)
async def record_publicity(
    campaign_id: uuid.UUID, body: PublicityCreate, session: SessionDep, actor: MayPublicityWrite
) -> PublicityPublic:
    """Record a piece of publicity work (宣传发动): `kind` leaflets (发放宣传资料, 份),
    consultation (法律咨询, 人次), media (报道, 次), training (培训, 人次), meeting (动员会,
    次) or signs (标语、公开栏、举报箱, 处), with its `count`. By the office (coordinator)
    or the staff of a township government (403 for other agencies). The place
    (`jurisdiction_id`, default your own) must be in your area and the campaign's (422).
    It feeds the drafted summary (`GET /stats/summary`)."""
    row = await publicity.record_publicity(session, actor, campaign_id, data=body)
    return PublicityPublic.model_validate(row)


@router.get("/campaigns/{campaign_id}/publicity", response_model=Page[PublicityPublic])
async def list_publicity(
    campaign_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayPublicityRead,
    jurisdiction_id: uuid.UUID | None = None,
    kind: PublicityKind | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[PublicityPublic]:
    """The campaign's publicity work in your area (or under `jurisdiction_id`), newest first."""
    rows, nxt = await publicity.list_publicity(
        session,
        actor,
        campaign_id,
        jurisdiction_id=jurisdiction_id,
        kind=kind,
        cursor=cursor,
        limit=limit,
    )
    return page_of(PublicityPublic, rows, nxt, request, response)
