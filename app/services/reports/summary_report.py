"""The drafted summary's figures from the frozen periodic report of its period.

Which report: the latest version of the place's report for the period asked for; when
none is named, that of the latest period, on or before today, the place has frozen.

What the report holds is read from it, by the template's named queries (so a report
frozen on an edited template is read right): 检查单位户数 (inspected_employers, also by
the form's rows), 参加检查人次 (inspection_staff), 涉及劳动者人数 (inspected_workers),
举报案件 受理/查结 (tips_received, tips_concluded), 发放宣传资料 and 法律咨询 (the publicity
counts). Every other column it collected, and that is not 0, is quoted in section 四 in
the form's own words. A column not collected is never written, not even as 0.

What the report does not hold (workers local and from which provinces, the sites one by
one with their checklists, findings by type, tips by channel, where publicity was done)
is read from the records *as they stood when the report was frozen*: the inspections
then counted (signed by the freeze and not yet replaced by an amendment signed by then)
and visited by the period's end, the tips received by then, the publicity recorded by
then for days up to the period's end — for a township, under it; for a place above,
under the places whose reports it summed. Such a breakdown is printed only when it adds
up to the report's own figure; otherwise (a correction below after the place above froze
its sum, a tip since moved to another place) it is left out: the draft never offers a
second, different set of figures for the same period.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import clock
from app.domain.chinatime import day_ends, day_starts
from app.domain.lifecycles import InspectionStatus
from app.domain.report_form import FilledForm, row_of
from app.domain.stats import CHANNEL_ZH, Figure
from app.domain.summary import SITE_LIMIT, FormFigure, PublicityLine, ReportBasis, SiteVisit
from app.domain.taxonomy import JurisdictionLevel
from app.models.employers import Employer
from app.models.inspections import Campaign, Finding, Inspection, InspectionSignature
from app.models.publicity import Publicity, PublicityKind
from app.models.reference import Jurisdiction
from app.models.reports import StatsReport
from app.models.tips import Tip
from app.services.reports.submissions import frozen_form

SIGNED = InspectionStatus.signed.value
HELD = {
    "inspected_employers": "employers_inspected",
    "inspection_staff": "staff_turnout",
    "inspected_workers": "workers_total",
    "tips_received": "tips_received",
    "tips_concluded": "tips_concluded",
}
"""Named queries whose figure the draft tells where the records' figure would go."""
PUBLICITY_HELD = {
    "publicity_leaflets": PublicityKind.leaflets.value,
    "publicity_consultations": PublicityKind.consultation.value,
}
INSPECTION_BREAKDOWNS = (
    "workers_local",
    "workers_migrant",
    "workers_children_under_16",
    "contracts_signed",
    "employers_with_problems",
    "findings",
)


@dataclass(frozen=True, slots=True)
class Reported:
    basis: ReportBasis
    table: dict[str, Figure]
    sites: tuple[SiteVisit, ...]
    origins: dict[str, int]
    publicity: tuple[PublicityLine, ...]
    first_meeting: date | None
    villages_covered: int | None  # None: the records do not add up to the report


async def report_for(
    session: AsyncSession, campaign: Campaign, place: Jurisdiction, period_end: date | None
) -> StatsReport | None:
    """The latest version of the place's report for `period_end`; without one, of the
    latest period on or before today that the place has frozen. None: not reported."""
    q = select(StatsReport).where(
        StatsReport.campaign_id == campaign.id, StatsReport.jurisdiction_id == place.id
    )
    if period_end is not None:
        q = q.where(StatsReport.period_end == period_end)
    else:
        q = q.where(col(StatsReport.period_end) <= clock.today())
    q = q.order_by(col(StatsReport.period_end).desc(), col(StatsReport.version).desc()).limit(1)
    return (await session.exec(q)).first()


# ---- what the report holds ------------------------------------------------------------------


@dataclass(slots=True)
class _Held:
    table: dict[str, Figure]
    kinds: tuple[tuple[str, int], ...]
    publicity: dict[str, int]
    rest: list[FormFigure]


