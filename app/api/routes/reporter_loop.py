"""The reporter's loop as the office works it: callbacks (回访) and re-handling (重办)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import MayTipsRead, MayTipsTriage, SessionDep, SettingsDep
from app.api.paging import page_of
from app.models.common import Day, Page
from app.models.reporter_loop import (
    CallbackDue,
    CallbackIn,
    CallbackPublic,
    RehandlingAnswerIn,
    RehandlingPublic,
    RehandlingReopenIn,
    RehandlingRequest,
)
from app.services.tipline import callbacks, rehandling

router = APIRouter(prefix="/api/v1", tags=["reporter loop"])


def rehandling_view(req: RehandlingRequest) -> RehandlingPublic:
    view = RehandlingPublic.model_validate(req)
    view.overdue = rehandling.overdue(req)
    return view


@router.post("/tips/{tip_id}/callbacks", status_code=201, response_model=CallbackPublic)
async def record_tip_callback(
    tip_id: uuid.UUID,
    body: CallbackIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayTipsTriage,
) -> CallbackPublic:
    """Record a callback (回访) to the reporter once the tip is handled (409 before):
    `reached`, and when reached whether they are `satisfied`. Not satisfied opens a
    re-handling request (重办), whose id is `rehandling_id`. A call that did not reach
    them leaves the callback owed."""
    call, opened = await callbacks.record_callback(
        session,
        actor,
        settings,
        tip_id=tip_id,
        reached=body.reached,
        satisfied=body.satisfied,
        note=body.note,
    )
    view = CallbackPublic.model_validate(call)
    view.rehandling_id = opened
    return view


@router.get("/callbacks/due", response_model=Page[CallbackDue])
async def list_due_callbacks(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayTipsRead,
    due_by: Day | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[CallbackDue]:
    """Callbacks owed to phone reporters in your area: their case closed and they have
    not answered since. Due `LABOURWATCH_CALLBACK_WORKING_DAYS` working days after the
    closing (the next working day by default); `overdue` once that day has passed (the
    worker then escalates it as `callback_overdue`). `due_by=YYYY-MM-DD` keeps those
    due by that day. Earliest closing first."""
    rows, nxt = await callbacks.list_due(
        session, actor, settings, due_by=due_by, cursor=cursor, limit=limit
    )
    return page_of(CallbackDue, [asdict(r) for r in rows], nxt, request, response)


@router.get("/rehandling-requests", response_model=Page[RehandlingPublic])
async def list_rehandling_requests(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayTipsRead,
    status: Literal["open", "reopened", "answered", "withdrawn"] | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[RehandlingPublic]:
    """Re-handling requests (重办) in your area, the earliest due first: opened when a
    reporter is not satisfied, due `LABOURWATCH_REHANDLING_WORKING_DAYS` working days
    later. Decide each by reopening the case or answering the reporter."""
    rows, nxt = await rehandling.list_requests(
        session, actor, status=status, cursor=cursor, limit=limit
    )
    page = page_of(RehandlingPublic, rows, nxt, request, response)
    for item, row in zip(page.items, rows, strict=True):
        item.overdue = rehandling.overdue(row)
    return page


@router.get("/rehandling-requests/{request_id}", response_model=RehandlingPublic)
async def get_rehandling_request(
    request_id: uuid.UUID, session: SessionDep, actor: MayTipsRead
) -> RehandlingPublic:
    """One re-handling request of your area."""
    return rehandling_view(await rehandling.get_request(session, actor, request_id))


@router.post("/rehandling-requests/{request_id}/reopen", response_model=RehandlingPublic)
async def reopen_rehandling_request(
    request_id: uuid.UUID, body: RehandlingReopenIn, session: SessionDep, actor: MayTipsTriage
) -> RehandlingPublic:
    """Handle the tip again: its case reopens (with `reason`) and the agencies concerned —
    `agency_ids`, by default every agency that had concluded — have their share back as
    `pending`, due to accept anew; it is back in their queues. 409 if the request is
    decided already or the case cannot reopen; needs `cases:write` too."""
    req = await rehandling.reopen_request(
        session, actor, request_id, reason=body.reason, agency_ids=body.agency_ids
    )
    return rehandling_view(req)


@router.post("/rehandling-requests/{request_id}/answer", response_model=RehandlingPublic)
async def answer_rehandling_request(
    request_id: uuid.UUID, body: RehandlingAnswerIn, session: SessionDep, actor: MayTipsTriage
) -> RehandlingPublic:
    """Answer the reporter with the reasons the case stays as it is: `message`, or a reply
    template (`template_id`) rendered for the tip. The reporter reads it by receipt."""
    req = await rehandling.answer_request(
        session, actor, request_id, message=body.message, template_id=body.template_id
    )
    return rehandling_view(req)
