"""Published results (公开), for anyone."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import SessionDep
from app.models.common import Page
from app.models.disclosures import DisclosurePublished
from app.services.reports import disclosures

router = APIRouter(prefix="/public/v1", tags=["public"])


@router.get("/disclosures", response_model=Page[DisclosurePublished])
async def list_disclosures(
    request: Request,
    response: Response,
    session: SessionDep,
    township_id: uuid.UUID | None = None,
    violation_type: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[DisclosurePublished]:
    """Cases the office closed and approved for publication, newest first: the employer,
    township, violation types, what was done (fines, closures, wages recovered, children
    rescued …) and the closing date. `township_id` includes the villages under it."""
    items, nxt = await disclosures.list_published(
        session, township_id=township_id, violation_type=violation_type, cursor=cursor, limit=limit
    )
    if nxt is not None:
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=nxt)}>; rel="next"'
    return Page[DisclosurePublished](items=items, next_cursor=nxt)
