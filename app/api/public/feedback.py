"""Satisfaction (评价) by receipt, from the JSON API and the status page's form."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import SessionDep, SettingsDep
from app.api.public.form import form_fields, page
from app.api.public.tips import (
    body_doc,
    client_address,
    json_body,
    rate_limits,
    validate_zh,
)
from app.errors import AppError
from app.models.reporter_loop import FeedbackIn, FeedbackRecorded
from app.services.tipline import satisfaction, tip_public

router = APIRouter(tags=["public"])

_FEEDBACK_FORM = {
    "type": "object",
    "required": ["receipt", "satisfied"],
    "properties": {
        "receipt": {"type": "string", "maxLength": 64},
        "satisfied": {"type": "string", "enum": ["yes", "no"]},
        "comment": {"type": "string", "maxLength": 1000},
    },
}


@router.post(
    "/public/v1/tips/feedback",
    status_code=201,
    response_model=FeedbackRecorded,
    openapi_extra=body_doc(FeedbackIn),
)
async def give_public_feedback(
    request: Request, session: SessionDep, settings: SettingsDep
) -> FeedbackRecorded:
    """Say whether you are satisfied with how your tip was handled (评价), once it is
    handled (409 before). You may change the answer within
    `LABOURWATCH_FEEDBACK_CHANGE_HOURS` (72 by default; 409 after). Not satisfied asks
    the office to handle it again (重办: `rehandling` is true). `comment` up to 1,000
    characters. Rate-limited like follow-ups (429 with `Retry-After`); an unknown
    receipt is a 404."""
    body = validate_zh(FeedbackIn, await json_body(request))
    await rate_limits(request).check_followup(
        tip_public.receipt_key(settings, body.receipt), client_address(request)
    )
    row, opened, until = await satisfaction.give_feedback(
        session,
        settings=settings,
        receipt=body.receipt,
        satisfied=body.satisfied,
        comment=body.comment,
    )
    return FeedbackRecorded(
        satisfied=row.satisfied,
        answered_at=row.answered_at,
        changeable_until=until,
        rehandling=opened,
    )


@router.post(
    "/status/feedback",
    response_class=HTMLResponse,
    tags=["public form"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _FEEDBACK_FORM}},
        }
    },
)
async def status_feedback(
    request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The status page's satisfaction form: the same rules as the JSON API, as a page."""
    fields = await form_fields(request)
    receipt = (fields.get("receipt") or [""])[0].strip()[:64]
    answer = (fields.get("satisfied") or [""])[0]
    comment = (fields.get("comment") or [""])[0][:1000]
    back = '<p><a href="/status">返回查询</a></p>'
    if answer not in ("yes", "no"):
        return page("评价", '<p class="error">请选择满意或不满意。</p>' + back, 422)
    try:
        await rate_limits(request).check_followup(
            tip_public.receipt_key(settings, receipt), client_address(request)
        )
        _, opened, _ = await satisfaction.give_feedback(
            session, settings=settings, receipt=receipt, satisfied=answer == "yes", comment=comment
        )
    except AppError as exc:
        error = f'<p class="error">{escape(str(exc.detail or exc.title))}</p>'
        return page("评价", error + back, exc.status)
    said = "已转交办理机关重新办理（重办）。" if opened else ""
    return page("评价", f"<h1>感谢您的评价</h1><p>{said}</p>" + back, 201)
