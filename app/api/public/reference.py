"""What a reporting form needs to draw itself: violation types and places."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import SessionDep, runtime_of
from app.api.paging import page_of
from app.domain.taxonomy import JurisdictionLevel
from app.models.common import Page
from app.models.schemas import JurisdictionPublic, ViolationTypePublic
from app.services.registry import reference
from app.services.tipline import intake_reference

router = APIRouter(prefix="/public/v1", tags=["public"])


@router.get("/violation-types", response_model=list[ViolationTypePublic])
async def public_violation_types(
    request: Request, response: Response, session: SessionDep
) -> list[ViolationTypePublic]:
    """The kinds of problem a tip can name, in Chinese and English."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return [
        ViolationTypePublic.model_validate(v)
        for v in await intake_reference.violation_types(runtime_of(request).extras, session)
    ]


@router.get("/jurisdictions", response_model=Page[JurisdictionPublic])
async def public_jurisdictions(
    request: Request,
    response: Response,
    session: SessionDep,
    parent_id: uuid.UUID | None = None,
    level: JurisdictionLevel | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[JurisdictionPublic]:
    """Places a tip can be about, to pick the township or village."""
    rows, nxt = await reference.list_jurisdictions(
        session, None, parent_id=parent_id, level=level, cursor=cursor, limit=limit
    )
    return page_of(JurisdictionPublic, rows, nxt, request, response)
