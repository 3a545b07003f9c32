"""Re-handling requests (重办): a reporter not satisfied asks the office to handle the tip
again, and the office decides within `rehandling_working_days` working days.

12345 practice (国办发〔2020〕53号 and the hotlines' own rules: 回访 after closing, 评价,
不满意的 退回重办): an unsatisfied answer is not the end of the matter. The office either
reopens the case, so the agencies concerned have their share back to accept anew and
see it in their queue, or answers the reporter with its reasons why nothing more can
be done. Either decision is audited; a request not decided in time is escalated.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog, clock
from app.config import Settings
from app.domain.chinatime import china_date, day_ends_at
from app.domain.lifecycles import TransitionError, transition
from app.domain.permissions import SYSTEM_ACTOR, Actor, Permission
from app.domain.reporter_loop import REHANDLING, rehandling_due_on
from app.errors import Conflict, NotFound
from app.models.base import utcnow
from app.models.cases import Escalation
from app.models.reporter_loop import RehandlingRequest
from app.models.tips import Tip
from app.services.cases import escalations, reopening
from app.services.core import access
from app.services.core.pagination import after, clamp, encode_cursor
from app.services.registry import workdays
from app.services.tipline import reply_templates


def overdue(req: RehandlingRequest, today: date | None = None) -> bool:
    return req.status == "open" and req.due_on < (today or clock.today())


async def open_for(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    tip: Tip,
    case_id: uuid.UUID | None,
    source: str,
    comment: str,
) -> RehandlingRequest | None:
    """Open a request for the tip unless one is open already (then None). The tip is
    flagged `needs_attention` so it shows in the office's triage list too."""
    taken = (
        await session.exec(
            select(RehandlingRequest.id).where(
                RehandlingRequest.tip_id == tip.id, RehandlingRequest.status == "open"
            )
        )
    ).first()
    if taken is not None:
        return None
    today = clock.today()
    cal = await workdays.cached_calendar(session, today.year)
    req = RehandlingRequest(
        tip_id=tip.id,
        case_id=case_id,
        source=source,
        comment=comment,
        scope_path=tip.scope_path,
        due_on=rehandling_due_on(cal, today, settings.rehandling_working_days),
    )
    session.add(req)
    tip.needs_attention, tip.updated_at = True, utcnow()
    session.add(tip)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "rehandling.open",
        "rehandling_request",
        req.id,
        after=auditlog.snapshot(req),
        jurisdiction_path=tip.scope_path,
    )
    return req


async def withdraw_open(session: AsyncSession, actor: Actor, tip: Tip) -> bool:
    """The reporter changed the answer to satisfied: the open request is withdrawn."""
    req = (
        await session.exec(
            select(RehandlingRequest).where(
                RehandlingRequest.tip_id == tip.id, RehandlingRequest.status == "open"
            )
        )
    ).first()
    if req is None:
        return False
    await _decide(session, actor, req, "withdraw", "the reporter is satisfied after all")
    return True


async def latest_status(session: AsyncSession, tip_id: uuid.UUID) -> str | None:
    return (
        await session.exec(
            select(RehandlingRequest.status)
            .where(RehandlingRequest.tip_id == tip_id)
            .order_by(col(RehandlingRequest.asked_at).desc(), col(RehandlingRequest.id))
            .limit(1)
        )
    ).first()


def _scope(actor: Actor) -> sa.ColumnElement[bool]:
    return access.in_area(actor, RehandlingRequest.scope_path)


async def list_requests(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[RehandlingRequest], str | None]:
    """The office's requests, the oldest due first."""
    access.require(actor, Permission.tips_read)
    n = clamp(limit)
    keys = [col(RehandlingRequest.due_on), col(RehandlingRequest.id)]
    query = select(RehandlingRequest).where(_scope(actor), after(keys, cursor, [date, uuid.UUID]))
    if status is not None:
        query = query.where(RehandlingRequest.status == status)
    rows = list((await session.exec(query.order_by(*keys).limit(n + 1))).all())
    more, rows = len(rows) > n, rows[:n]
    return rows, encode_cursor(rows[-1].due_on, rows[-1].id) if more else None


