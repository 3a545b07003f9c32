"""An agency's queue: the assignments routed to it, for agency systems that poll."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from app.api.deps import Allowed, runtime_of
from app.domain.deadlines import is_overdue
from app.domain.lifecycles import AssignmentStatus
from app.domain.permissions import Permission
from app.domain.taxonomy import Severity
from app.models.base import utcnow
from app.models.case_schemas import EmployerBrief, QueueCase, QueueItem
from app.models.cases import AgencyQueueState
from app.models.common import Page
from app.services import queue

router = APIRouter(prefix="/api/v1", tags=["queue"])

Limit = Annotated[int, Query(ge=1, le=200)]


def _item(it: queue.QueueItem, now: datetime) -> QueueItem:
    a, c = it.assignment, it.case
    return QueueItem(
        id=a.id, role=a.role, status=a.status, due_at=a.due_at,
        overdue=is_overdue(a.due_at, now, a.status != "pending"), reason=a.reason,
        violation_types=a.violation_types, restricted=a.restricted, created_at=a.created_at,
        updated_at=a.updated_at,
        case=QueueCase(id=c.id, status=c.status, severity=c.severity,
                       employer=EmployerBrief(id=c.employer_id, name=it.employer_name),
                       violation_types=list(it.case_types), opened_at=c.opened_at))


async def _version(engine: AsyncEngine, agency_id: uuid.UUID) -> int:
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        found = (await conn.execute(
            sa.select(col(AgencyQueueState.version)).where(
                col(AgencyQueueState.agency_id) == agency_id))).scalar()
    return int(found or 0)


@router.get("/queue", response_model=Page[QueueItem],
            responses={304: {"description": "Unchanged since the ETag you sent."}})
async def get_queue(request: Request, actor: Allowed(Permission.queue_read),
                    status: AssignmentStatus | None = None, overdue: bool | None = None,
                    severity: Severity | None = None, cursor: str | None = None,
                    limit: Limit = 50,
                    wait: Annotated[int, Query(ge=0, le=30)] = 0,
                    if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """Your agency's assignments, oldest first, each with its case summary.

    Sends a weak `ETag` that changes whenever any of your agency's assignments
    changes; send it back in `If-None-Match` and an unchanged queue answers 304
    with no body. With `wait=N` (at most 30 seconds) and a matching `If-None-Match`,
    the answer is held until the queue changes or N seconds pass (long poll).
    `overdue=true`: pending past the deadline to accept."""
    query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()
                            if k != "wait"))
    runtime = runtime_of(request)
    maker = runtime.sessionmaker
    assert maker is not None and runtime.engine is not None
    if if_none_match and not wait and actor.agency_id is not None:
        # The common poll: one autocommit read of the version, no transaction.
        agency_id = uuid.UUID(actor.agency_id)
        etag = queue.make_etag(agency_id, await _version(runtime.engine, agency_id), query)
        if queue.etag_matches(if_none_match, etag):
            return Response(status_code=304, headers={"ETag": etag,
                                                      "Cache-Control": "private, no-cache"})
    etag, items, nxt = await queue.run_queue(
        maker, actor, query=query, if_none_match=if_none_match, wait=wait, status=status,
        overdue=overdue, severity=severity, cursor=cursor, limit=limit)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if items is None:
        return Response(status_code=304, headers=headers)
    now = utcnow()
    if nxt is not None:
        headers["Link"] = f'<{request.url.include_query_params(cursor=nxt)}>; rel="next"'
    page = Page[QueueItem](items=[_item(i, now) for i in items], next_cursor=nxt)
    # pydantic's own serializer: jsonable_encoder walked every value in Python and
    # cost more than the query (bench/README.md).
    return Response(page.model_dump_json(), media_type="application/json", headers=headers)
