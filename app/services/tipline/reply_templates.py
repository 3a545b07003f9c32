"""Each office's reply templates, and replies written from them.

A template names placeholders (`domain.reporter_loop.PLACEHOLDERS`) that are filled
from the tip by a whitelist substitution, never `str.format`. Templates belong to the
office (the caller's agency); another office's template does not exist for the caller.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.chinatime import china_date
from app.domain.lifecycles import AssignmentStatus
from app.domain.permissions import Actor, Permission
from app.domain.reporter_loop import render_template, unknown_placeholders
from app.errors import Conflict, NotFound, unprocessable
from app.models.base import utcnow
from app.models.cases import Assignment
from app.models.reference import Agency
from app.models.reporter_loop import RehandlingRequest, ReplyTemplate
from app.models.tips import Tip, TipMessage
from app.services.core import access
from app.services.tipline import tips


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _check_body(body: str) -> None:
    unknown = unknown_placeholders(body)
    if unknown:
        raise unprocessable(
            ["body", "body"],
            "Unknown placeholder(s): "
            + ", ".join("{" + n + "}" for n in unknown)
            + "; use {receipt_date}, {agency} or {expected_date}.",
        )


def _office(actor: Actor) -> uuid.UUID:
    office = access.agency_of(actor)
    if office is None:
        raise NotFound("Your account belongs to no office, so it keeps no reply templates.")
    return office


async def list_templates(
    session: AsyncSession, actor: Actor, *, active: bool | None = None
) -> list[ReplyTemplate]:
    access.require(actor, Permission.tips_read)
    query = select(ReplyTemplate).where(access.own_agency(actor, ReplyTemplate.agency_id))
    if active is not None:
        query = query.where(ReplyTemplate.active == active)
    return list((await session.exec(query.order_by(col(ReplyTemplate.name)).limit(500))).all())


async def get_template(
    session: AsyncSession, actor: Actor, template_id: uuid.UUID | str, *, for_update: bool = False
) -> ReplyTemplate:
    tid = access.as_uuid(template_id, "reply template")
    query = select(ReplyTemplate).where(ReplyTemplate.id == tid)
    if for_update:
        query = query.with_for_update()
    found = (await session.exec(query)).first()
    if found is None or not access.is_own_agency(actor, found.agency_id):
        raise NotFound(f"No reply template {tid} of your office.")
    return found


async def _name_taken(session: AsyncSession, agency_id: uuid.UUID, name: str) -> bool:
    query = select(ReplyTemplate.id).where(
        ReplyTemplate.agency_id == agency_id, ReplyTemplate.name == name
    )
    return (await session.exec(query)).first() is not None


async def create_template(
    session: AsyncSession, actor: Actor, *, name: str, body: str, active: bool = True
) -> ReplyTemplate:
    access.require(actor, Permission.tips_triage)
    office = _office(actor)
    _check_body(body)
    if await _name_taken(session, office, name):
        raise Conflict(f"Your office has a reply template named {name!r} already.")
    template = ReplyTemplate(
        agency_id=office, name=name, body=body, active=active, created_by=actor.id[:64]
    )
    session.add(template)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "reply_template.create",
        "reply_template",
        template.id,
        after=auditlog.snapshot(template),
        jurisdiction_path=access.own_path(actor),
    )
    return template


async def update_template(
    session: AsyncSession,
    actor: Actor,
    template_id: uuid.UUID | str,
    *,
    name: str | None = None,
    body: str | None = None,
    active: bool | None = None,
) -> ReplyTemplate:
    access.require(actor, Permission.tips_triage)
    template = await get_template(session, actor, template_id, for_update=True)
    before = auditlog.snapshot(template)
    if body is not None:
        _check_body(body)
        template.body = body
    if name is not None and name != template.name:
        if await _name_taken(session, template.agency_id, name):
            raise Conflict(f"Your office has a reply template named {name!r} already.")
        template.name = name
    if active is not None:
        template.active = active
    template.version += 1
    template.updated_at = utcnow()
    session.add(template)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "reply_template.update",
        "reply_template",
        template.id,
        before=before,
        after=auditlog.snapshot(template),
        jurisdiction_path=access.own_path(actor),
    )
    return template


async def _lead_share(session: AsyncSession, case_id: uuid.UUID | None) -> Assignment | None:
    """The case's lead share the reporter may hear of: never a restricted (保护伞) one."""
    if case_id is None:
        return None
    rows = (
        await session.exec(
            select(Assignment)
            .where(
                Assignment.case_id == case_id,
                col(Assignment.restricted).is_(False),
                Assignment.status != AssignmentStatus.declined,
            )
            .order_by(col(Assignment.role) != "lead", col(Assignment.created_at))
        )
    ).all()
    return rows[0] if rows else None


async def placeholder_values(session: AsyncSession, actor: Actor, tip: Tip) -> dict[str, str]:
    """`{receipt_date}`: the day the tip came in (China); `{agency}`: the agency leading
    the case (else the office); `{expected_date}`: an open re-handling request's due day,
    else the lead agency's investigation day (立案 + 60 working days) or its day to accept,
    else the tip's triage deadline."""
    lead = await _lead_share(session, tip.case_id)
    agency_id = lead.agency_id if lead else access.agency_of(actor)
    agency = await session.get(Agency, agency_id) if agency_id else None
    pending = (
        await session.exec(
            select(RehandlingRequest).where(
                RehandlingRequest.tip_id == tip.id, RehandlingRequest.status == "open"
            )
        )
    ).first()
    expected: date
    if pending is not None:
        expected = pending.due_on
    elif lead is not None:
        expected = lead.investigate_by or china_date(lead.due_at)
    else:
        expected = china_date(tip.triage_due_at)
    return {
        "receipt_date": zh_date(china_date(tip.received_at)),
        "agency": agency.name if agency else "",
        "expected_date": zh_date(expected),
    }


async def render_for(
    session: AsyncSession, actor: Actor, template_id: uuid.UUID, tip: Tip
) -> tuple[ReplyTemplate, str]:
    template = await get_template(session, actor, template_id)
    if not template.active:
        raise Conflict("This reply template is no longer in use.")
    return template, render_template(template.body, await placeholder_values(session, actor, tip))


async def send_reply(
    session: AsyncSession,
    actor: Actor,
    *,
    tip_id: uuid.UUID | str,
    message: str | None,
    template_id: uuid.UUID | None = None,
) -> TipMessage:
    """A reply to the tipster: `message` as written, else the template rendered for the
    tip. A reply sent from a template records which (`template_id`), audited."""
    access.require(actor, Permission.tips_triage)
    template: ReplyTemplate | None = None
    scope = access.own_path(actor)
    if template_id is not None:
        tip = await tips.get_tip(session, actor, tip_id)
        template, rendered = await render_for(session, actor, template_id, tip)
        scope = tip.scope_path
        message = message or rendered
    if not message:
        raise unprocessable(["body", "message"], "Give the message or a template_id.")
    msg = await tips.add_message(session, actor, tip_id=tip_id, kind="reply", message=message)
    if template is not None:
        msg.template_id = template.id
        session.add(msg)
        await session.flush()
        auditlog.record(
            session,
            actor,
            "tip.reply_from_template",
            "tip",
            msg.tip_id,
            after={"message_id": msg.id, "template_id": template.id, "version": template.version},
            jurisdiction_path=scope,
        )
    return msg
