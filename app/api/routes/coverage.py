"""Coverage (地毯式、不留死角): which registered employers a campaign has not yet visited."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import MayCampaignsRead, ReportSessionDep
from app.models.coverage_schemas import CoveragePublic, CoverageRowPublic
from app.models.stats import StatsCampaign, StatsPlace
from app.services.reports import coverage

router = APIRouter(prefix="/api/v1", tags=["campaigns"])


@router.get("/campaigns/{campaign_id}/coverage", response_model=CoveragePublic)
async def get_campaign_coverage(
    campaign_id: uuid.UUID,
    request: Request,
    response: Response,
    session: ReportSessionDep,
    actor: MayCampaignsRead,
    jurisdiction_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CoveragePublic:
    """Per township of the place (default: your own; a township or village: itself):
    employers registered, visited in the campaign (an enforcement or follow-up
    inspection, submitted or signed), not yet visited (and how many of those are
    flagged), and self-checked (自查自纠). `not_inspected` lists them, flagged ones
    first (no licence, expired licence, no safety permit), then oldest first, a page
    at a time (`Link: rel="next"`). A team leader (inspector) sees only the townships of
    the teams they lead in the campaign; another place, or an inspector leading none,
    is a 404. The same list for scripts: `GET /employers?not_inspected_in=`."""
    found = await coverage.campaign_coverage(
        session, actor, campaign_id, jurisdiction_id=jurisdiction_id, cursor=cursor, limit=limit
    )
    if found.next_cursor is not None:
        url = request.url.include_query_params(cursor=found.next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
    c, p = found.campaign, found.place
    return CoveragePublic(
        campaign=StatsCampaign(id=c.id, name=c.name, starts_on=c.starts_on, ends_on=c.ends_on),
        jurisdiction=StatsPlace(id=p.id, name=p.name, level=p.level),
        limited_to_teams=found.limited_to_teams,
        registered=found.total("registered"),
        inspected=found.total("inspected"),
        not_inspected_total=found.total("not_inspected"),
        self_checked=found.total("self_checked"),
        townships=[
            CoverageRowPublic(
                jurisdiction=StatsPlace(
                    id=r.jurisdiction.id, name=r.jurisdiction.name, level=r.jurisdiction.level
                ),
                own=r.own,
                registered=r.registered,
                inspected=r.inspected,
                not_inspected=r.not_inspected,
                not_inspected_flagged=r.not_inspected_flagged,
                self_checked=r.self_checked,
            )
            for r in found.rows
        ],
        not_inspected=found.not_inspected,
        next_cursor=found.next_cursor,
    )
