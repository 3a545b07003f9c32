"""Jurisdictions, agencies, violation types and routing rules."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.api.deps import MayReferenceRead, MayReferenceWrite, SessionDep, runtime_of
from app.api.idempotency import IdempotencyDep
from app.api.paging import page_of
from app.domain.taxonomy import AgencyKind, JurisdictionLevel
from app.models.common import Page
from app.models.schemas import (
    AgencyCreate,
    AgencyPublic,
    JurisdictionCreate,
    JurisdictionPublic,
    ViolationTypePublic,
)
from app.services.registry import reference
from app.services.tipline import intake_reference

router = APIRouter(prefix="/api/v1", tags=["reference"])

Limit = Annotated[int, Query(ge=1, le=200)]


@router.post(
    "/jurisdictions", status_code=status.HTTP_201_CREATED, response_model=JurisdictionPublic
)
async def create_jurisdiction(
    request: Request,
    body: JurisdictionCreate,
    session: SessionDep,
    actor: MayReferenceWrite,
    idem: IdempotencyDep,
) -> Response:
    """Add a place under one in your area; a child sits at a lower level than its parent.

    Without `parent_id` the place sits directly under the national root (全国), for an
    admin whose area includes it; anyone else names the parent (422 on `parent_id`).

    Accepts `Idempotency-Key`."""
    place = await reference.create_jurisdiction(
        session, actor, name=body.name, level=body.level, parent_id=body.parent_id
    )
    intake_reference.forget(runtime_of(request).extras)  # the form's place picker
    return await idem.respond(201, JurisdictionPublic.model_validate(place))


@router.get("/jurisdictions", response_model=Page[JurisdictionPublic])
async def list_jurisdictions(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayReferenceRead,
    parent_id: uuid.UUID | None = None,
    level: JurisdictionLevel | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[JurisdictionPublic]:
    """Your jurisdiction and everything under it, depth-first."""
    rows, nxt = await reference.list_jurisdictions(
        session, actor, parent_id=parent_id, level=level, cursor=cursor, limit=limit
    )
    return page_of(JurisdictionPublic, rows, nxt, request, response)


@router.post("/agencies", status_code=status.HTTP_201_CREATED, response_model=AgencyPublic)
async def create_agency(
    body: AgencyCreate,
    session: SessionDep,
    actor: MayReferenceWrite,
    idem: IdempotencyDep,
) -> Response:
    """One agency per kind and jurisdiction; the name defaults to place + kind in Chinese.

    Accepts `Idempotency-Key`."""
    agency = await reference.create_agency(
        session, actor, name=body.name, kind=body.kind, jurisdiction_id=body.jurisdiction_id
    )
    return await idem.respond(201, AgencyPublic.model_validate(agency))


@router.get("/agencies", response_model=Page[AgencyPublic])
async def list_agencies(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayReferenceRead,
    kind: AgencyKind | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[AgencyPublic]:
    """Agencies in your area."""
    rows, nxt = await reference.list_agencies(
        session, actor, kind=kind, jurisdiction_id=jurisdiction_id, cursor=cursor, limit=limit
    )
    return page_of(AgencyPublic, rows, nxt, request, response)


@router.get("/violation-types", response_model=list[ViolationTypePublic])
async def list_violation_types(
    session: SessionDep, actor: MayReferenceRead
) -> list[ViolationTypePublic]:
    """The violation types (违法类型) with category and default severity."""
    return [
        ViolationTypePublic.model_validate(v) for v in await reference.list_violation_types(session)
    ]