async def get_request(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID | str, *, for_update: bool = False
) -> RehandlingRequest:
    rid = access.as_uuid(request_id, "re-handling request")
    query = select(RehandlingRequest).where(RehandlingRequest.id == rid, _scope(actor))
    if for_update:
        query = query.with_for_update()
    found = (await session.exec(query)).first()
    if found is None:
        raise NotFound(f"No re-handling request {rid} in your area.")
    return found


async def _decide(
    session: AsyncSession, actor: Actor, req: RehandlingRequest, action: str, note: str
) -> RehandlingRequest:
    try:
        status = transition(REHANDLING, req.status, action, reason=note)
    except TransitionError:
        raise Conflict(f"This re-handling request is {req.status} already.") from None
    before = auditlog.snapshot(req)
    req.status, req.decision_note = status, note
    req.decided_at, req.decided_by = utcnow(), actor.id[:64]
    session.add(req)
    await session.flush()
    auditlog.record(
        session,
        actor,
        f"rehandling.{status}",
        "rehandling_request",
        req.id,
        before=before,
        after=auditlog.snapshot(req),
        jurisdiction_path=req.scope_path,
    )
    return req


async def _open_one(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID | str
) -> RehandlingRequest:
    access.require(actor, Permission.tips_triage)
    req = await get_request(session, actor, request_id, for_update=True)
    if req.status != "open":
        raise Conflict(f"This re-handling request is {req.status} already.")
    return req


async def reopen_request(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID | str,
    *,
    reason: str,
    agency_ids: list[uuid.UUID] | None = None,
) -> RehandlingRequest:
    """Handle it again: the case reopens and the agencies concerned (default: each that
    had concluded) get their share back as `pending`, their queues bumped."""
    req = await _open_one(session, actor, request_id)
    access.require(actor, Permission.cases_write)
    if req.case_id is None:
        raise Conflict("The tip has no case to reopen; answer the reporter instead.")
    _, revived = await reopening.reopen_for_rehandling(
        session, actor, req.case_id, reason=reason, agency_ids=agency_ids
    )
    req.reopened_agency_ids = [str(a.agency_id) for a in revived]
    return await _decide(session, actor, req, "reopen", reason)


async def answer_request(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID | str,
    *,
    message: str | None,
    template_id: uuid.UUID | None = None,
) -> RehandlingRequest:
    """Answer the reporter with the reasons (a reply they read by receipt); the case
    stays as it is."""
    req = await _open_one(session, actor, request_id)
    msg = await reply_templates.send_reply(
        session, actor, tip_id=req.tip_id, message=message, template_id=template_id
    )
    return await _decide(session, actor, req, "answer", msg.message)


async def escalate_overdue_requests(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Requests still open after their day: one escalation each (the office's)."""
    now = now or utcnow()
    rows = (
        await session.exec(
            select(RehandlingRequest)
            .where(
                RehandlingRequest.status == "open",
                col(RehandlingRequest.due_on) < china_date(now),
                sa.not_(
                    sa.exists().where(
                        col(Escalation.kind) == "rehandling_overdue",
                        col(Escalation.subject_id) == col(RehandlingRequest.id),
                    )
                ),
            )
            .order_by(col(RehandlingRequest.due_on), col(RehandlingRequest.id))
            .limit(escalations.SWEEP_ROWS)
        )
    ).all()
    done = 0
    for req in rows:
        done += await escalations.record_escalation(
            session,
            SYSTEM_ACTOR,
            kind="rehandling_overdue",
            subject_id=req.id,
            case_id=req.case_id,
            agency_id=None,
            jurisdiction_path=req.scope_path,
            deadline_at=day_ends_at(req.due_on),
            detail=f"re-handling request not decided by {req.due_on.isoformat()}",
        )
    return done
