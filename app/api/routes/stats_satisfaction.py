"""Satisfaction rates (满意率) beside the statistics table."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.api.deps import MayStatsRead, ReportSessionDep
from app.models.common import Day
from app.models.reporter_loop import SatisfactionRow, SatisfactionStats
from app.services.reports import satisfaction_stats
from app.services.reports.satisfaction_stats import Row

router = APIRouter(prefix="/api/v1", tags=["stats"])


def _row(r: Row) -> SatisfactionRow:
    return SatisfactionRow(
        agency_id=r.agency.id,
        agency_name=r.agency.name,
        kind=r.agency.kind,
        jurisdiction_id=r.agency.jurisdiction_id,
        answered=r.rate.answered,
        satisfied=r.rate.satisfied,
        unsatisfied=r.rate.unsatisfied,
        rate=r.rate.rate,
        rehandling_requests=r.rehandling_requests,
    )


@router.get("/stats/satisfaction", response_model=SatisfactionStats)
async def get_satisfaction_stats(
    session: ReportSessionDep,
    actor: MayStatsRead,
    jurisdiction_id: uuid.UUID | None = None,
    since: Day | None = None,
    until: Day | None = None,
) -> SatisfactionStats:
    """Reporters' satisfaction per office and per agency: `answered`, `satisfied`,
    `unsatisfied`, `rate` (satisfied / answered, null when none answered) and the
    re-handling requests (重办) opened. Answers by web and by callback, each tip's latest;
    an agency counts every case it worked. `since`/`until` bound when the answer was
    given (China days, inclusive); `jurisdiction_id` narrows to a place of your area."""
    found = await satisfaction_stats.satisfaction_stats(
        session, actor, jurisdiction_id=jurisdiction_id, since=since, until=until
    )
    return SatisfactionStats(
        jurisdiction_id=found.jurisdiction_id,
        since=found.since,
        until=found.until,
        offices=[_row(r) for r in found.offices],
        agencies=[_row(r) for r in found.agencies],
    )
