"""Periodic reports up the hierarchy: a place freezes its form for a period; the place
above sees who has submitted, and its own form sums what was submitted.

Rules:
- The places that report to a place are the places directly below it, villages
  excepted (a township reports for its villages).
- A place with such places below it reports their sum: the latest version of each
  submitted report, cell by cell, naming the places that have not submitted. A place
  without any (a township) reports its own figures, counted from the records by the
  template's named queries, from the campaign's first day to the period's end.
- Frozen means frozen: a report is never changed. A correction is a new version with
  a reason; the latest version is the one that counts upward, and the first one's
  time says whether the place was on time (submitted) or not (late).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog, clock
from app.domain.chinatime import day_ends, day_ends_at, day_starts
from app.domain.permissions import Actor, Permission
from app.domain.report_form import (
    FilledForm,
    FormTemplate,
    fill,
    form_from_json,
    roll_up,
    template_from_json,
)
from app.domain.report_periods import Period
from app.domain.taxonomy import JurisdictionLevel
from app.errors import Conflict, NotFound
from app.models.inspections import Campaign
from app.models.reference import Jurisdiction
from app.models.reports import ReportReminder, StatsReport
from app.services.core import access
from app.services.reports.form_queries import QUERIES, ByIndustry, FormScope
from app.services.reports.form_template import collected, template_in_force
from app.services.reports.periods import period_of
from app.services.reports.stats import get_stats_campaign


@dataclass(slots=True)
class ReportView:
    campaign: Campaign
    place: Jurisdiction
    period: Period
    form: FilledForm
    versions: list[StatsReport] = field(default_factory=list)
    included: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def latest(self) -> StatsReport | None:
        return self.versions[-1] if self.versions else None


def place_json(j: Jurisdiction) -> dict[str, Any]:
    return {"id": str(j.id), "name": j.name, "level": j.level}


async def places_reporting_to(session: AsyncSession, place: Jurisdiction) -> list[Jurisdiction]:
    rows = await session.exec(
        select(Jurisdiction)
        .where(
            Jurisdiction.parent_id == place.id,
            Jurisdiction.level != JurisdictionLevel.village.value,
        )
        .order_by(col(Jurisdiction.name), col(Jurisdiction.id))
    )
    return list(rows.all())


async def versions_of(
    session: AsyncSession, campaign_id: uuid.UUID, period_end: date, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[StatsReport]]:
    """Each place's frozen versions for the period, oldest first."""
    out: dict[uuid.UUID, list[StatsReport]] = {}
    if not ids:
        return out
    rows = await session.exec(
        select(StatsReport)
        .where(
            StatsReport.campaign_id == campaign_id,
            StatsReport.period_end == period_end,
            col(StatsReport.jurisdiction_id).in_(ids),
        )
        .order_by(col(StatsReport.version))
    )
    for r in rows.all():
        out.setdefault(r.jurisdiction_id, []).append(r)
    return out


def frozen_form(report: StatsReport) -> FilledForm:
    return form_from_json(template_from_json(report.figures["template"]), report.figures)


async def _counted(
    session: AsyncSession, t: FormTemplate, campaign: Campaign, place: Jurisdiction, end: date
) -> FilledForm:
    scope = FormScope(
        campaign_id=campaign.id,
        prefix=place.path,
        start=day_starts(campaign.starts_on),
        end=day_ends(min(end, campaign.ends_on)),
        end_day=end,
    )
    by_column: dict[str, ByIndustry | None] = {}
    for c in t.columns:
        if collected(c):
            assert c.query is not None
            by_column[c.key] = await QUERIES[c.query](session, scope, c.args)
        else:
            by_column[c.key] = None
    return fill(t, by_column)


async def compose(
    session: AsyncSession, campaign: Campaign, place: Jurisdiction, period: Period
) -> ReportView:
    """What `place` would freeze now for `period` (see the module's rules)."""
    t = await template_in_force(session)
    below = await places_reporting_to(session, place)
    if not below:
        form = await _counted(session, t, campaign, place, period.end)
        return ReportView(campaign, place, period, form)
    versions = await versions_of(session, campaign.id, period.end, [p.id for p in below])
    submitted = [p for p in below if p.id in versions]
    forms = [frozen_form(versions[p.id][-1]) for p in submitted]
    return ReportView(
        campaign,
        place,
        period,
        roll_up(t, forms, {c.key for c in t.columns if collected(c)}),
        included=[place_json(p) for p in submitted],
        missing=[place_json(p) for p in below if p.id not in versions],
    )


async def _in_campaign(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID | str, jurisdiction_id: Any
) -> tuple[Campaign, Jurisdiction]:
    campaign = await get_stats_campaign(session, actor, campaign_id)
    place = await access.get_jurisdiction(session, actor, jurisdiction_id)
    office = await session.get(Jurisdiction, campaign.jurisdiction_id)
    if office is None or not place.path.startswith(office.path):
        raise NotFound(f"{place.name}不在该专项行动的范围内。")
    return campaign, place