def _held(form: FilledForm) -> _Held:
    held = _Held({}, (), {}, [])
    t = form.template
    for c in t.columns:
        total = form.total.get(c.key)
        if total is None:  # not collected: nothing to tell
            continue
        query = c.query or ""
        key = HELD.get(query)
        if key is not None:
            if key not in held.table:
                held.table[key] = int(total)
                if key == "employers_inspected":
                    held.kinds = tuple(
                        (r.label, int(form.rows[r.key].get(c.key) or 0)) for r in t.rows
                    )
        elif query in PUBLICITY_HELD:
            held.publicity.setdefault(PUBLICITY_HELD[query], int(total))
        elif total:
            held.rest.append(FormFigure(c.group, c.sub, c.unit, total))
    return held


# ---- the records behind it ------------------------------------------------------------------


async def _paths(session: AsyncSession, report: StatsReport) -> list[str]:
    """A township's own path; for a place above, those of the places it summed."""
    included = report.figures.get("included") or []
    if not included and not report.figures.get("missing"):
        return [report.jurisdiction_path]
    ids = [uuid.UUID(str(p["id"])) for p in included]
    if not ids:
        return []
    rows = await session.exec(select(Jurisdiction.path).where(col(Jurisdiction.id).in_(ids)))
    return sorted(rows.all())


def _under_any(path: Any, paths: list[str]) -> ColumnElement[bool]:
    return sa.or_(*(col(path).startswith(p, autoescape=True) for p in paths))


def _counted_then(
    i: Any, campaign_id: uuid.UUID, paths: list[str], end: date, cutoff: datetime
) -> list[ColumnElement[bool]]:
    """`i` was counted when the report was frozen: signed by `cutoff`, not replaced by an
    amendment signed by then, in the campaign, visited by the period's end, in `paths`."""
    later = aliased(Inspection)
    return [
        col(i.campaign_id) == campaign_id,
        col(i.status) == SIGNED,
        col(i.signed_at) <= cutoff,
        col(i.visited_on) <= end,
        col(i.jurisdiction_id).in_(
            select(Jurisdiction.id).where(_under_any(Jurisdiction.path, paths))
        ),
        ~sa.exists().where(
            col(later.amends_id) == col(i.id),
            col(later.status) == SIGNED,
            col(later.signed_at) <= cutoff,
        ),
    ]


async def site_visits(session: AsyncSession, ids: list[uuid.UUID]) -> list[SiteVisit]:
    """The sites of these inspections, in visit order, with what each one found."""
    rows = (
        await session.exec(
            select(Inspection, Employer)
            .join(Employer, col(Employer.id) == col(Inspection.employer_id))
            .where(col(Inspection.id).in_(ids))
            .order_by(col(Inspection.visited_on), col(Employer.name))
        )
    ).all()
    found_types: dict[uuid.UUID, list[str]] = {}
    for f in (await session.exec(select(Finding).where(col(Finding.inspection_id).in_(ids)))).all():
        found_types.setdefault(f.inspection_id, []).append(f.violation_type)
    return [
        SiteVisit(
            name=e.name,
            industry=e.industry,
            total=i.total,
            local=i.local,
            migrant=i.migrant,
            origins=dict(i.migrant_origins or {}),
            contracts_signed=i.contracts_signed,
            children_under_16=i.children_under_16,
            checklist=dict(i.checklist),
            violation_types=tuple(sorted(set(found_types.get(i.id, [])))),
        )
        for i, e in rows
    ]


@dataclass(slots=True)
class _Then:
    table: dict[str, Figure]
    by_industry: dict[str, int]
    latest_ids: list[uuid.UUID]
    origins: dict[str, int]
    villages: int = 0  # villages with a site among them


