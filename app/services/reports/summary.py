"""The written summary (工作总结) of a campaign for a place, drafted from the records.

`figures_for` gathers what the draft may say — from the place's frozen periodic report
of the period when there is one (`summary_report`), else from the statistics table as of
today; `app/domain/summary.py` words it in the documents' order and says which;
`render_docx` and `render_markdown` hand it out as an editable Word file (fonts set for
East Asian text, as official documents are set) or as Markdown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import clock
from app.domain.permissions import Actor, Permission
from app.domain.routing import UMBRELLA_TYPE
from app.domain.summary import (
    RECORDS_ONLY_STEPS,
    SITE_LIMIT,
    PublicityLine,
    SiteVisit,
    SummaryFigures,
    TeamLine,
    draft_summary,
)
from app.domain.taxonomy import AgencyKind, JurisdictionLevel
from app.errors import NotFound
from app.models.accounts import User
from app.models.employers import Employer
from app.models.inspections import (
    Campaign,
    CampaignPhase,
    Inspection,
    Team,
    TeamMember,
    TeamTownship,
)
from app.models.publicity import Publicity, PublicityKind
from app.models.reference import Agency, Jurisdiction
from app.models.stats import StatsEmployerTally
from app.services.core import access, case_visibility, dialect
from app.services.employers.employers import visited_in
from app.services.reports import stats, summary_report
from app.services.reports.publicity import publicity_totals
from app.services.reports.summary_render import render_docx, render_markdown
from app.services.reports.summary_report import site_visits


@dataclass(frozen=True, slots=True)
class DraftedSummary:
    filename: str  # without extension
    markdown: str
    docx: bytes


def _under(place: Jurisdiction) -> Any:
    return col(Jurisdiction.path).startswith(place.path, autoescape=True)


async def _office(session: AsyncSession, place: Jurisdiction) -> str | None:
    return (
        await session.exec(
            select(Agency.name).where(
                Agency.jurisdiction_id == place.id, Agency.kind == AgencyKind.coordinator.value
            )
        )
    ).first()


async def _teams(
    session: AsyncSession, campaign: Campaign, place: Jurisdiction
) -> tuple[list[TeamLine], int, list[str]]:
    """The campaign's teams working in the place (a township of theirs lies in it, or it
    lies in one), their people and the agencies those were drawn from."""
    town_path = col(Jurisdiction.path)
    teams = (
        await session.exec(
            select(Team, User.display_name)
            .join(User, col(User.id) == col(Team.leader_id))
            .where(
                Team.campaign_id == campaign.id,
                col(Team.id).in_(
                    select(TeamTownship.team_id)
                    .join(Jurisdiction, col(Jurisdiction.id) == col(TeamTownship.jurisdiction_id))
                    .where(sa.or_(_under(place), sa.literal(place.path).startswith(town_path)))
                ),
            )
            .order_by(col(Team.created_at), col(Team.id))
        )
    ).all()
    ids = [t.id for t, _ in teams]
    people = (
        await session.exec(
            select(TeamMember.team_id, User.id, Agency.name)
            .join(User, col(User.id) == col(TeamMember.user_id))
            .join(Agency, col(Agency.id) == col(User.agency_id))
            .where(col(TeamMember.team_id).in_(ids))
        )
    ).all()
    leaders = (
        await session.exec(
            select(User.id, Agency.name)
            .join(Agency, col(Agency.id) == col(User.agency_id))
            .where(col(User.id).in_([t.leader_id for t, _ in teams]))
        )
    ).all()
    per_team: dict[uuid.UUID, set[uuid.UUID]] = {t.id: {t.leader_id} for t, _ in teams}
    for team_id, user_id, _ in people:
        per_team[team_id].add(user_id)
    agencies = sorted({name for _, _, name in people} | {name for _, name in leaders})
    everyone = set().union(*per_team.values()) if per_team else set()
    lines = [TeamLine(t.name, leader, len(per_team[t.id])) for t, leader in teams]
    return lines, len(everyone), agencies


async def _registry(
    session: AsyncSession, campaign: Campaign, place: Jurisdiction
) -> tuple[dict[str, int], int, int, int]:
    """Registered employers by industry, those not yet visited, villages and villages visited."""
    visited = col(Employer.id).in_(visited_in(campaign.id))
    rows = (
        await session.exec(
            select(
                col(Employer.industry), sa.func.count(), sa.func.sum(sa.case((visited, 0), else_=1))
            )
            .join(Jurisdiction, col(Jurisdiction.id) == col(Employer.jurisdiction_id))
            .where(_under(place))
            .group_by(col(Employer.industry))
        )
    ).all()
    village = Jurisdiction.level == JurisdictionLevel.village.value
    villages = (await session.exec(select(sa.func.count()).where(_under(place), village))).one()
    covered = (
        await session.exec(
            select(sa.func.count(sa.distinct(col(Jurisdiction.id))))
            .join(Employer, col(Employer.jurisdiction_id) == col(Jurisdiction.id))
            .where(_under(place), village, visited)
        )
    ).one()
    by_kind = {industry: int(n) for industry, n, _ in rows}
    return by_kind, sum(int(left or 0) for *_, left in rows), int(villages), int(covered)


async def _sites(
    session: AsyncSession, campaign: Campaign, place: Jurisdiction
) -> tuple[list[SiteVisit], dict[str, int]]:
    """Each inspected employer's latest counted inspection (the statistics' own tally), told
    one by one when there are at most SITE_LIMIT; the migrants' home provinces summed."""
    t = StatsEmployerTally
    tallied = (
        await session.exec(
            select(col(t.employer_id), col(t.inspection_id), col(t.visited_on), col(t.signed_at))
            .join(Jurisdiction, col(Jurisdiction.id) == col(t.jurisdiction_id))
            .where(t.campaign_id == campaign.id, _under(place))
        )
    ).all()
    latest: dict[uuid.UUID, tuple[Any, ...]] = {}
    for employer_id, inspection_id, visited_on, signed_at in tallied:
        key = (visited_on, signed_at, inspection_id)
        if employer_id not in latest or key > latest[employer_id]:
            latest[employer_id] = key
    ids = [key[2] for key in latest.values()]
    origins: dict[str, int] = {}
    told = (
        await session.exec(
            select(Inspection.migrant_origins).where(
                col(Inspection.id).in_(ids), col(Inspection.migrant_origins).is_not(None)
            )
        )
    ).all()
    for found in told:
        for province, n in (found or {}).items():
            origins[province] = origins.get(province, 0) + int(n)
    if not ids or len(ids) > SITE_LIMIT:
        return [], origins
    return await site_visits(session, ids), origins


