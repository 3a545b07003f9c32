"""Another county's team is not found, like everything else outside one's area, and no 404
names an id of another place."""

from __future__ import annotations

import httpx

from app.domain.taxonomy import Role
from tests.api.inspection_world import add_employer, make_team, new_inspection
from tests.factories import World


async def test_a_team_of_another_county_is_a_404_that_names_nothing_of_it(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    foreign_kiln = await add_employer(world, place="foreign")
    outsider = world.headers(Role.inspector, "foreign")
    r = await new_inspection(client, outsider, foreign_kiln, team_id=team.id)
    assert r.status_code == 404, r.text
    assert r.headers["content-type"] == "application/problem+json"
    coordinator = world.headers(Role.coordinator, "foreign")
    r = await client.get(
        "/api/v1/inspections/ledger", headers=coordinator, params={"team_id": team.id}
    )
    assert r.status_code == 404, r.text
    assert team.campaign_id not in r.text
    for method in ("GET", "POST"):
        r = await client.request(
            method,
            f"/api/v1/campaigns/{team.campaign_id}/teams",
            headers=coordinator,
            json={
                "name": "第二组",
                "leader_id": str(world.user(Role.inspector, "foreign").id),
                "township_ids": [str(world.places["town"].id)],
            },
        )
        assert r.status_code == 404, (method, r.text)


async def test_a_member_from_a_township_still_uses_the_county_team(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    kiln = await add_employer(world)
    r = await new_inspection(client, team.of("member"), kiln, team_id=team.id)
    assert r.status_code == 201, r.text
    own = world.headers(Role.inspector)  # in the county, not on the team: told so
    assert (await new_inspection(client, own, kiln, team_id=team.id)).status_code == 403
