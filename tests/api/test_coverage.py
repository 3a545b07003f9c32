"""Done when: after a day of inspections the coverage shows which registered kilns were not
yet visited (地毯式、不留死角), per township, flagged ones first; team leaders see theirs."""

from __future__ import annotations

from datetime import date

import httpx

from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from tests.api.inspection_world import add_employer, add_place, make_team, new_inspection
from tests.api.report_world import inspect
from tests.factories import World


async def _licensed_kiln(client: httpx.AsyncClient, world: World, name: str, place: str) -> str:
    r = await client.post(
        "/api/v1/employers",
        headers=world.headers(Role.coordinator),
        json={
            "name": name,
            "industry": "brick_kiln",
            "jurisdiction_id": str(world.places[place].id),
            "licences": [{"kind": "business", "number": "130983000012345"}],
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["flags"] == []
    return str(r.json()["id"])


async def test_after_a_day_of_inspections_the_unvisited_kilns_are_listed(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    await add_place(world, "南排河镇")
    await add_place(world, "赵家海村", parent="town", level=JurisdictionLevel.village)
    team = await make_team(client, world, towns=("town",))
    visited = await add_employer(world, place="赵家海村", name="赵家海砖窑厂")
    submitted = await add_employer(world, name="大坪砖窑厂")
    licensed = await _licensed_kiln(client, world, "梨园砖窑厂", "town")
    unlicensed = await add_employer(world, name="无照砖窑厂")  # no licence: flagged
    elsewhere = await add_employer(world, place="南排河镇", name="南排河矿山", industry="mine")
    await inspect(client, team, visited)
    await inspect(client, team, submitted, sign=False)  # the team was there; signing waits
    r = await new_inspection(
        client,
        world.headers(Role.inspector),
        unlicensed,
        kind="self_check",
        campaign_id=team.campaign_id,
    )
    self_check = r.json()["id"]
    await client.post(
        f"/api/v1/inspections/{self_check}/submit", headers=world.headers(Role.inspector)
    )
    r = await client.post(
        f"/api/v1/inspections/{self_check}/sign", headers=world.headers(Role.inspector)
    )
    assert r.json()["status"] == "signed", r.text
    r = await new_inspection(  # a draft is not a visit yet
        client, team.of("leader"), licensed, campaign_id=team.campaign_id, team_id=team.id
    )
    assert r.status_code == 201 and r.json()["status"] == "draft"

    url = f"/api/v1/campaigns/{team.campaign_id}/coverage"
    r = await client.get(url, headers=world.headers(Role.coordinator))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["registered"], body["inspected"], body["not_inspected_total"]) == (5, 2, 3)
    assert body["self_checked"] == 1 and body["limited_to_teams"] is False
    towns = {row["jurisdiction"]["name"]: row for row in body["townships"]}
    assert set(towns) == {"黄骅镇", "南排河镇"}
    town = towns["黄骅镇"]
    assert (town["registered"], town["inspected"], town["not_inspected"]) == (4, 2, 2)
    assert town["not_inspected_flagged"] == 1 and town["self_checked"] == 1
    assert (towns["南排河镇"]["registered"], towns["南排河镇"]["not_inspected"]) == (1, 1)
    listed = [e["name"] for e in body["not_inspected"]]
    assert listed[-1] == "梨园砖窑厂"  # the only one with a licence comes after the flagged
    assert set(listed) == {"无照砖窑厂", "南排河矿山", "梨园砖窑厂"}
    assert str(visited) not in r.text.split('"not_inspected":[', 1)[1]

    # a page at a time, the cursor keeping the flagged-first order
    first = (
        await client.get(url, params={"limit": 2}, headers=world.headers(Role.coordinator))
    ).json()
    assert first["next_cursor"] and len(first["not_inspected"]) == 2
    rest = await client.get(
        url,
        params={"limit": 2, "cursor": first["next_cursor"]},
        headers=world.headers(Role.coordinator),
    )
    paged = [e["name"] for e in first["not_inspected"] + rest.json()["not_inspected"]]
    assert paged == listed and rest.json()["next_cursor"] is None

    # the same list for scripts, on the employers route
    r = await client.get(
        "/api/v1/employers",
        params={
            "not_inspected_in": team.campaign_id,
            "jurisdiction_id": str(world.places["town"].id),
        },
        headers=world.headers(Role.inspector),
    )
    assert r.status_code == 200, r.text
    assert {e["id"] for e in r.json()["items"]} == {str(unlicensed), licensed}
    r = await client.get(
        "/api/v1/employers",
        params={"not_inspected_in": team.campaign_id, "flag": "no_business_licence"},
        headers=world.headers(Role.coordinator),
    )
    assert {e["id"] for e in r.json()["items"]} == {str(unlicensed), str(elsewhere)}


async def test_a_team_leader_sees_the_townships_of_the_team(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    await add_place(world, "南排河镇")
    team = await make_team(client, world, towns=("town",))
    await add_employer(world, name="黄骅镇砖窑厂")
    await add_employer(world, place="南排河镇", name="南排河矿山", industry="mine")
    url = f"/api/v1/campaigns/{team.campaign_id}/coverage"
    r = await client.get(url, headers=team.of("leader"))
    assert r.status_code == 200, r.text
    assert r.json()["limited_to_teams"] is True
    assert [t["jurisdiction"]["name"] for t in r.json()["townships"]] == ["黄骅镇"]
    assert [e["name"] for e in r.json()["not_inspected"]] == ["黄骅镇砖窑厂"]
    other = str(world.places["南排河镇"].id)
    r = await client.get(url, params={"jurisdiction_id": other}, headers=team.of("leader"))
    assert r.status_code == 404
    r = await client.get(url, headers=team.of("member"))  # leads no team
    assert r.status_code == 404


async def test_coverage_outside_your_area_is_not_found(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world, towns=("town",))
    url = f"/api/v1/campaigns/{team.campaign_id}/coverage"
    foreign = world.headers(Role.coordinator, "foreign")
    assert (await client.get(url, headers=foreign)).status_code == 404
    r = await client.get(
        url,
        params={"jurisdiction_id": str(world.places["foreign"].id)},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 404
    r = await client.get(
        "/api/v1/employers",
        params={"not_inspected_in": team.campaign_id},
        headers=foreign,
    )
    assert r.status_code == 404
    _, police = await world.add_user(Role.agency_officer, AgencyKind.police)
    assert (await client.get(url, headers=police)).status_code == 403