async def _publicity(
    session: AsyncSession, campaign: Campaign, place: Jurisdiction
) -> tuple[list[PublicityLine], date | None]:
    totals = await publicity_totals(session, campaign.id, place.path)
    first_meeting = (
        await session.exec(
            select(sa.func.min(col(Publicity.on))).where(
                Publicity.campaign_id == campaign.id,
                Publicity.kind == PublicityKind.meeting.value,
                col(Publicity.jurisdiction_path).startswith(place.path, autoescape=True),
            )
        )
    ).one()
    lines = [PublicityLine(k.value, t.count, t.places) for k, t in totals.items()]
    return lines, first_meeting


async def figures_for(
    session: AsyncSession,
    campaign: Campaign,
    jurisdiction: Jurisdiction,
    period_end: date | None = None,
) -> SummaryFigures:
    """Everything the draft may say about `jurisdiction`, before any reader's view of it.

    When the place has frozen its periodic report for `period_end` (not given: for the
    latest period on or before today it froze), every figure the report holds is taken
    from it, and what it does not hold from the records behind it (`summary_report`); the
    draft is dated by the period's end and names the report. Otherwise the figures are the
    statistics table as `GET /stats` serves it (signed off, else live) as of today, and
    the draft says no report was made. Teams, the registry and villages are read from the
    records now either way; the steps only the records hold (rectifications, filings)
    too, dated by the day of drafting."""
    if dialect.is_postgres(session):
        await session.exec(sa.text("SET LOCAL jit = off"))  # type: ignore[call-overload]
    today = clock.today()
    report = await summary_report.report_for(session, campaign, jurisdiction, period_end)
    table = await stats.table_for(session, campaign, jurisdiction)
    place_of_campaign = await session.get(Jurisdiction, campaign.jurisdiction_id)
    phases = (
        await session.exec(
            select(CampaignPhase)
            .where(CampaignPhase.campaign_id == campaign.id)
            .order_by(col(CampaignPhase.starts_on))
        )
    ).all()
    teams, people, agencies = await _teams(session, campaign, jurisdiction)
    registered, not_inspected, villages, covered = await _registry(session, campaign, jurisdiction)
    base = SummaryFigures(
        place_name=jurisdiction.name,
        campaign_name=campaign.name,
        campaign_place=place_of_campaign.name if place_of_campaign else jurisdiction.name,
        # live figures are as of today: dated so, whatever period was asked for
        period_end=max(min(today, campaign.ends_on), campaign.starts_on),
        table=table.total,
        office=await _office(session, jurisdiction),
        phases=tuple((p.phase, p.starts_on, p.ends_on) for p in phases),
        teams=tuple(teams),
        people=people,
        agencies=tuple(agencies),
        registered=registered,
        not_inspected=not_inspected,
        villages_total=villages,
        villages_covered=covered,
        frozen=table.signed_off is not None,
        drafted_on=today,
        unreported=period_end,
    )
    if report is not None:
        found = await summary_report.as_reported(session, campaign, report)
        records_only = {k: table.total[k] for k in RECORDS_ONLY_STEPS if k in table.total}
        return replace(
            base,
            period_end=report.period_end,
            table={**records_only, **found.table},
            sites=found.sites,
            origins=found.origins,
            publicity=found.publicity,
            first_meeting=found.first_meeting,
            report=found.basis,
            unreported=None,
            villages_covered=(
                covered if found.villages_covered is None else found.villages_covered
            ),
        )
    sites, origins = await _sites(session, campaign, jurisdiction)
    publicity, first_meeting = await _publicity(session, campaign, jurisdiction)
    return replace(
        base,
        sites=tuple(sites),
        origins=origins,
        publicity=tuple(publicity),
        first_meeting=first_meeting,
    )


