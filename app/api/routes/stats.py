"""The statistics table (统计表) of a campaign, as JSON, CSV or XLSX, and its sign-off."""

from __future__ import annotations

import uuid
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request, Response, status

from app.api.deps import MayStatsRead, MayStatsWrite, ReportSessionDep, SessionDep
from app.models.common import Day
from app.models.stats import StatsSignoffIn, StatsTablePublic
from app.services.reports import stats, stats_export, summary

router = APIRouter(prefix="/api/v1", tags=["stats"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get(
    "/stats",
    response_model=StatsTablePublic,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def read_stats(
    request: Request,
    session: ReportSessionDep,
    actor: MayStatsRead,
    campaign_id: uuid.UUID | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    format: Literal["json", "csv", "xlsx"] | None = None,
) -> Response:
    """The campaign's statistics for a place in your area (default: your own jurisdiction).

    Without `campaign_id`: the campaign under way today (China's date) in your area or
    above it (a city-wide campaign counts for each county), else the one that started
    last; the response's `campaign` names it. 404 when your area has none.

    One row per child jurisdiction, each over its whole subtree (township ›
    county › city › province), plus an `own: true` row for what lies on the
    place itself when there is any; `total` is their sum. Inspections count when
    signed in the campaign (an amendment replaces what it corrects); workers
    covered come from each employer's latest such inspection; tips and cases
    count when received/opened within the campaign's dates, actions and
    rectifications when they belong to such a case. Money is a string with two
    decimals. Once signed off, the frozen figures are returned with
    `signed_off`. `?format=csv` (or `Accept: text/csv`) gives UTF-8 CSV with a
    BOM and Chinese headers, `?format=xlsx` a workbook; both end with 合计.

    Read from the streaming replica when one is configured (`X-Read-From`,
    `X-Replica-Lag`: see report_session)."""
    table = await stats.compute_stats(
        session, actor, campaign_id=campaign_id, jurisdiction_id=jurisdiction_id
    )
    if format is None and "text/csv" in request.headers.get("accept", ""):
        format = "csv"
    if format == "csv":
        return Response(
            stats_export.stats_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": stats_export.stats_filename(table, "csv")},
        )
    if format == "xlsx":
        return Response(
            stats_export.stats_xlsx(table),
            media_type=XLSX,
            headers={"Content-Disposition": stats_export.stats_filename(table, "xlsx")},
        )
    return Response(
        StatsTablePublic.model_validate(table.as_json()).model_dump_json(),
        media_type="application/json",
    )


@router.post("/stats/signoff", status_code=status.HTTP_201_CREATED, response_model=StatsTablePublic)
async def sign_off_stats(
    body: StatsSignoffIn, session: SessionDep, actor: MayStatsWrite
) -> StatsTablePublic:
    """Sign off (签字确认) the campaign's table for a place: its figures as computed now are
    frozen, and every later read returns them. Once per campaign, place and period: 409
    after that."""
    table = await stats.sign_off_stats(
        session, actor, campaign_id=body.campaign_id, jurisdiction_id=body.jurisdiction_id
    )
    return StatsTablePublic.model_validate(table.as_json())


@router.get(
    "/stats/summary",
    response_class=Response,
    responses={200: {"content": {DOCX: {}, "text/markdown": {}}}},
)
async def draft_stats_summary(
    session: ReportSessionDep,
    actor: MayStatsRead,
    campaign_id: uuid.UUID | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    period_end: Day | None = None,
    format: Literal["docx", "md"] = "docx",
) -> Response:
    """The written summary (工作总结) of the campaign for a place of your area (default: your
    own), drafted in the order and words of the campaign's own summaries: 一 leadership
    and organisation (phases, teams and who was drawn from where), 二 publicity (what
    `POST /campaigns/{id}/publicity` recorded) and tips received by channel and handled,
    三 inspections (people, villages, sites by kind; up to ten sites one by one with their
    workers, local and by home province, and what the checklist and findings showed),
    四 problems found and how they were dealt with, 五 next steps.

    Figures: when the place has frozen its periodic report for `period_end` (not given:
    for the latest period on or before today it froze), every figure the report holds
    comes from its latest version, its other columns are quoted in 四 in the form's own
    words, and the draft is dated by the period's end; what the report does not hold
    (teams, villages, each site's checklist, findings by type, tips by channel) is read
    from the records as they stood when it was frozen, and printed only where it adds up
    to the report. Otherwise the figures are the statistics table (the signed-off one
    when the place signed off) as of today, and the draft is dated today. The closing
    note (起草说明) says which: the report's period, version, who froze it and when, and
    the places below that had not submitted; or that the figures are live and not yet
    reported. A sentence the records cannot support is left out or marked 【待补充】 for
    the office. Protective-umbrella findings are left out for who may not see them.
    `format=docx` (default) is an editable Word file with Chinese fonts set, `md` the same
    text as Markdown. Campaign choice as for `GET /stats`."""
    drafted = await summary.draft_for(
        session,
        actor,
        campaign_id=campaign_id,
        jurisdiction_id=jurisdiction_id,
        period_end=period_end,
    )
    zh = quote(f"{drafted.filename}.{format}")
    disposition = f"attachment; filename=\"summary.{format}\"; filename*=UTF-8''{zh}"
    if format == "md":
        return Response(
            drafted.markdown,
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )
    return Response(drafted.docx, media_type=DOCX, headers={"Content-Disposition": disposition})
