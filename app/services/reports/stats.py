"""The statistics table (统计表) of a campaign for a place, and its sign-off.

One row per child jurisdiction, each rolled up over its whole subtree, plus a
row for what lies on the place itself when there is any, so rows add up to the
total. Once the office signs a table off, its figures are frozen: later reads
return what was signed, whatever the data does afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app import auditlog, clock
from app.domain.chinatime import day_ends, day_starts
from app.domain.permissions import Actor, Permission
from app.domain.stats import COLUMNS, Figures, from_json, is_empty, roll_up, to_json
from app.errors import Conflict, NotFound
from app.models.inspections import Campaign
from app.models.reference import Jurisdiction
from app.models.stats import StatsSignoff
from app.services.core import access, case_visibility
from app.services.reports.stats_queries import Scope, figures_by_child


@dataclass(frozen=True, slots=True)
class StatsRow:
    jurisdiction_id: uuid.UUID
    name: str
    level: str
    own: bool
    figures: Figures


@dataclass(slots=True)
class StatsTable:
    campaign: Campaign
    place: Jurisdiction
    rows: list[StatsRow]
    total: Figures
    signed_off: dict[str, Any] | None = None
    hidden: frozenset[str] = frozenset()  # columns the reader may not see
    columns: list[dict[str, str]] = field(
        default_factory=lambda: [{"key": c.key, "label_zh": c.label_zh} for c in COLUMNS]
    )

    def as_json(self) -> dict[str, Any]:
        """The API's shape: money as exact strings, counts as ints."""
        c, p = self.campaign, self.place
        return {
            "campaign": {
                "id": c.id,
                "name": c.name,
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
            },
            "jurisdiction": {"id": p.id, "name": p.name, "level": p.level},
            "rows": [
                {
                    "jurisdiction": {"id": r.jurisdiction_id, "name": r.name, "level": r.level},
                    "own": r.own,
                    "figures": to_json(r.figures),
                }
                for r in self.rows
            ],
            "total": to_json(self.total),
            "columns": self.columns,
            "signed_off": self.signed_off,
        }


def _campaigns_for(actor: Actor) -> SelectOfScalar[Campaign]:
    """Campaigns run in the actor's area or above it (a city-wide campaign is reported on
    by each county)."""
    above = access.above_area(actor, Jurisdiction.path)
    return (
        select(Campaign)
        .join(Jurisdiction, col(Campaign.jurisdiction_id) == col(Jurisdiction.id))
        .where(sa.or_(access.jurisdiction_scope(actor), above))
    )


async def get_stats_campaign(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID | str
) -> Campaign:
    """A campaign run in the actor's area or above it; otherwise NotFound."""
    cid = access.as_uuid(campaign_id, "campaign")
    row = (await session.exec(_campaigns_for(actor).where(Campaign.id == cid))).first()
    if row is None:
        raise NotFound(f"No campaign {cid} in your area.")
    return row


async def current_campaign(
    session: AsyncSession, actor: Actor, *, today: date | None = None
) -> Campaign:
    """The campaign under way `today` (China's date, app.clock.today(), unless given) in
    the actor's area or above it; when none is, the one that started last. Of several,
    the one that started last. NotFound when the area has no campaign at all."""
    day = today or clock.today()
    under_way = sa.and_(col(Campaign.starts_on) <= day, col(Campaign.ends_on) >= day)
    row = (
        await session.exec(
            _campaigns_for(actor).order_by(
                sa.case((under_way, 0), else_=1),
                col(Campaign.starts_on).desc(),
                col(Campaign.created_at).desc(),
                col(Campaign.id),
            )
        )
    ).first()
    if row is None:
        raise NotFound("No campaign in your area: name one with campaign_id.")
    return row


async def _place(
    session: AsyncSession, actor: Actor, jurisdiction_id: uuid.UUID | str | None
) -> Jurisdiction:
    return await access.chosen_or_own_jurisdiction(session, actor, jurisdiction_id)


def _scope(campaign: Campaign, place: Jurisdiction) -> Scope:
    start, end = day_starts(campaign.starts_on), day_ends(campaign.ends_on)
    return Scope(
        campaign_id=campaign.id, prefix=place.path, start=start, end=end, today=clock.today()
    )


async def _live(session: AsyncSession, campaign: Campaign, place: Jurisdiction) -> StatsTable:
    by_child = await figures_by_child(session, _scope(campaign, place))
    children = (
        await session.exec(
            select(Jurisdiction)
            .where(Jurisdiction.parent_id == place.id)
            .order_by(col(Jurisdiction.name))
        )
    ).all()
    rows = [
        StatsRow(c.id, c.name, c.level, False, by_child.get(str(c.id)) or roll_up([]))
        for c in children
    ]
    own = by_child.get("")
    if own is not None and not is_empty(own):
        rows.append(StatsRow(place.id, place.name, place.level, True, own))
    return StatsTable(campaign, place, rows, roll_up(by_child.values()))


