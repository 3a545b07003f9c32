"""A campaign's reporting rhythm (报送时间), set by the office that runs it, and the periods
it makes (app/domain/report_periods.py)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor, Permission
from app.domain.report_periods import Period, RhythmError, check_rhythm, period_ending, periods
from app.errors import unprocessable
from app.models.inspections import Campaign
from app.services.core import access
from app.services.inspections.campaigns import get_campaign_row
from app.services.reports.stats import get_stats_campaign


def campaign_periods(campaign: Campaign) -> list[Period]:
    return periods(campaign.starts_on, campaign.ends_on, campaign.reporting)


def period_of(campaign: Campaign, period_end: date) -> Period:
    """The campaign's period ending on `period_end`; 422 when there is none."""
    if not campaign.reporting:
        raise unprocessable(["body", "campaign_id"], "该专项行动尚未规定报送时间。")
    found = period_ending(campaign_periods(campaign), period_end)
    if found is None:
        raise unprocessable(
            ["body", "period_end"], f"{period_end.isoformat()} 不是该专项行动的报送日期。"
        )
    return found


async def set_reporting(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID | str, *, rhythm: dict[str, Any]
) -> tuple[Campaign, list[Period]]:
    """Replace the rhythm. Reports already frozen stay as they are."""
    access.require(actor, Permission.campaigns_write)
    campaign, place = await get_campaign_row(session, actor, campaign_id)
    clean = {k: v for k, v in rhythm.items() if v is not None}
    clean = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in clean.items()}
    if "dates" in clean:
        clean["dates"] = [d.isoformat() if isinstance(d, date) else d for d in clean["dates"]]
    try:
        found = check_rhythm(campaign.starts_on, campaign.ends_on, clean)
    except RhythmError as e:
        raise unprocessable(["body"], str(e)) from None
    before = {"reporting": campaign.reporting}
    campaign.reporting = clean
    session.add(campaign)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "campaign.reporting",
        "campaign",
        campaign.id,
        before=before,
        after={"reporting": clean},
        jurisdiction_path=place.path,
    )
    return campaign, found


async def get_reporting(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID | str
) -> tuple[Campaign, list[Period]]:
    """Readable where the campaign's statistics are: in its area and the places below."""
    access.require(actor, Permission.stats_read)
    campaign = await get_stats_campaign(session, actor, campaign_id)
    return campaign, campaign_periods(campaign)