def _seen_by(actor: Actor, figures: SummaryFigures) -> SummaryFigures:
    """Without the protective-umbrella findings for who may not see them, as `GET /stats`
    hides them (`case_visibility.figures_seen`): the same table keys whether the figures
    came from a report or not, since the findings by type are read from the records in
    both cases. A frozen report itself holds no umbrella figure: its template may not
    count one (`form_template.update_template`), which is why `GET /stats/reports` has
    nothing to hide."""
    if case_visibility.sees_every_case_whole(actor):
        return figures
    hidden = UMBRELLA_TYPE
    return replace(
        figures,
        table=case_visibility.figures_seen(actor, figures.table),
        sites=tuple(
            replace(s, violation_types=tuple(v for v in s.violation_types if v != hidden))
            for s in figures.sites
        ),
    )


async def draft_for(
    session: AsyncSession,
    actor: Actor,
    *,
    campaign_id: uuid.UUID | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    period_end: date | None = None,
) -> DraftedSummary:
    access.require(actor, Permission.stats_read)
    campaign = (
        await stats.get_stats_campaign(session, actor, campaign_id)
        if campaign_id is not None
        else await stats.current_campaign(session, actor)
    )
    chosen = jurisdiction_id or access.own_jurisdiction_id(actor)
    if chosen is None:
        raise NotFound("Name a jurisdiction: you have none of your own.")
    place = await access.get_jurisdiction(session, actor, chosen)
    figures = _seen_by(actor, await figures_for(session, campaign, place, period_end))
    draft = draft_summary(figures)
    return DraftedSummary(
        filename=f"{place.name}{campaign.starts_on:%Y%m%d}工作总结",
        markdown=render_markdown(draft),
        docx=render_docx(draft),
    )