def _frozen(campaign: Campaign, place: Jurisdiction, signoff: StatsSignoff) -> StatsTable:
    data = signoff.figures
    rows = [
        StatsRow(uuid.UUID(r["id"]), r["name"], r["level"], bool(r["own"]), from_json(r["figures"]))
        for r in data["rows"]
    ]
    return StatsTable(
        campaign,
        place,
        rows,
        from_json(data["total"]),
        signed_off={
            "by": signoff.signed_by_name,
            "by_id": signoff.signed_by,
            "at": signoff.signed_at,
        },
        columns=list(data["columns"]),
    )


def _freeze(table: StatsTable) -> dict[str, Any]:
    return {
        "rows": [
            {
                "id": str(r.jurisdiction_id),
                "name": r.name,
                "level": r.level,
                "own": r.own,
                "figures": to_json(r.figures),
            }
            for r in table.rows
        ],
        "total": to_json(table.total),
        "columns": table.columns,
    }


async def _signoff_row(
    session: AsyncSession, campaign: Campaign, place: Jurisdiction
) -> StatsSignoff | None:
    return (
        await session.exec(
            select(StatsSignoff).where(
                StatsSignoff.campaign_id == campaign.id,
                StatsSignoff.jurisdiction_id == place.id,
                StatsSignoff.period_start == campaign.starts_on,
                StatsSignoff.period_end == campaign.ends_on,
            )
        )
    ).first()


async def compute_stats(
    session: AsyncSession,
    actor: Actor,
    *,
    campaign_id: uuid.UUID | str | None = None,
    jurisdiction_id: uuid.UUID | str | None = None,
) -> StatsTable:
    """The table for a campaign (default: current_campaign()) and a place in the actor's
    area (default: the actor's own); the frozen figures if it was signed off, else
    computed now."""
    access.require(actor, Permission.stats_read)
    campaign = (
        await get_stats_campaign(session, actor, campaign_id)
        if campaign_id is not None
        else await current_campaign(session, actor)
    )
    place = await _place(session, actor, jurisdiction_id)
    return _seen_by(actor, await table_for(session, campaign, place))


async def table_for(session: AsyncSession, campaign: Campaign, place: Jurisdiction) -> StatsTable:
    """The place's table before any reader's view of it: frozen if signed off, else live."""
    signoff = await _signoff_row(session, campaign, place)
    if signoff is not None:
        return _frozen(campaign, place, signoff)
    return await _live(session, campaign, place)


def _seen_by(actor: Actor, table: StatsTable) -> StatsTable:
    """Without the protective-umbrella count for who may not see it (`case_visibility`)."""
    if case_visibility.sees_every_case_whole(actor):
        return table
    table.rows = [
        replace(r, figures=case_visibility.figures_seen(actor, r.figures)) for r in table.rows
    ]
    table.total = case_visibility.figures_seen(actor, table.total)
    table.columns = [c for c in table.columns if c["key"] != case_visibility.RESTRICTED_FIGURE]
    table.hidden = frozenset({case_visibility.RESTRICTED_FIGURE})
    return table


async def sign_off_stats(
    session: AsyncSession,
    actor: Actor,
    *,
    campaign_id: uuid.UUID | str,
    jurisdiction_id: uuid.UUID | str | None = None,
) -> StatsTable:
    """Freeze the figures as they are now for the campaign's period; once only (409 after)."""
    access.require(actor, Permission.stats_write)
    campaign = await get_stats_campaign(session, actor, campaign_id)
    place = await _place(session, actor, jurisdiction_id)
    if await _signoff_row(session, campaign, place) is not None:
        raise Conflict("This table was already signed off; its figures are frozen.")
    table = await _live(session, campaign, place)
    row = StatsSignoff(
        campaign_id=campaign.id,
        jurisdiction_id=place.id,
        period_start=campaign.starts_on,
        period_end=campaign.ends_on,
        figures=_freeze(table),
        signed_by=actor.id[:64],
        signed_by_name=(actor.name or actor.username)[:200],
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except sa.exc.IntegrityError:
        raise Conflict("This table was already signed off; its figures are frozen.") from None
    auditlog.record(
        session,
        actor,
        "stats.signoff",
        "stats_signoff",
        row.id,
        after={
            "campaign_id": campaign.id,
            "jurisdiction_id": place.id,
            "period_start": campaign.starts_on,
            "period_end": campaign.ends_on,
            "total": to_json(table.total),
        },
        jurisdiction_path=place.path,
    )
    return _frozen(campaign, place, row)
