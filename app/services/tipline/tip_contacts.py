"""The tipster's contact: revealed only to a coordinator who gives a reason, erased in time.

The audit entry of a reveal holds the reason and who asked, never the contact.
Erasure (PIPL: no longer than necessary) runs `contact_retention_days` after
the tip's case closed, or after the tip was rejected; it is audited too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.lifecycles import TipStatus
from app.domain.permissions import SYSTEM_ACTOR, Actor, Permission
from app.errors import unprocessable
from app.models.base import utcnow
from app.models.tips import Tip
from app.services.core import access
from app.services.tipline import tip_cases, tip_privacy
from app.services.tipline.tips import get_tip

MIN_REASON = 5
ERASE_BATCH = 500


@dataclass(frozen=True, slots=True)
class RevealedContact:
    name: str | None
    phone: str | None
    erased_at: datetime | None


async def reveal_contact(
    session: AsyncSession, actor: Actor, *, settings: Settings, tip_id: uuid.UUID | str, reason: str
) -> RevealedContact:
    access.require(actor, Permission.tips_contact)
    if len((reason or "").strip()) < MIN_REASON:
        raise unprocessable(
            ["body", "reason"],
            f"Give a reason of at least {MIN_REASON} characters; it is kept in the audit log.",
        )
    tip = await get_tip(session, actor, tip_id)
    contact = tip_privacy.open_contact(tip_privacy.keys_of(settings), tip.id, tip.contact)
    auditlog.record(
        session,
        actor,
        "tip.contact_revealed",
        "tip",
        tip.id,
        after={"reason": reason.strip()},
        jurisdiction_path=tip.scope_path,
    )
    return RevealedContact(contact["name"], contact["phone"], tip.contact_erased_at)


async def erase_expired_contacts(session: AsyncSession, settings: Settings) -> int:
    """Worker job: drop the contact of tips whose case closed (or that were rejected)
    more than the retention ago. Safe with several workers (SKIP LOCKED, idempotent)."""
    days = settings.contact_retention_days
    cutoff = utcnow() - timedelta(days=days)
    closed = await tip_cases.case_ids_closed_before(session, cutoff)
    expired = sa.or_(
        col(Tip.case_id).in_(closed) if closed else sa.false(),
        sa.and_(col(Tip.status) == TipStatus.rejected, col(Tip.triaged_at) < cutoff),
    )
    tips = list(
        (
            await session.exec(
                select(Tip)
                .where(col(Tip.contact).is_not(None), expired)
                .limit(ERASE_BATCH)
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    now = utcnow()
    for tip in tips:
        tip.contact, tip.contact_erased_at = None, now
        session.add(tip)
        auditlog.record(
            session,
            SYSTEM_ACTOR,
            "tip.contact_erased",
            "tip",
            tip.id,
            after={"retention_days": days},
            jurisdiction_path=tip.scope_path,
        )
    await session.flush()
    return len(tips)
