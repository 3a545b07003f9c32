"""Periodic reports (定期报送): a campaign's reporting rhythm, frozen reports on the
national form, who has submitted, and the form's template."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Request, Response, status

from app.api.deps import (
    MayCampaignsWrite,
    MayReferenceWrite,
    MayStatsRead,
    MayStatsWrite,
    ReportSessionDep,
    SessionDep,
)
from app.domain.report_periods import Period
from app.models.common import Day
from app.models.inspections import Campaign
from app.models.reports import (
    FormTemplateIn,
    FormTemplatePublic,
    ReportingPublic,
    ReportingRhythmIn,
    StatsReportIn,
    StatsReportPublic,
    SubmissionsPublic,
)
from app.services.reports import form_export, form_template, periods, submissions
from app.services.reports.form_template import collected
from app.services.reports.submissions import ReportView, place_json

router = APIRouter(prefix="/api/v1", tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reporting(campaign: Campaign, found: list[Period]) -> ReportingPublic:
    return ReportingPublic.model_validate(
        {
            "campaign_id": campaign.id,
            "rhythm": campaign.reporting,
            "periods": [{"period_end": p.end, "due_on": p.due, "final": p.final} for p in found],
        }
    )


@router.put("/campaigns/{campaign_id}/reporting", response_model=ReportingPublic)
async def set_campaign_reporting(
    campaign_id: uuid.UUID, body: ReportingRhythmIn, session: SessionDep, actor: MayCampaignsWrite
) -> ReportingPublic:
    """Set the campaign's reporting rhythm (报送时间): every ten days on given days of the
    month (`ten_days`, default 8, 18, 28), `monthly` on a day, or on listed `dates`; and
    `final_by` for the final report. A period ends on its reporting day; it is due by
    the end of that day (China), or `lag_days` later. 422 when a date falls outside the
    campaign or the rhythm gives no period."""
    campaign, found = await periods.set_reporting(
        session, actor, campaign_id, rhythm=body.model_dump()
    )
    return _reporting(campaign, found)


@router.get("/campaigns/{campaign_id}/reporting", response_model=ReportingPublic)
async def get_campaign_reporting(
    campaign_id: uuid.UUID, session: SessionDep, actor: MayStatsRead
) -> ReportingPublic:
    """The campaign's reporting rhythm and its periods with their due dates."""
    campaign, found = await periods.get_reporting(session, actor, campaign_id)
    return _reporting(campaign, found)


def _report_json(view: ReportView) -> dict[str, Any]:
    t = view.form.template
    latest = view.latest
    data = view.form.as_json()
    return {
        "id": latest.id if latest else None,
        "campaign_id": view.campaign.id,
        "jurisdiction": place_json(view.place),
        "period_end": view.period.end,
        "due_on": view.period.due,
        "final": view.period.final,
        "frozen": latest is not None,
        "version": latest.version if latest else None,
        "reason": latest.reason if latest else None,
        "frozen_at": latest.frozen_at if latest else None,
        "frozen_by_name": latest.frozen_by_name if latest else None,
        "versions": [
            {
                "id": v.id,
                "version": v.version,
                "frozen_at": v.frozen_at,
                "frozen_by": v.frozen_by,
                "frozen_by_name": v.frozen_by_name,
                "reason": v.reason,
            }
            for v in view.versions
        ],
        "included": view.included,
        "missing": view.missing,
        "form": {
            "template_version": t.version,
            "rows": t.as_json()["rows"],
            "columns": [
                {**c, "collected": collected(col)}
                for c, col in zip(t.as_json()["columns"], t.columns, strict=True)
            ],
            "cells": data["rows"],
            "total": data["total"],
        },
    }


@router.post(
    "/stats/reports", status_code=status.HTTP_201_CREATED, response_model=StatsReportPublic
)
async def freeze_stats_report(
    body: StatsReportIn, session: SessionDep, actor: MayStatsWrite
) -> StatsReportPublic:
    """Freeze a place's figures on the national form for a period of the campaign (报送).
    A place with places reporting to it (villages excepted) freezes the sum of their
    latest submitted reports and the names of those missing; a township freezes its own
    figures. Frozen reports never change: a second freeze is 409 unless it gives a
    `reason`, and then it is a correction, the next version. 404 for a place outside
    your area; 422 when `period_end` is not one of the campaign's reporting days."""
    view = await submissions.freeze_report(
        session,
        actor,
        campaign_id=body.campaign_id,
        jurisdiction_id=body.jurisdiction_id,
        period_end=body.period_end,
        reason=body.reason,
    )
    return StatsReportPublic.model_validate(_report_json(view))


