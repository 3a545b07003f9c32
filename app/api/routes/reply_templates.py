"""Each office's reply templates (答复模板)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.api.deps import MayTipsRead, MayTipsTriage, SessionDep
from app.domain.reporter_loop import PLACEHOLDERS
from app.models.reporter_loop import (
    ReplyTemplate,
    ReplyTemplateCreate,
    ReplyTemplatePublic,
    ReplyTemplateUpdate,
)
from app.models.tips import MessageIn
from app.services.tipline import reply_templates, tips

router = APIRouter(prefix="/api/v1", tags=["reply templates"])


def template_view(t: ReplyTemplate) -> ReplyTemplatePublic:
    view = ReplyTemplatePublic.model_validate(t)
    view.placeholders = [p for p in PLACEHOLDERS if "{" + p + "}" in t.body]
    return view


@router.get("/reply-templates", response_model=list[ReplyTemplatePublic])
async def list_reply_templates(
    session: SessionDep, actor: MayTipsRead, active: bool | None = None
) -> list[ReplyTemplatePublic]:
    """Your office's reply templates, by name."""
    rows = await reply_templates.list_templates(session, actor, active=active)
    return [template_view(t) for t in rows]


@router.post("/reply-templates", status_code=201, response_model=ReplyTemplatePublic)
async def create_reply_template(
    body: ReplyTemplateCreate, session: SessionDep, actor: MayTipsTriage
) -> ReplyTemplatePublic:
    """A reply template for your office. The body may name `{receipt_date}` (the day the
    tip came in), `{agency}` (the agency leading its case) and `{expected_date}` (when
    the reporter may expect an answer); any other `{name}` is a 422, and nothing else is
    ever substituted. A name is unique within the office (409)."""
    made = await reply_templates.create_template(
        session, actor, name=body.name, body=body.body, active=body.active
    )
    return template_view(made)


@router.patch("/reply-templates/{template_id}", response_model=ReplyTemplatePublic)
async def update_reply_template(
    template_id: uuid.UUID, body: ReplyTemplateUpdate, session: SessionDep, actor: MayTipsTriage
) -> ReplyTemplatePublic:
    """Change a template's name, body or `active` (an inactive one cannot be sent).
    Another office's template is a 404."""
    changed = await reply_templates.update_template(
        session, actor, template_id, name=body.name, body=body.body, active=body.active
    )
    return template_view(changed)


@router.get("/reply-templates/{template_id}/preview", response_model=MessageIn)
async def preview_reply_template(
    template_id: uuid.UUID, tip_id: uuid.UUID, session: SessionDep, actor: MayTipsRead
) -> MessageIn:
    """The template rendered for a tip of your area, as the reply would read."""
    tip = await tips.get_tip(session, actor, tip_id)
    _, text = await reply_templates.render_for(session, actor, template_id, tip)
    return MessageIn(message=text)
