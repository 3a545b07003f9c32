"""What a tipster can do with a receipt: read the status and replies, add information.

A receipt that is malformed or unknown is the same 404, so the answer never
tells a guesser which half of a guess was right. Internal notes and the
internal state never leave here: the status is mapped by
`lifecycles.public_tip_status`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.lifecycles import TipStatus, public_tip_status
from app.domain.permissions import PUBLIC_ACTOR
from app.domain.tip_notices import Notice
from app.errors import NotFound
from app.models.base import utcnow
from app.models.tips import Tip, TipMessage
from app.security import same
from app.services.tipline import tip_cases, tip_events, tip_privacy
from app.services.tipline.tips import list_messages

UNKNOWN_RECEIPT = "找不到这个回执码对应的举报，请核对后重新输入。"
HANDLED_OUTCOME = "您举报的问题已依法处理，感谢您的举报。"
MAX_DUPLICATE_HOPS = 8


@dataclass(frozen=True, slots=True)
class PublicStatus:
    status: str
    status_label: str
    submitted_at: datetime
    replies: list[tuple[datetime, str]]
    outcome: str | None
    notices: Sequence[Notice] = ()


def receipt_key(settings: Settings, receipt: str) -> str:
    """The rate-limit key for a receipt: its hash, or the bare text if it cannot be one."""
    return tip_privacy.receipt_hash(tip_privacy.keys_of(settings), receipt) or "malformed"


async def tip_by_receipt(
    session: AsyncSession, settings: Settings, receipt: str, *, for_update: bool = False
) -> Tip:
    wanted = tip_privacy.receipt_hash(tip_privacy.keys_of(settings), receipt)
    if wanted is None:
        raise NotFound(UNKNOWN_RECEIPT)
    query = select(Tip).where(Tip.receipt_hash == wanted)
    if for_update:
        query = query.with_for_update()
    tip = (await session.exec(query)).first()
    # The index found it; the constant-time compare is the check that counts.
    if tip is None or not same(tip.receipt_hash, wanted):
        raise NotFound(UNKNOWN_RECEIPT)
    return tip


async def _original(session: AsyncSession, tip: Tip) -> Tip:
    seen = tip
    for _ in range(MAX_DUPLICATE_HOPS):
        if seen.status != TipStatus.duplicate or seen.duplicate_of is None:
            break
        nxt = await session.get(Tip, seen.duplicate_of)
        if nxt is None:
            break
        seen = nxt
    return seen


async def lookup_tip(session: AsyncSession, *, settings: Settings, receipt: str) -> PublicStatus:
    tip = await tip_by_receipt(session, settings, receipt)
    source = await _original(session, tip) if tip.status == TipStatus.duplicate else tip
    case_status = await tip_cases.case_status(session, source.case_id)
    if tip.status == TipStatus.duplicate:
        status, label = public_tip_status(tip.status, case_status, original_status=source.status)
    else:
        status, label = public_tip_status(tip.status, case_status)
    outcome: str | None = None
    if status == "rejected":
        outcome = source.reason  # a duplicate of a rejected tip reads the original's reason
    elif status == "handled":
        outcome = HANDLED_OUTCOME
    replies = [(m.at, m.message) for m in await list_messages(session, tip, ["reply"])]
    notices = await tip_events.notices_for(session, tip)
    return PublicStatus(status, label, tip.received_at, replies, outcome, notices)


async def add_followup(
    session: AsyncSession, *, settings: Settings, receipt: str, message: str
) -> TipMessage:
    """Attach what the tipster adds; a tip no longer waiting in the queue is flagged again."""
    tip = await tip_by_receipt(session, settings, receipt, for_update=True)
    now = utcnow()
    msg = TipMessage(tip_id=tip.id, kind="followup", message=message, at=now)
    session.add(msg)
    if tip.status != TipStatus.received:
        tip.needs_attention = True
    tip.updated_at = now
    session.add(tip)
    await session.flush()
    auditlog.record(
        session,
        PUBLIC_ACTOR,
        "tip.followup",
        "tip",
        tip.id,
        after={"message_id": msg.id, "needs_attention": tip.needs_attention},
        jurisdiction_path=tip.scope_path,
    )
    return msg