async def freeze_report(
    session: AsyncSession,
    actor: Actor,
    *,
    campaign_id: uuid.UUID | str,
    jurisdiction_id: uuid.UUID | str,
    period_end: date,
    reason: str | None = None,
) -> ReportView:
    """Freeze the place's form for the period: the first version, or with `reason` a
    correction (the next version). 409 for a second freeze without a reason."""
    access.require(actor, Permission.stats_write)
    campaign, place = await _in_campaign(session, actor, campaign_id, jurisdiction_id)
    period = period_of(campaign, period_end)
    before = (await versions_of(session, campaign.id, period.end, [place.id])).get(place.id, [])
    if before and not reason:
        raise Conflict(
            "本期报表已报送，不能修改；如需更正，请说明理由（reason），将作为新版本报送。"
        )
    view = await compose(session, campaign, place, period)
    row = StatsReport(
        campaign_id=campaign.id,
        jurisdiction_id=place.id,
        jurisdiction_path=place.path,
        period_end=period.end,
        due_on=period.due,
        version=len(before) + 1,
        template_version=view.form.template.version,
        figures={
            "template": view.form.template.as_json(),
            **view.form.as_json(),
            "included": view.included,
            "missing": view.missing,
        },
        reason=reason if before else None,
        frozen_by=actor.id[:64],
        frozen_by_name=(actor.name or actor.username)[:200],
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except sa.exc.IntegrityError:
        raise Conflict("另一份报表刚刚报送，请刷新后再试。") from None
    auditlog.record(
        session,
        actor,
        "stats_report.correct" if before else "stats_report.freeze",
        "stats_report",
        row.id,
        after={
            "campaign_id": campaign.id,
            "jurisdiction_id": place.id,
            "period_end": period.end,
            "version": row.version,
            "reason": row.reason,
            "total": row.figures["total"],
        },
        jurisdiction_path=place.path,
    )
    view.versions = [*before, row]
    return view


async def read_report(
    session: AsyncSession,
    actor: Actor,
    *,
    campaign_id: uuid.UUID | str,
    jurisdiction_id: uuid.UUID | str | None,
    period_end: date,
) -> ReportView:
    """The latest frozen version for the period; else what would be frozen now."""
    access.require(actor, Permission.stats_read)
    chosen = jurisdiction_id if jurisdiction_id is not None else access.own_jurisdiction_id(actor)
    if chosen is None:
        raise NotFound("Name a jurisdiction: you have none of your own.")
    campaign, place = await _in_campaign(session, actor, campaign_id, chosen)
    period = period_of(campaign, period_end)
    versions = (await versions_of(session, campaign.id, period.end, [place.id])).get(place.id, [])
    if not versions:
        return await compose(session, campaign, place, period)
    latest = versions[-1]
    return ReportView(
        campaign,
        place,
        period,
        frozen_form(latest),
        versions=versions,
        included=list(latest.figures.get("included") or []),
        missing=list(latest.figures.get("missing") or []),
    )


@dataclass(frozen=True, slots=True)
class Submission:
    place: Jurisdiction
    status: str
    overdue: bool
    first: StatsReport | None
    latest: StatsReport | None
    reminded_at: datetime | None


def submission_status(first: StatsReport | None, due: date, now: datetime) -> tuple[str, bool]:
    """(submitted | late | missing, overdue): on time is frozen before the due day ends."""
    deadline = day_ends_at(due)
    if first is None:
        return "missing", now >= deadline
    return ("submitted" if first.frozen_at < deadline else "late"), False


async def list_submissions(
    session: AsyncSession,
    actor: Actor,
    *,
    campaign_id: uuid.UUID | str,
    period_end: date,
    jurisdiction_id: uuid.UUID | str | None = None,
) -> tuple[Campaign, Jurisdiction, Period, list[Submission]]:
    """Each place reporting to the caller's place (or `jurisdiction_id` in the caller's area)."""
    access.require(actor, Permission.stats_read)
    chosen = jurisdiction_id if jurisdiction_id is not None else access.own_jurisdiction_id(actor)
    if chosen is None:
        raise NotFound("Name a jurisdiction: you have none of your own.")
    campaign, place = await _in_campaign(session, actor, campaign_id, chosen)
    period = period_of(campaign, period_end)
    below = await places_reporting_to(session, place)
    ids = [p.id for p in below]
    versions = await versions_of(session, campaign.id, period.end, ids)
    reminded = dict(
        (
            await session.exec(
                select(ReportReminder.jurisdiction_id, ReportReminder.created_at).where(
                    ReportReminder.campaign_id == campaign.id,
                    ReportReminder.period_end == period.end,
                    col(ReportReminder.jurisdiction_id).in_(ids),
                )
            )
        ).all()
        if ids
        else []
    )
    now = clock.now()
    out = []
    for p in below:
        mine = versions.get(p.id, [])
        first, latest = (mine[0], mine[-1]) if mine else (None, None)
        status, overdue = submission_status(first, period.due, now)
        out.append(Submission(p, status, overdue, first, latest, reminded.get(p.id)))
    return campaign, place, period, out
