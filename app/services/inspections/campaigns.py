"""Campaigns (专项行动) with their phases, and the inspection teams (检查组) that work them."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor, Permission
from app.errors import Conflict, NotFound, unprocessable
from app.models.accounts import User
from app.models.base import utcnow
from app.models.inspection_schemas import PhaseIn
from app.models.inspections import Campaign, CampaignPhase, Team, TeamMember, TeamTownship
from app.models.reference import Agency, Jurisdiction
from app.services.core import access
from app.services.core.pagination import after, clamp, encode_cursor


@dataclass(frozen=True, slots=True)
class CampaignView:
    campaign: Campaign
    phases: list[CampaignPhase]


@dataclass(frozen=True, slots=True)
class TeamView:
    team: Team
    members: list[tuple[User, Agency]]
    township_ids: list[uuid.UUID]


def _check_phases(starts_on: date, ends_on: date, phases: Sequence[PhaseIn]) -> None:
    if ends_on < starts_on:
        raise unprocessable(["body", "ends_on"], "The campaign ends before it starts.")
    seen: set[str] = set()
    for i, p in enumerate(phases):
        if p.phase.value in seen:
            raise unprocessable(["body", "phases", i, "phase"], f"{p.phase.value} is given twice.")
        seen.add(p.phase.value)
        if p.ends_on < p.starts_on:
            raise unprocessable(
                ["body", "phases", i, "ends_on"], "The phase ends before it starts."
            )
        if p.starts_on < starts_on or p.ends_on > ends_on:
            raise unprocessable(
                ["body", "phases", i, "starts_on" if p.starts_on < starts_on else "ends_on"],
                "Each phase lies within the campaign's dates.",
            )
    ordered = sorted(enumerate(phases), key=lambda ip: ip[1].starts_on)
    for (_, a), (j, b) in itertools.pairwise(ordered):
        if b.starts_on <= a.ends_on:
            raise unprocessable(
                ["body", "phases", j, "starts_on"], f"{b.phase.value} overlaps {a.phase.value}."
            )


async def create_campaign(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    jurisdiction_id: uuid.UUID,
    starts_on: date,
    ends_on: date,
    phases: Sequence[PhaseIn],
) -> CampaignView:
    access.require(actor, Permission.campaigns_write)
    place = await access.get_jurisdiction(session, actor, jurisdiction_id)
    _check_phases(starts_on, ends_on, phases)
    campaign = Campaign(
        name=name,
        jurisdiction_id=place.id,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor.id,
    )
    session.add(campaign)
    await session.flush()
    rows = [
        CampaignPhase(
            campaign_id=campaign.id, phase=p.phase.value, starts_on=p.starts_on, ends_on=p.ends_on
        )
        for p in sorted(phases, key=lambda p: p.starts_on)
    ]
    session.add_all(rows)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "campaign.create",
        "campaign",
        campaign.id,
        after={**auditlog.snapshot(campaign), "phases": [auditlog.snapshot(r) for r in rows]},
        jurisdiction_path=place.path,
    )
    return CampaignView(campaign, rows)


async def _phases(
    session: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CampaignPhase]]:
    out: dict[uuid.UUID, list[CampaignPhase]] = {cid: [] for cid in campaign_ids}
    rows = (
        await session.exec(
            select(CampaignPhase)
            .where(col(CampaignPhase.campaign_id).in_(campaign_ids))
            .order_by(col(CampaignPhase.starts_on))
        )
    ).all()
    for r in rows:
        out[r.campaign_id].append(r)
    return out


async def get_campaign_row(
    session: AsyncSession, actor: Actor, campaign_id: str | uuid.UUID
) -> tuple[Campaign, Jurisdiction]:
    """The campaign and its jurisdiction, if it lies in the actor's area; else NotFound."""
    cid = access.as_uuid(campaign_id, "campaign")
    row = (
        await session.exec(
            select(Campaign, Jurisdiction)
            .join(Jurisdiction, col(Campaign.jurisdiction_id) == col(Jurisdiction.id))
            .where(Campaign.id == cid, access.jurisdiction_scope(actor))
        )
    ).first()
    if row is None:
        raise NotFound(f"No campaign {cid} in your area.")
    return row[0], row[1]


async def get_campaign(
    session: AsyncSession, actor: Actor, campaign_id: str | uuid.UUID
) -> CampaignView:
    campaign, _ = await get_campaign_row(session, actor, campaign_id)
    return CampaignView(campaign, (await _phases(session, [campaign.id]))[campaign.id])


async def list_campaigns(
    session: AsyncSession, actor: Actor, *, cursor: str | None = None, limit: int | None = None
) -> tuple[list[CampaignView], str | None]:
    """Campaigns in the actor's subtree, newest first."""
    n = clamp(limit)
    query = (
        select(Campaign)
        .join(Jurisdiction, col(Campaign.jurisdiction_id) == col(Jurisdiction.id))
        .where(access.jurisdiction_scope(actor))
        .where(
            after(
                [col(Campaign.created_at), col(Campaign.id)],
                cursor,
                [type(utcnow()), uuid.UUID],
                descending=True,
            )
        )
        .order_by(col(Campaign.created_at).desc(), col(Campaign.id).desc())
        .limit(n + 1)
    )
    rows = list((await session.exec(query)).all())
    more = len(rows) > n
    rows = rows[:n]
    phases = await _phases(session, [c.id for c in rows])
    nxt = encode_cursor(rows[-1].created_at, rows[-1].id) if more else None
    return [CampaignView(c, phases[c.id]) for c in rows], nxt


