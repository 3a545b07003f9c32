"""Campaigns (专项行动), their phases, and inspection teams (检查组)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.api.deps import MayCampaignsRead, MayCampaignsWrite, SessionDep
from app.api.idempotency import IdempotencyDep
from app.api.paging import page_of
from app.models.common import Page
from app.models.inspection_schemas import (
    CampaignCreate,
    CampaignPublic,
    PhasePublic,
    TeamCreate,
    TeamMemberPublic,
    TeamPublic,
)
from app.services.inspections import campaigns
from app.services.inspections.campaigns import CampaignView, TeamView

router = APIRouter(prefix="/api/v1", tags=["campaigns"])

Limit = Annotated[int, Query(ge=1, le=200)]


def campaign_public(view: CampaignView) -> CampaignPublic:
    c = view.campaign
    return CampaignPublic(
        id=c.id,
        name=c.name,
        jurisdiction_id=c.jurisdiction_id,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        created_at=c.created_at,
        phases=[PhasePublic.model_validate(p) for p in view.phases],
    )


def team_public(view: TeamView) -> TeamPublic:
    t = view.team
    return TeamPublic(
        id=t.id,
        campaign_id=t.campaign_id,
        name=t.name,
        leader_id=t.leader_id,
        township_ids=view.township_ids,
        members=[
            TeamMemberPublic(
                id=u.id, display_name=u.display_name, agency_id=a.id, agency_kind=a.kind
            )
            for u, a in view.members
        ],
    )


@router.post("/campaigns", status_code=status.HTTP_201_CREATED, response_model=CampaignPublic)
async def create_campaign(
    body: CampaignCreate,
    session: SessionDep,
    actor: MayCampaignsWrite,
    idem: IdempotencyDep,
) -> Response:
    """Start a campaign in your area with its phases (宣传发动, 自查自纠, 执法检查, 整改处理).

    Each phase lies within the campaign's dates and no two overlap; a broken
    rule is a 422 whose `loc` names the phase. Accepts `Idempotency-Key`."""
    view = await campaigns.create_campaign(
        session,
        actor,
        name=body.name,
        jurisdiction_id=body.jurisdiction_id,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        phases=body.phases,
    )
    return await idem.respond(201, campaign_public(view))


@router.get("/campaigns", response_model=Page[CampaignPublic])
async def list_campaigns(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayCampaignsRead,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[CampaignPublic]:
    """Campaigns in your area, newest first."""
    views, nxt = await campaigns.list_campaigns(session, actor, cursor=cursor, limit=limit)
    return page_of(CampaignPublic, [campaign_public(v) for v in views], nxt, request, response)


@router.get("/campaigns/{campaign_id}", response_model=CampaignPublic)
async def get_campaign(
    campaign_id: uuid.UUID, session: SessionDep, actor: MayCampaignsRead
) -> CampaignPublic:
    """One campaign with its phases; outside your area → 404."""
    return campaign_public(await campaigns.get_campaign(session, actor, campaign_id))


@router.post(
    "/campaigns/{campaign_id}/teams", status_code=status.HTTP_201_CREATED, response_model=TeamPublic
)
async def create_team(
    campaign_id: uuid.UUID,
    body: TeamCreate,
    session: SessionDep,
    actor: MayCampaignsWrite,
    idem: IdempotencyDep,
) -> Response:
    """Form an inspection team: staff of several agencies, the townships it covers.

    The leader is always a member. Members and townships must lie within the
    campaign's jurisdiction and your area (422 naming the id otherwise). A
    member inspects only employers in the team's townships. Accepts `Idempotency-Key`."""
    view = await campaigns.create_team(
        session,
        actor,
        campaign_id=campaign_id,
        name=body.name,
        leader_id=body.leader_id,
        member_ids=body.member_ids,
        township_ids=body.township_ids,
    )
    return await idem.respond(201, team_public(view))


@router.get("/campaigns/{campaign_id}/teams", response_model=list[TeamPublic])
async def list_teams(
    campaign_id: uuid.UUID, session: SessionDep, actor: MayCampaignsRead
) -> list[TeamPublic]:
    """The campaign's teams, each with its members (leader first) and townships."""
    return [team_public(v) for v in await campaigns.list_teams(session, actor, campaign_id)]
