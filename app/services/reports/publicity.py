"""Publicity work (宣传发动) of a campaign: recorded by the office and township staff, listed
within the reader's area, totalled for the statistics and the written summary."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor, Permission
from app.errors import Forbidden, unprocessable
from app.models.inspections import Campaign
from app.models.publicity import Publicity, PublicityCreate, PublicityKind
from app.models.reference import Jurisdiction
from app.services.core import access
from app.services.core.pagination import after, clamp, encode_cursor
from app.services.reports.stats import get_stats_campaign


async def _campaign_area(session: AsyncSession, campaign: Campaign) -> str:
    area = select(Jurisdiction.path).where(Jurisdiction.id == campaign.jurisdiction_id)
    return (await session.exec(area)).one()


async def record_publicity(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, *, data: PublicityCreate
) -> Publicity:
    """The place must lie in the caller's area and in the campaign's (422 otherwise)."""
    access.require(actor, Permission.publicity_write)
    if not actor.records_publicity:
        raise Forbidden("Publicity work is recorded by the office or a township's staff.")
    campaign = await get_stats_campaign(session, actor, campaign_id)
    chosen = data.jurisdiction_id or access.own_jurisdiction_id(actor)
    if chosen is None:
        raise unprocessable(["body", "jurisdiction_id"], "Name the place it was done for.")
    place = await access.get_jurisdiction(session, actor, chosen)
    if not place.path.startswith(await _campaign_area(session, campaign)):
        raise unprocessable(
            ["body", "jurisdiction_id"], "The place is outside this campaign's area."
        )
    row = Publicity(
        campaign_id=campaign.id,
        jurisdiction_id=place.id,
        jurisdiction_path=place.path,
        on=data.on,
        kind=data.kind.value,
        count=data.count,
        place=data.place,
        note=data.note,
        created_by=actor.id[:64],
    )
    session.add(row)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "publicity.create",
        "publicity",
        row.id,
        after=auditlog.snapshot(row),
        jurisdiction_path=place.path,
    )
    return row


async def list_publicity(
    session: AsyncSession,
    actor: Actor,
    campaign_id: uuid.UUID,
    *,
    jurisdiction_id: uuid.UUID | None = None,
    kind: PublicityKind | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[Publicity], str | None]:
    """Newest first, within the caller's area (and `jurisdiction_id`'s subtree)."""
    access.require(actor, Permission.publicity_read)
    campaign = await get_stats_campaign(session, actor, campaign_id)
    prefix = (
        (await access.get_jurisdiction(session, actor, jurisdiction_id)).path
        if jurisdiction_id is not None
        else access.own_path(actor)
    )
    if not prefix:
        return [], None
    n = clamp(limit)
    keys = [col(Publicity.created_at), col(Publicity.id)]
    query = select(Publicity).where(
        Publicity.campaign_id == campaign.id,
        col(Publicity.jurisdiction_path).startswith(prefix, autoescape=True),
        after(keys, cursor, [datetime, uuid.UUID], descending=True),
    )
    if kind is not None:
        query = query.where(Publicity.kind == kind.value)
    rows = list((await session.exec(query.order_by(*(k.desc() for k in keys)).limit(n + 1))).all())
    more = len(rows) > n
    rows = rows[:n]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id) if more else None


@dataclass(frozen=True, slots=True)
class PublicityTotal:
    kind: PublicityKind
    entries: int
    count: int
    places: tuple[str, ...]  # where it was done, as recorded, the first few


async def publicity_totals(
    session: AsyncSession, campaign_id: uuid.UUID, prefix: str
) -> dict[PublicityKind, PublicityTotal]:
    """Per kind under `prefix`: entries, their counts summed, and a few of their places.
    The caller has scoped `prefix` already."""
    rows = (
        await session.exec(
            select(
                col(Publicity.kind),
                sa.func.count(),
                sa.func.sum(col(Publicity.count)),
            )
            .where(
                Publicity.campaign_id == campaign_id,
                col(Publicity.jurisdiction_path).startswith(prefix, autoescape=True),
            )
            .group_by(col(Publicity.kind))
        )
    ).all()
    places = (
        await session.exec(
            select(col(Publicity.kind), col(Publicity.place))
            .where(
                Publicity.campaign_id == campaign_id,
                col(Publicity.jurisdiction_path).startswith(prefix, autoescape=True),
                col(Publicity.place) != "",
            )
            .distinct()
            .order_by(col(Publicity.kind), col(Publicity.place))
            .limit(60)
        )
    ).all()
    where: dict[str, list[str]] = {}
    for kind, place in places:
        where.setdefault(kind, []).append(place)
    return {
        PublicityKind(kind): PublicityTotal(
            PublicityKind(kind), int(n), int(total or 0), tuple(where.get(kind, [])[:5])
        )
        for kind, n, total in rows
        if kind in PublicityKind.__members__
    }