async def _inspections_then(
    session: AsyncSession, campaign: Campaign, paths: list[str], end: date, cutoff: datetime
) -> _Then:
    """The statistics table's inspection figures over the inspections counted then:
    each employer's latest such inspection for its workers, all of them for findings."""
    zero = ("employers_inspected", "workers_total", "staff_turnout", *INSPECTION_BREAKDOWNS)
    then = _Then(dict.fromkeys(zero, 0), {}, [], {})
    if not paths:
        return then
    i = aliased(Inspection)
    counted = _counted_then(i, campaign.id, paths, end, cutoff)
    conn = await session.connection()
    rows = (
        await conn.execute(
            sa.select(
                col(i.id),
                col(i.employer_id),
                col(i.visited_on),
                col(i.signed_at),
                col(i.total),
                col(i.local),
                col(i.migrant),
                col(i.children_under_16),
                col(i.contracts_signed),
                col(i.migrant_origins),
                col(Employer.industry),
            )
            .join(Employer, col(Employer.id) == col(i.employer_id))
            .where(*counted)
        )
    ).all()
    latest: dict[uuid.UUID, Any] = {}
    for r in rows:
        rank = (r[2], r[3], r[0])
        if r[1] not in latest or rank > (latest[r[1]][2], latest[r[1]][3], latest[r[1]][0]):
            latest[r[1]] = r
    t = then.table
    for (
        _id,
        _emp,
        _v,
        _s,
        total,
        local,
        migrant,
        children,
        contracts,
        origins,
        industry,
    ) in latest.values():
        t["employers_inspected"] = int(t["employers_inspected"]) + 1
        then.by_industry[industry] = then.by_industry.get(industry, 0) + 1
        t[f"employers_inspected_{industry}"] = then.by_industry[industry]
        for key, n in (
            ("workers_total", total),
            ("workers_local", local),
            ("workers_migrant", migrant),
            ("workers_children_under_16", children),
            ("contracts_signed", contracts),
        ):
            t[key] = int(t[key]) + int(n or 0)
        for province, n in (origins or {}).items():
            then.origins[province] = then.origins.get(province, 0) + int(n)
    then.latest_ids = [r[0] for r in latest.values()]
    then.villages = int(
        (
            await session.exec(
                select(sa.func.count(sa.distinct(col(Jurisdiction.id))))
                .join(Employer, col(Employer.jurisdiction_id) == col(Jurisdiction.id))
                .where(
                    Jurisdiction.level == JurisdictionLevel.village.value,
                    col(Employer.id).in_(select(col(i.employer_id)).where(*counted)),
                )
            )
        ).one()
    )
    troubled: set[uuid.UUID] = set()
    for employer_id, code, n in (
        await session.exec(
            select(col(i.employer_id), col(Finding.violation_type), sa.func.count())
            .join(Finding, col(Finding.inspection_id) == col(i.id))
            .where(*counted)
            .group_by(col(i.employer_id), col(Finding.violation_type))
        )
    ).all():
        troubled.add(employer_id)
        t["findings"] = int(t["findings"]) + int(n)
        t[f"findings_{code}"] = int(t.get(f"findings_{code}", 0)) + int(n)
    t["employers_with_problems"] = len(troubled)
    # 参加检查人次: signatures on the signed originals, as the form counts them
    o = aliased(Inspection)
    t["staff_turnout"] = int(
        (
            await session.exec(
                select(sa.func.count(col(InspectionSignature.id)))
                .join(o, col(o.id) == col(InspectionSignature.inspection_id))
                .where(
                    col(o.campaign_id) == campaign.id,
                    col(o.status) == SIGNED,
                    col(o.signed_at) <= cutoff,
                    col(o.visited_on) <= end,
                    col(o.amends_id).is_(None),
                    col(o.jurisdiction_id).in_(
                        select(Jurisdiction.id).where(_under_any(Jurisdiction.path, paths))
                    ),
                )
            )
        ).one()
    )
    return then


async def _tips_then(
    session: AsyncSession, campaign: Campaign, paths: list[str], end: date, cutoff: datetime
) -> dict[str, Figure]:
    """Tips received within the campaign's days up to the period's end, by channel, as
    they had come in when the report was frozen."""
    out: dict[str, Figure] = {"tips_received": 0}
    if not paths:
        return out
    rows = (
        await session.exec(
            select(col(Tip.channel), sa.func.count())
            .where(
                _under_any(Tip.scope_path, paths),
                col(Tip.received_at) >= day_starts(campaign.starts_on),
                col(Tip.received_at) < day_ends(min(end, campaign.ends_on)),
                col(Tip.received_at) <= cutoff,
            )
            .group_by(col(Tip.channel))
        )
    ).all()
    for channel, n in rows:
        out["tips_received"] = int(out["tips_received"]) + int(n)
        if channel in CHANNEL_ZH:
            out[f"tips_{channel}"] = int(n)
    return out


