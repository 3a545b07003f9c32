"""Callbacks (回访) to phone reporters: due the working day after the case closed
(`callback_working_days`), recorded by the office, escalated when missed.

A callback is owed for a tip that came in by phone, was triaged onto a case, and whose
case is closed or dismissed, until the reporter has answered for that closing (by
phone or on the web) or a callback reached them. Calls that did not reach the reporter
are recorded too (`attempts`) and leave the callback owed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog, clock
from app.config import Settings
from app.domain.chinatime import china_date, day_ends_at
from app.domain.lifecycles import ENDED, TipStatus
from app.domain.permissions import SYSTEM_ACTOR, Actor, Permission
from app.domain.reporter_loop import callback_due_on, clean_text
from app.errors import Conflict
from app.models.base import utcnow
from app.models.cases import Case, Escalation
from app.models.reporter_loop import RehandlingRequest, TipCallback, TipFeedback
from app.models.tips import Tip
from app.services.cases import escalations
from app.services.core import access
from app.services.core.pagination import after, clamp, encode_cursor
from app.services.registry import workdays
from app.services.tipline import rehandling, satisfaction, tips

PHONE = "phone"


@dataclass(frozen=True, slots=True)
class DueCallback:
    tip_id: uuid.UUID
    case_id: uuid.UUID
    channel: str
    closed_at: datetime
    due_on: date
    overdue: bool
    attempts: int


async def record_callback(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    tip_id: uuid.UUID | str,
    reached: bool,
    satisfied: bool | None,
    note: str,
) -> tuple[TipCallback, uuid.UUID | None]:
    """Record a callback once the tip is handled (409 before). Reaching the reporter and
    hearing whether they are satisfied records their answer as the web form would, and
    an unsatisfied one opens a re-handling request (its id is returned)."""
    access.require(actor, Permission.tips_triage)
    tip = await tips.get_tip(session, actor, tip_id, for_update=True)
    h = await satisfaction.handling_of(session, tip)
    if h.status != "handled":
        raise Conflict("The tip is not handled yet: call back once its case is closed.")
    call = TipCallback(
        tip_id=tip.id,
        reached=reached,
        satisfied=satisfied if reached else None,
        note=clean_text(note),
        recorded_by=actor.id[:64],
        at=utcnow(),
    )
    session.add(call)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "tip.callback",
        "tip",
        tip.id,
        after=auditlog.snapshot(call),
        jurisdiction_path=tip.scope_path,
    )
    opened: uuid.UUID | None = None
    if reached and satisfied is not None:
        await satisfaction.record_answer(
            session, actor, settings, h, satisfied=satisfied, comment=call.note, source="callback"
        )
        if not satisfied:
            opened = await _open_request_id(session, tip.id)
    return call, opened


async def _open_request_id(session: AsyncSession, tip_id: uuid.UUID) -> uuid.UUID | None:
    query = select(RehandlingRequest.id).where(
        RehandlingRequest.tip_id == tip_id, RehandlingRequest.status == "open"
    )
    return (await session.exec(query)).first()


def _owed() -> sa.ColumnElement[bool]:
    """Phone tips on an ended case, with no answer and no reaching call since it ended."""
    return sa.and_(
        col(Tip.channel) == PHONE,
        col(Tip.status) == TipStatus.triaged.value,
        col(Case.status).in_(ENDED),
        col(Case.closed_at).is_not(None),
        sa.not_(
            sa.exists().where(
                col(TipFeedback.tip_id) == col(Tip.id),
                col(TipFeedback.closed_at) == col(Case.closed_at),
            )
        ),
        sa.not_(
            sa.exists().where(
                col(TipCallback.tip_id) == col(Tip.id),
                col(TipCallback.reached).is_(True),
                col(TipCallback.at) >= col(Case.closed_at),
            )
        ),
    )


def _attempts() -> sa.ScalarSelect[int]:
    return (
        select(func.count())
        .select_from(TipCallback)
        .where(col(TipCallback.tip_id) == col(Tip.id), col(TipCallback.at) >= col(Case.closed_at))
        .scalar_subquery()
    )


async def _due(session: AsyncSession, settings: Settings, closed_at: datetime) -> date:
    closed_on = china_date(closed_at)
    cal = await workdays.cached_calendar(session, closed_on.year)
    return callback_due_on(cal, closed_on, settings.callback_working_days)


async def list_due(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    due_by: date | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[DueCallback], str | None]:
    """Callbacks owed in the caller's area, the earliest closing first; with `due_by`
    only those due by that day (e.g. today)."""
    access.require(actor, Permission.tips_read)
    n = clamp(limit)
    keys = [col(Case.closed_at), col(Tip.id)]
    query = (
        select(col(Tip.id), col(Tip.case_id), col(Case.closed_at), _attempts())
        .join(Case, col(Case.id) == col(Tip.case_id))
        .where(tips.tip_scope(actor), _owed(), after(keys, cursor, [datetime, uuid.UUID]))
        .order_by(*keys)
        .limit(n + 1)
    )
    rows = list((await session.exec(query)).all())
    more, rows = len(rows) > n, rows[:n]
    today = clock.today()
    out: list[DueCallback] = []
    for tip_id, case_id, closed_at, attempts in rows:
        assert case_id is not None and closed_at is not None  # `_owed` asks for both
        due = await _due(session, settings, closed_at)
        if due_by is not None and due > due_by:
            continue
        out.append(DueCallback(tip_id, case_id, PHONE, closed_at, due, due < today, int(attempts)))
    nxt = encode_cursor(rows[-1][2], rows[-1][0]) if more else None
    return out, nxt


async def escalate_missed_callbacks(session: AsyncSession, settings: Settings) -> int:
    """Callbacks owed past their day: one escalation per tip and closing, for the office."""
    now = utcnow()
    rows = (
        await session.exec(
            select(Tip.id, Tip.case_id, Tip.scope_path, Case.closed_at)
            .join(Case, col(Case.id) == col(Tip.case_id))
            .where(
                _owed(),
                sa.not_(
                    sa.exists().where(
                        col(Escalation.kind) == "callback_overdue",
                        col(Escalation.subject_id) == col(Tip.id),
                        col(Escalation.deadline_at) > col(Case.closed_at),
                    )
                ),
            )
            .order_by(col(Case.closed_at), col(Tip.id))
            .limit(escalations.SWEEP_ROWS)
        )
    ).all()
    done = 0
    for tip_id, case_id, path, closed_at in rows:
        assert closed_at is not None  # `_owed` asks for it
        due = await _due(session, settings, closed_at)
        if now < day_ends_at(due):
            break  # ordered by closing: the rest are due later still
        done += await escalations.record_escalation(
            session,
            SYSTEM_ACTOR,
            kind="callback_overdue",
            subject_id=tip_id,
            case_id=case_id,
            agency_id=None,
            jurisdiction_path=path,
            deadline_at=day_ends_at(due),
            detail=f"phone reporter not called back by {due.isoformat()}",
        )
    return done


async def sweep_reporter_loop(session: AsyncSession, settings: Settings) -> int:
    """The worker's job: missed callbacks and re-handling requests not decided in time."""
    return await escalate_missed_callbacks(
        session, settings
    ) + await rehandling.escalate_overdue_requests(session)
