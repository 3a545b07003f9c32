"""Transfer a tip to another office (转办): sideways to a neighbouring county, upward to
the city, or down — any place that has a leading-group office.

12345 practice: the unit that cannot handle a matter hands it on with its reasons,
and the unit receiving it has its own full time to take it up. So the receiving
office's triage clock starts anew from the transfer, by the tip's own rule
(`tips.triage_deadline`: 24 hours for a critical type, else 3 days; a worker's
complaint 5 working days by the calendar). The tip's place becomes the receiving
office's, so the sending office no longer sees it (404) unless its area holds the
new place (an office handing a tip to a township below it still sees it). The
tipster reads, in plain words, which office now handles it and by when
(`domain/tip_notices.py`), and the `tip.status_changed` webhook says so too.
Only a tip still waiting for triage can be transferred: once on a case, the case is
what moves (`cases.follow_employer`).
"""

from __future__ import annotations

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.lifecycles import TipStatus
from app.domain.permissions import Actor, Permission
from app.domain.taxonomy import AgencyKind
from app.errors import Conflict, unprocessable
from app.models.base import utcnow
from app.models.reference import Agency, Jurisdiction
from app.models.tip_transfers import TipTransfer
from app.services.core import access
from app.services.tipline import tip_events, tips


async def _office_at(session: AsyncSession, place: Jurisdiction) -> Agency:
    office = (
        await session.exec(
            select(Agency).where(
                Agency.jurisdiction_id == place.id, Agency.kind == AgencyKind.coordinator.value
            )
        )
    ).first()
    if office is None:
        raise unprocessable(
            ["body", "jurisdiction_id"],
            f"{place.name} has no leading-group office to take the tip; name a place that has.",
        )
    return office


async def transfer_tip(
    session: AsyncSession,
    actor: Actor,
    *,
    settings: Settings,
    tip_id: uuid.UUID | str,
    jurisdiction_id: uuid.UUID,
    reason: str,
) -> TipTransfer:
    """Hand the tip to the office of `jurisdiction_id`, anywhere; audited on both sides."""
    access.require(actor, Permission.tips_triage)
    tip = await tips.get_tip(session, actor, tip_id, for_update=True)
    if tip.status != TipStatus.received:
        raise Conflict(
            f"This tip is {tip.status}; only a tip waiting for triage can be transferred."
        )
    place = await session.get(Jurisdiction, jurisdiction_id)
    if place is None:
        raise unprocessable(["body", "jurisdiction_id"], "no such jurisdiction")
    if place.path == tip.scope_path:
        raise Conflict(f"The tip is with the office of {place.name} already.")
    office = await _office_at(session, place)
    now = utcnow()
    due = await tips.triage_deadline(session, settings, now, tip.violation_types, tip.kind)
    moved = TipTransfer(
        tip_id=tip.id,
        from_jurisdiction_id=tip.jurisdiction_id,
        from_path=tip.scope_path,
        to_jurisdiction_id=place.id,
        to_path=place.path,
        to_office=office.name[:200],
        reason=reason,
        transferred_by=actor.id[:64],
        transferred_at=now,
        triage_due_at=due,
    )
    before = {
        "jurisdiction_id": tip.jurisdiction_id,
        "scope_path": tip.scope_path,
        "triage_due_at": tip.triage_due_at,
    }
    tip.jurisdiction_id, tip.scope_path = place.id, place.path
    tip.triage_due_at, tip.updated_at = due, now
    session.add_all([tip, moved])
    await session.flush()
    after = {
        "transfer_id": moved.id,
        "jurisdiction_id": place.id,
        "scope_path": place.path,
        "office": office.name,
        "triage_due_at": due,
        "reason": reason,
    }
    for action, path in (("tip.transfer", moved.from_path), ("tip.transfer_in", place.path)):
        auditlog.record(
            session,
            actor,
            action,
            "tip",
            tip.id,
            before=before,
            after=after,
            jurisdiction_path=path,
        )
    tip_events.note_tip(session, tip.id)
    return moved


async def list_transfers(
    session: AsyncSession, actor: Actor, tip_id: uuid.UUID | str
) -> list[TipTransfer]:
    """The tip's transfers, oldest first, to an office that sees the tip now."""
    access.require(actor, Permission.tips_read)
    tip = await tips.get_tip(session, actor, tip_id)
    return list(
        (
            await session.exec(
                select(TipTransfer)
                .where(TipTransfer.tip_id == tip.id)
                .order_by(col(TipTransfer.transferred_at), col(TipTransfer.id))
            )
        ).all()
    )