@router.get(
    "/stats/reports",
    response_model=StatsReportPublic,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def get_stats_report(
    request: Request,
    session: ReportSessionDep,
    actor: MayStatsRead,
    campaign_id: uuid.UUID,
    period_end: Day,
    jurisdiction_id: uuid.UUID | None = None,
    format: Literal["json", "csv", "xlsx"] | None = None,
) -> Response:
    """A place's report for a period (default: your own place): the latest frozen
    version, with every version listed; before it is frozen, what it would freeze now
    (`frozen: false`). Cells not collected yet are null (未采集 in files), never 0.
    `?format=xlsx` is laid out like the paper form: title, reporting line, the form's
    two header rows with merged cells, a row per site kind, 合计, and the places that
    have not submitted; `?format=csv` the same rows, UTF-8 with a BOM."""
    view = await submissions.read_report(
        session,
        actor,
        campaign_id=campaign_id,
        jurisdiction_id=jurisdiction_id,
        period_end=period_end,
    )
    if format is None and "text/csv" in request.headers.get("accept", ""):
        format = "csv"
    if format == "csv":
        return Response(
            form_export.form_csv(view),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": form_export.form_filename(view, "csv")},
        )
    if format == "xlsx":
        return Response(
            form_export.form_xlsx(view),
            media_type=XLSX,
            headers={"Content-Disposition": form_export.form_filename(view, "xlsx")},
        )
    return Response(
        StatsReportPublic.model_validate(_report_json(view)).model_dump_json(),
        media_type="application/json",
    )


@router.get("/stats/submissions", response_model=SubmissionsPublic)
async def list_stats_submissions(
    session: ReportSessionDep,
    actor: MayStatsRead,
    campaign_id: uuid.UUID,
    period_end: Day,
    jurisdiction_id: uuid.UUID | None = None,
) -> SubmissionsPublic:
    """For your place (or `jurisdiction_id` in your area), each place reporting to it and
    its report for the period: `submitted` (frozen by the end of the due day, China
    time), `late` (frozen after), or `missing` (`overdue` once the due day is over),
    with the due date and, when the worker reminded it, when."""
    campaign, place, period, rows = await submissions.list_submissions(
        session,
        actor,
        campaign_id=campaign_id,
        period_end=period_end,
        jurisdiction_id=jurisdiction_id,
    )
    return SubmissionsPublic.model_validate(
        {
            "campaign_id": campaign.id,
            "jurisdiction": place_json(place),
            "period_end": period.end,
            "due_on": period.due,
            "final": period.final,
            "places": [
                {
                    "jurisdiction": place_json(s.place),
                    "status": s.status,
                    "overdue": s.overdue,
                    "due_on": period.due,
                    "submitted_at": s.first.frozen_at if s.first else None,
                    "version": s.latest.version if s.latest else None,
                    "report_id": s.latest.id if s.latest else None,
                    "reminded_at": s.reminded_at,
                }
                for s in rows
            ],
        }
    )


@router.get("/stats/form-template", response_model=FormTemplatePublic)
async def get_stats_form_template(session: SessionDep, actor: MayStatsRead) -> FormTemplatePublic:
    """The national form's template in force: rows (site kinds and the industries they
    take), columns (each a named query, `collected: false` when no records feed it yet)."""
    t = await form_template.template_in_force(session)
    return FormTemplatePublic.model_validate(form_template.template_public(t))


@router.put("/stats/form-template", response_model=FormTemplatePublic)
async def update_stats_form_template(
    body: FormTemplateIn, session: SessionDep, actor: MayReferenceWrite
) -> FormTemplatePublic:
    """Replace the template: a new version, for reports frozen from now on. National:
    only an admin of the national (root) jurisdiction may (403 otherwise)."""
    t = await form_template.update_template(session, actor, data=body.model_dump())
    return FormTemplatePublic.model_validate(form_template.template_public(t))
