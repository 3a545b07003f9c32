"""The worker's side of periodic reports: remind places before a report is due, and
escalate the places still missing after it to the office above.

A reminder is recorded once per (campaign, place, period) in `report_reminder` by an
INSERT … ON CONFLICT DO NOTHING, so several workers send it once; it shows in the
office's submissions view (`reminded_at`). A missing report is an escalation
(`report_missing`) through `record_escalation`, once per place and period, filed under
the path of the office above, so that office (and those above it) see it in
GET /escalations and the place itself does not.

Lead time: `reminder_working_days` working days before the due day, like the case
clocks. Escalations look back `ESCALATE_DAYS` days, so a campaign long over is not swept.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.chinatime import china_date, day_ends_at
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.report_periods import Period
from app.domain.taxonomy import JurisdictionLevel
from app.domain.workdays import add_working_days
from app.models.base import utcnow
from app.models.inspections import Campaign
from app.models.reference import Jurisdiction
from app.models.reports import ReportReminder, StatsReport
from app.services.cases.escalations import SWEEP_ROWS, record_escalation
from app.services.core import dialect
from app.services.registry import workdays
from app.services.reports.periods import campaign_periods

ESCALATE_DAYS = 30


async def _campaigns(session: AsyncSession, since: date) -> list[tuple[Campaign, str]]:
    rows = await session.exec(
        select(Campaign, Jurisdiction.path)
        .join(Jurisdiction, col(Jurisdiction.id) == col(Campaign.jurisdiction_id))
        .where(col(Campaign.reporting).is_not(None), col(Campaign.ends_on) >= since)
        .order_by(col(Campaign.starts_on), col(Campaign.id))
    )
    return list(rows.all())


async def _unreported(
    session: AsyncSession, campaign: Campaign, office_path: str, period: Period
) -> list[Jurisdiction]:
    """Places below the campaign's office (villages excepted) with no report for the period."""
    reported = select(StatsReport.jurisdiction_id).where(
        StatsReport.campaign_id == campaign.id, StatsReport.period_end == period.end
    )
    rows = await session.exec(
        select(Jurisdiction)
        .where(
            col(Jurisdiction.path).startswith(office_path, autoescape=True),
            Jurisdiction.id != campaign.jurisdiction_id,
            Jurisdiction.level != JurisdictionLevel.village.value,
            col(Jurisdiction.id).not_in(reported),
        )
        .order_by(col(Jurisdiction.path))
        .limit(SWEEP_ROWS)
    )
    return list(rows.all())


async def remind_reports_due(
    session: AsyncSession, settings: Settings, *, now: datetime | None = None
) -> int:
    """Remind each place whose report falls due within the lead time; returns how many."""
    now = now or utcnow()
    today = china_date(now)
    cal = await workdays.work_calendar(session, today.year)
    horizon = add_working_days(cal, today, settings.reminder_working_days)
    done = 0
    for campaign, path in await _campaigns(session, today - timedelta(days=ESCALATE_DAYS)):
        for period in campaign_periods(campaign):
            if not today <= period.due <= horizon:
                continue
            for place in await _unreported(session, campaign, path, period):
                result = await session.exec(
                    dialect.insert(session, ReportReminder)
                    .values(
                        id=uuid.uuid4(),
                        campaign_id=campaign.id,
                        jurisdiction_id=place.id,
                        period_end=period.end,
                        due_on=period.due,
                        created_at=now,
                    )
                    .on_conflict_do_nothing(
                        index_elements=["campaign_id", "jurisdiction_id", "period_end"]
                    )
                )
                if result.rowcount:
                    done += 1
                    auditlog.record(
                        session,
                        SYSTEM_ACTOR,
                        "stats_report.reminder",
                        "jurisdiction",
                        place.id,
                        after={
                            "campaign_id": campaign.id,
                            "period_end": period.end,
                            "due_on": period.due,
                        },
                        jurisdiction_path=place.path,
                    )
    return done


def subject_of(campaign_id: uuid.UUID, place_id: uuid.UUID) -> uuid.UUID:
    """One escalation subject per campaign and place (the deadline tells the periods apart)."""
    return uuid.uuid5(campaign_id, str(place_id))


def _above(path: str) -> str:
    """The path of the place above: the path less its last id and '/'."""
    return path[: path.rstrip("/").rfind("/") + 1]


async def escalate_missing_reports(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Places whose report is past due and still missing → a `report_missing` escalation
    to the office above, once per place and period."""
    now = now or utcnow()
    today = china_date(now)
    done = 0
    for campaign, path in await _campaigns(session, today - timedelta(days=ESCALATE_DAYS)):
        for period in campaign_periods(campaign):
            if not today - timedelta(days=ESCALATE_DAYS) <= period.due < today:
                continue
            for place in await _unreported(session, campaign, path, period):
                done += await record_escalation(
                    session,
                    SYSTEM_ACTOR,
                    kind="report_missing",
                    subject_id=subject_of(campaign.id, place.id),
                    case_id=None,
                    agency_id=None,
                    jurisdiction_path=_above(place.path),
                    deadline_at=day_ends_at(period.due),
                    detail=(
                        f"{place.name}未报送“{campaign.name}”截至{period.end.isoformat()}的统计报表"
                        f"（应于{period.due.isoformat()}前报送）"
                    ),
                )
    return done
