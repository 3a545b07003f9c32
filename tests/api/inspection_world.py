"""Setup shared by the campaign and inspection tests: employers, a second township, a team."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.models.accounts import User
from app.models.employers import Employer
from app.services.registry import reference
from tests.factories import World

KILN_HEADCOUNT = {
    "total": 19,
    "local": 14,
    "migrant": 5,
    "female": 0,
    "minors_16_18": 0,
    "children_under_16": 0,
    "contracts_signed": 10,
}
PHASES = [
    {"phase": "publicity", "starts_on": "2026-07-01", "ends_on": "2026-07-05"},
    {"phase": "self_check", "starts_on": "2026-07-06", "ends_on": "2026-07-10"},
    {"phase": "enforcement", "starts_on": "2026-07-11", "ends_on": "2026-07-25"},
    {"phase": "rectification", "starts_on": "2026-07-26", "ends_on": "2026-07-31"},
]


async def add_place(
    world: World,
    name: str,
    parent: str = "home",
    level: JurisdictionLevel = JurisdictionLevel.township,
) -> uuid.UUID:
    async with transaction(world.db.sessionmaker) as session:
        place = await reference.create_jurisdiction(
            session, SYSTEM_ACTOR, name=name, level=level, parent_id=world.places[parent].id
        )
    world.places[name] = place
    return place.id


async def add_employer(
    world: World, place: str = "town", name: str = "某村砖窑厂", industry: str = "brick_kiln"
) -> uuid.UUID:
    async with transaction(world.db.sessionmaker) as session:
        employer = Employer(
            name=name, industry=industry, jurisdiction_id=world.places[place].id, address="村东"
        )
        session.add(employer)
        await session.flush()
    return employer.id


@dataclass
class Team:
    campaign_id: str
    id: str
    leader: User
    member: User
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def of(self, who: str) -> dict[str, str]:
        return self.headers[who]


async def make_campaign(client: httpx.AsyncClient, world: World, **over: Any) -> str:
    body = {
        "name": "整治非法用工打击违法犯罪专项行动",
        "jurisdiction_id": str(world.places["home"].id),
        "starts_on": "2026-07-01",
        "ends_on": "2026-07-31",
        "phases": PHASES,
        **over,
    }
    r = await client.post("/api/v1/campaigns", json=body, headers=world.headers(Role.coordinator))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def make_team(
    client: httpx.AsyncClient,
    world: World,
    *,
    towns: tuple[str, ...] = ("town",),
    campaign_id: str | None = None,
) -> Team:
    """第一组: a labour leader and a police member, covering `towns`."""
    cid = campaign_id or await make_campaign(client, world)
    leader, lh = await world.add_user(Role.inspector, AgencyKind.labour)
    member, mh = await world.add_user(Role.inspector, AgencyKind.police)
    r = await client.post(
        f"/api/v1/campaigns/{cid}/teams",
        headers=world.headers(Role.coordinator),
        json={
            "name": "第一组",
            "leader_id": str(leader.id),
            "member_ids": [str(member.id)],
            "township_ids": [str(world.places[t].id) for t in towns],
        },
    )
    assert r.status_code == 201, r.text
    return Team(cid, r.json()["id"], leader, member, {"leader": lh, "member": mh})


async def new_inspection(
    client: httpx.AsyncClient, headers: dict[str, str], employer_id: uuid.UUID, **over: Any
) -> httpx.Response:
    body = {
        "employer_id": str(employer_id),
        "kind": "enforcement",
        "visited_on": "2026-07-12",
        "headcount": KILN_HEADCOUNT,
        **over,
    }
    return await client.post("/api/v1/inspections", json=body, headers=headers)