async def _publicity_then(
    session: AsyncSession, campaign: Campaign, paths: list[str], end: date, cutoff: datetime
) -> tuple[dict[str, int], dict[str, list[str]], date | None]:
    """Publicity done on days up to the period's end and recorded by the freeze: counts
    by kind, a few places of each, and the first meeting."""
    if not paths:
        return {}, {}, None
    then: list[ColumnElement[bool]] = [
        col(Publicity.campaign_id) == campaign.id,
        _under_any(Publicity.jurisdiction_path, paths),
        col(Publicity.on) <= end,
        col(Publicity.created_at) <= cutoff,
    ]
    counts = {
        kind: int(n or 0)
        for kind, n in (
            await session.exec(
                select(col(Publicity.kind), sa.func.sum(col(Publicity.count)))
                .where(*then)
                .group_by(col(Publicity.kind))
            )
        ).all()
    }
    where: dict[str, list[str]] = {}
    for kind, place in (
        await session.exec(
            select(col(Publicity.kind), col(Publicity.place))
            .where(*then, col(Publicity.place) != "")
            .distinct()
            .order_by(col(Publicity.kind), col(Publicity.place))
            .limit(60)
        )
    ).all():
        where.setdefault(kind, []).append(place)
    first_meeting = (
        await session.exec(
            select(sa.func.min(col(Publicity.on))).where(
                *then, Publicity.kind == PublicityKind.meeting.value
            )
        )
    ).one()
    return counts, where, first_meeting


# ---- the two together -----------------------------------------------------------------------


def _rows_then(form: FilledForm, by_industry: dict[str, int]) -> tuple[tuple[str, int], ...]:
    where = row_of(form.template)
    per_row = {r.key: 0 for r in form.template.rows}
    for industry, n in by_industry.items():
        per_row[where.get(industry, form.template.rows[-1].key)] += n
    return tuple((r.label, per_row[r.key]) for r in form.template.rows)


async def as_reported(session: AsyncSession, campaign: Campaign, report: StatsReport) -> Reported:
    """The report's figures, with the records behind them where they add up (module doc)."""
    form = frozen_form(report)
    held = _held(form)
    paths = await _paths(session, report)
    end, cutoff = report.period_end, report.frozen_at
    then = await _inspections_then(session, campaign, paths, end, cutoff)
    table: dict[str, Figure] = dict(then.table)
    sites: tuple[SiteVisit, ...] = ()
    origins = then.origins
    agrees = all(
        held.table[k] == then.table[k]
        for k in ("employers_inspected", "workers_total", "staff_turnout")
        if k in held.table
    ) and (not held.kinds or held.kinds == _rows_then(form, then.by_industry))
    if agrees:
        if 0 < len(then.latest_ids) <= SITE_LIMIT:
            sites = tuple(await site_visits(session, then.latest_ids))
    else:
        table = {
            k: v
            for k, v in table.items()
            if k not in INSPECTION_BREAKDOWNS
            and not k.startswith(("findings_", "employers_inspected_"))
        }
        origins = {}
    tips = await _tips_then(session, campaign, paths, end, cutoff)
    if "tips_received" in held.table and held.table["tips_received"] != tips["tips_received"]:
        tips = {"tips_received": tips["tips_received"]}  # the channels do not add up
    table.update(tips)
    table.update(held.table)
    counts, where, first_meeting = await _publicity_then(session, campaign, paths, end, cutoff)
    publicity = []
    for kind in sorted(set(counts) | set(held.publicity)):
        if kind not in PublicityKind.__members__:
            continue
        count = held.publicity.get(kind, counts.get(kind, 0))
        places = tuple(where.get(kind, [])[:5]) if count == counts.get(kind, 0) else ()
        publicity.append(PublicityLine(kind, count, places))
    basis = ReportBasis(
        period_end=report.period_end,
        version=report.version,
        frozen_by=report.frozen_by_name,
        frozen_at=report.frozen_at,
        reason=report.reason,
        kinds=held.kinds,
        figures=tuple(held.rest),
        missing=tuple(str(p["name"]) for p in report.figures.get("missing") or []),
    )
    villages = then.villages if agrees else None
    return Reported(basis, table, sites, origins, tuple(publicity), first_meeting, villages)