async def _team_users(
    session: AsyncSession, actor: Actor, place: Jurisdiction, user_ids: Sequence[uuid.UUID]
) -> list[tuple[User, Agency]]:
    """The users, each of an agency inside both the campaign's subtree and the actor's area."""
    rows = (
        await session.exec(
            select(User, Agency, Jurisdiction)
            .join(Agency, col(User.agency_id) == col(Agency.id))
            .join(Jurisdiction, col(Agency.jurisdiction_id) == col(Jurisdiction.id))
            .where(col(User.id).in_(user_ids), access.jurisdiction_scope(actor))
        )
    ).all()
    found = {u.id: (u, a) for u, a, j in rows if j.path.startswith(place.path)}
    for i, uid in enumerate(user_ids):
        if uid not in found:
            raise unprocessable(
                ["body", "member_ids", i], f"No user {uid} of an agency in this campaign's area."
            )
    return [found[uid] for uid in user_ids]


async def _townships(
    session: AsyncSession, place: Jurisdiction, township_ids: Sequence[uuid.UUID]
) -> None:
    rows = (
        await session.exec(select(Jurisdiction).where(col(Jurisdiction.id).in_(township_ids)))
    ).all()
    ok = {j.id for j in rows if j.path.startswith(place.path) and j.level == "township"}
    for i, tid in enumerate(township_ids):
        if tid not in ok:
            raise unprocessable(
                ["body", "township_ids", i], f"No township {tid} in this campaign's area."
            )


async def create_team(
    session: AsyncSession,
    actor: Actor,
    *,
    campaign_id: str | uuid.UUID,
    name: str,
    leader_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    township_ids: Sequence[uuid.UUID],
) -> TeamView:
    """A team of users from several agencies; the leader is always a member."""
    access.require(actor, Permission.campaigns_write)
    campaign, place = await get_campaign_row(session, actor, campaign_id)
    ids = list(dict.fromkeys([leader_id, *member_ids]))
    members = await _team_users(session, actor, place, ids)
    towns = list(dict.fromkeys(township_ids))
    await _townships(session, place, towns)
    taken = (
        await session.exec(
            select(Team.id).where(Team.campaign_id == campaign.id, Team.name == name)
        )
    ).first()
    if taken:
        raise Conflict(f"This campaign already has a team named {name}.", existing_id=str(taken))
    team = Team(campaign_id=campaign.id, name=name, leader_id=leader_id)
    session.add(team)
    await session.flush()
    session.add_all([TeamMember(team_id=team.id, user_id=u.id) for u, _ in members])
    session.add_all([TeamTownship(team_id=team.id, jurisdiction_id=t) for t in towns])
    await session.flush()
    auditlog.record(
        session,
        actor,
        "team.create",
        "team",
        team.id,
        after={**auditlog.snapshot(team), "member_ids": ids, "township_ids": towns},
        jurisdiction_path=place.path,
    )
    return TeamView(team, members, towns)


async def _team_views(session: AsyncSession, teams: Sequence[Team]) -> list[TeamView]:
    tids = [t.id for t in teams]
    members = (
        await session.exec(
            select(TeamMember.team_id, User, Agency)
            .join(User, col(TeamMember.user_id) == col(User.id))
            .join(Agency, col(User.agency_id) == col(Agency.id))
            .where(col(TeamMember.team_id).in_(tids))
        )
    ).all()
    towns = (
        await session.exec(select(TeamTownship).where(col(TeamTownship.team_id).in_(tids)))
    ).all()
    out = []
    for t in teams:
        ms = sorted(
            [(u, a) for tid, u, a in members if tid == t.id],
            key=lambda ua: (ua[0].id != t.leader_id, ua[0].display_name),
        )
        out.append(TeamView(t, ms, [x.jurisdiction_id for x in towns if x.team_id == t.id]))
    return out


async def list_teams(
    session: AsyncSession, actor: Actor, campaign_id: str | uuid.UUID
) -> list[TeamView]:
    campaign, _ = await get_campaign_row(session, actor, campaign_id)
    teams = (
        await session.exec(
            select(Team)
            .where(Team.campaign_id == campaign.id)
            .order_by(col(Team.created_at), col(Team.name))
        )
    ).all()
    return await _team_views(session, teams)


async def get_team(
    session: AsyncSession, actor: Actor, team_id: uuid.UUID | str
) -> tuple[Team, list[TeamTownship]]:
    """The team, if its campaign lies in the actor's area or the actor is on it (a township's
    member of a county team); else NotFound, naming nothing but the id that was sent."""
    tid = access.as_uuid(team_id, "team")
    in_area = (
        select(Campaign.id)
        .join(Jurisdiction, col(Campaign.jurisdiction_id) == col(Jurisdiction.id))
        .where(access.jurisdiction_scope(actor))
    )
    member = select(TeamMember.team_id).where(
        col(TeamMember.user_id) == (access.user_id_of(actor) or uuid.UUID(int=0))
    )
    team = (
        await session.exec(
            select(Team).where(
                Team.id == tid, sa.or_(col(Team.campaign_id).in_(in_area), col(Team.id).in_(member))
            )
        )
    ).first()
    if team is None:
        raise NotFound(f"No team {tid} in your area.")
    towns = (await session.exec(select(TeamTownship).where(TeamTownship.team_id == team.id))).all()
    return team, list(towns)


async def team_member_ids(session: AsyncSession, team_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        (await session.exec(select(TeamMember.user_id).where(TeamMember.team_id == team_id))).all()
    )
