"""Whether the reporter is satisfied (评价), asked once the tip is handled.

"Handled" is what the reporter's status page says (`lifecycles.public_tip_status`):
the tip was triaged and its case is closed or dismissed (a duplicate follows its
original). One answer per tip and closing: the reporter may change it within
`feedback_change_hours`; when the case is closed again after re-handling, the
question is asked anew. An unsatisfied answer opens a re-handling request (重办).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.lifecycles import TipStatus, public_tip_status
from app.domain.permissions import PUBLIC_ACTOR, Actor
from app.domain.reporter_loop import clean_text
from app.errors import Conflict
from app.models.base import utcnow
from app.models.cases import Case
from app.models.reporter_loop import FeedbackAsk, TipFeedback
from app.models.tips import Tip
from app.services.tipline import rehandling, tip_events, tip_public

NOT_HANDLED = "您的举报尚未办结，办结后才能评价。"
TOO_LATE = "评价已提交，已超过可修改的期限。"
MAX_HOPS = 8


@dataclass(frozen=True, slots=True)
class Handling:
    """The tip, the case its handling is judged by, and the public status."""

    tip: Tip
    case: Case | None
    status: str


async def handling_of(session: AsyncSession, tip: Tip) -> Handling:
    source = tip
    for _ in range(MAX_HOPS):  # a duplicate is judged by its original's case
        if source.status != TipStatus.duplicate or source.duplicate_of is None:
            break
        found = await session.get(Tip, source.duplicate_of)
        if found is None:
            break
        source = found
    case = await session.get(Case, source.case_id) if source.case_id else None
    status = case.status if case else None
    if tip.status == TipStatus.duplicate:
        public, _ = public_tip_status(tip.status, status, original_status=source.status)
    else:
        public, _ = public_tip_status(tip.status, status)
    return Handling(tip, case, public)


async def current_answer(session: AsyncSession, h: Handling) -> TipFeedback | None:
    """The answer about the case's latest closing, if there is one."""
    found = (await session.exec(select(TipFeedback).where(TipFeedback.tip_id == h.tip.id))).first()
    if found is None or h.case is None or found.closed_at != h.case.closed_at:
        return None
    return found


async def record_answer(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    h: Handling,
    *,
    satisfied: bool,
    comment: str,
    source: str,
) -> tuple[TipFeedback, bool]:
    """Store the answer (changing this closing's, if any); returns it and whether a
    re-handling request was opened. The window binds the reporter only: the office's
    callback records what the reporter said on the phone."""
    if h.status != "handled" or h.case is None:
        raise Conflict(NOT_HANDLED)
    now = utcnow()
    row = (await session.exec(select(TipFeedback).where(TipFeedback.tip_id == h.tip.id))).first()
    before = auditlog.snapshot(row) if row else None
    same_round = row is not None and row.closed_at == h.case.closed_at
    window = timedelta(hours=settings.feedback_change_hours)
    if row is not None and same_round and source == "web" and now - row.answered_at > window:
        raise Conflict(TOO_LATE)
    if row is None:
        row = TipFeedback(tip_id=h.tip.id, satisfied=satisfied, source=source, answered_at=now)
    elif not same_round:
        row.answered_at = now
    row.case_id, row.closed_at = h.case.id, h.case.closed_at
    row.satisfied, row.comment, row.source, row.changed_at = satisfied, comment, source, now
    session.add(row)
    await session.flush()
    tip_events.note_tip(session, h.tip.id)  # the bridge reports the 评价 back (12345)
    auditlog.record(
        session,
        actor,
        "tip.feedback",
        "tip",
        h.tip.id,
        before=before,
        after=auditlog.snapshot(row),
        jurisdiction_path=h.tip.scope_path,
    )
    opened = False
    if not satisfied:
        opened = (
            await rehandling.open_for(
                session,
                actor,
                settings,
                tip=h.tip,
                case_id=h.case.id,
                source=source,
                comment=comment,
            )
            is not None
        )
    else:
        await rehandling.withdraw_open(session, actor, h.tip)
    return row, opened


async def give_feedback(
    session: AsyncSession,
    *,
    settings: Settings,
    receipt: str,
    satisfied: bool,
    comment: str | None,
) -> tuple[TipFeedback, bool, datetime]:
    """The reporter's answer by receipt; 409 before the tip is handled or after the
    window. Returns the answer, whether re-handling was asked, and until when it may change."""
    tip = await tip_public.tip_by_receipt(session, settings, receipt, for_update=True)
    h = await handling_of(session, tip)
    row, opened = await record_answer(
        session,
        PUBLIC_ACTOR,
        settings,
        h,
        satisfied=satisfied,
        comment=clean_text(comment or "")[:1000],
        source="web",
    )
    return row, opened, row.answered_at + timedelta(hours=settings.feedback_change_hours)


async def feedback_ask(session: AsyncSession, *, settings: Settings, receipt: str) -> FeedbackAsk:
    """What the status page says about satisfaction (the receipt was just looked up)."""
    tip = await tip_public.tip_by_receipt(session, settings, receipt)
    h = await handling_of(session, tip)
    latest = await rehandling.latest_status(session, tip.id)
    answer = await current_answer(session, h) if h.status == "handled" else None
    until = answer.answered_at + timedelta(hours=settings.feedback_change_hours) if answer else None
    return FeedbackAsk(
        asked=h.status == "handled",
        satisfied=answer.satisfied if answer else None,
        changeable_until=until,
        rehandling=latest,
    )
