"""Drafting inspections: headcount rules, where a team may inspect, findings, flags, lists."""

from __future__ import annotations

import httpx
import pytest

from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from tests.api.inspection_world import (
    KILN_HEADCOUNT,
    add_employer,
    add_place,
    make_campaign,
    make_team,
    new_inspection,
)
from tests.factories import World


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"migrant": 6}, "migrant"),
        ({"children_under_16": 20}, "children_under_16"),
        ({"contracts_signed": 25}, "contracts_signed"),
        ({"female": -1}, "female"),
    ],
)
async def test_an_inconsistent_headcount_is_422_naming_the_field(
    client: httpx.AsyncClient, world: World, change: dict[str, int], field: str
) -> None:
    kiln = await add_employer(world)
    r = await new_inspection(
        client, world.headers(Role.inspector), kiln, headcount={**KILN_HEADCOUNT, **change}
    )
    assert r.status_code == 422, r.text
    assert ["body", "headcount", field] in [e["loc"] for e in r.json()["errors"]]


async def test_without_a_team_the_inspectors_own_area_applies(
    client: httpx.AsyncClient, world: World
) -> None:
    home_kiln = await add_employer(world)
    far_kiln = await add_employer(world, place="foreign")
    h = world.headers(Role.inspector)
    r = await new_inspection(client, h, home_kiln, kind="self_check")
    assert r.status_code == 201 and r.json()["status"] == "draft"
    assert r.json()["team_id"] is None
    assert (await new_inspection(client, h, far_kiln)).status_code == 404


async def test_a_team_inspects_only_in_its_townships(
    client: httpx.AsyncClient, world: World
) -> None:
    await add_place(world, "羊二庄镇")
    team = await make_team(client, world, towns=("town",))
    await add_place(world, "某村", parent="town", level=JurisdictionLevel.village)
    in_village = await add_employer(world, place="某村")
    other_town = await add_employer(world, place="羊二庄镇")
    far = await add_employer(world, place="foreign")
    r = await new_inspection(client, team.of("member"), in_village, team_id=team.id)
    assert r.status_code == 201, r.text
    assert r.json()["campaign_id"] == team.campaign_id
    r = await new_inspection(client, team.of("member"), other_town, team_id=team.id)
    assert r.status_code == 403
    assert (
        await new_inspection(client, team.of("member"), far, team_id=team.id)
    ).status_code == 404
    _, oh = await world.add_user(Role.inspector, AgencyKind.tax)
    r = await new_inspection(client, oh, in_village, team_id=team.id)
    assert r.status_code == 403


async def test_findings_need_a_known_violation_type_and_clear_flags(
    client: httpx.AsyncClient, world: World
) -> None:
    kiln = await add_employer(world)
    h = world.headers(Role.inspector)
    r = await new_inspection(
        client, h, kiln, checklist={"child_labour": "not_compliant", "licences": "compliant"}
    )
    url = f"/api/v1/inspections/{r.json()['id']}"
    assert r.json()["flags"] == ["child_labour"]
    r = await client.post(
        f"{url}/findings", headers=h, json={"violation_type": "no_such_type", "description": "x"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "violation_type"]
    r = await client.post(
        f"{url}/findings",
        headers=h,
        json={
            "violation_type": "child_labour",
            "description": "两名14岁童工",
            "workers_affected": 2,
            "amount_owed": "1200.50",
        },
    )
    assert r.status_code == 201
    got = (await client.get(url, headers=world.headers(Role.auditor))).json()
    assert got["flags"] == []
    assert got["findings"][0]["amount_owed"] in ("1200.50", 1200.5)
    assert got["checklist"] == {"child_labour": "not_compliant", "licences": "compliant"}


async def test_only_the_inspector_or_the_team_writes_and_others_may_read(
    client: httpx.AsyncClient, world: World
) -> None:
    kiln = await add_employer(world)
    r = await new_inspection(client, world.headers(Role.inspector), kiln)
    url = f"/api/v1/inspections/{r.json()['id']}"
    _, colleague = await world.add_user(Role.inspector, AgencyKind.labour)
    r = await client.post(
        f"{url}/findings",
        headers=colleague,
        json={"violation_type": "wage_arrears", "description": "欠薪"},
    )
    assert r.status_code == 403
    assert (await client.get(url, headers=colleague)).status_code == 200
    foreign = world.headers(Role.coordinator, "foreign")
    assert (await client.get(url, headers=foreign)).status_code == 404


async def test_patch_corrects_a_draft_with_the_same_rules(
    client: httpx.AsyncClient, world: World
) -> None:
    kiln = await add_employer(world)
    h = world.headers(Role.inspector)
    r = await new_inspection(client, h, kiln, checklist={"insurance": "not_checked"})
    url = f"/api/v1/inspections/{r.json()['id']}"
    r = await client.patch(url, headers=h, json={"headcount": {**KILN_HEADCOUNT, "local": 15}})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "headcount", "migrant"]
    r = await client.patch(
        url,
        headers=h,
        json={
            "checklist": {"insurance": "not_compliant"},
            "headcount": {**KILN_HEADCOUNT, "female": 3},
        },
    )
    assert r.status_code == 200
    assert r.json()["headcount"]["female"] == 3 and r.json()["flags"] == ["insurance"]


async def test_the_list_filters_pages_and_is_scoped(
    client: httpx.AsyncClient, world: World
) -> None:
    await add_place(world, "羊二庄镇")
    team = await make_team(client, world, towns=("town", "羊二庄镇"))
    a = await add_employer(world, place="town")
    b = await add_employer(world, place="羊二庄镇", name="某家具厂", industry="furniture")
    ids = []
    for employer in (a, b):
        r = await new_inspection(client, team.of("leader"), employer, team_id=team.id)
        ids.append(r.json()["id"])
    solo = (await new_inspection(client, world.headers(Role.inspector), a)).json()["id"]
    await client.post(f"/api/v1/inspections/{ids[0]}/submit", headers=team.of("leader"))
    h = world.headers(Role.coordinator)

    async def listed(**params: str) -> list[str]:
        r = await client.get("/api/v1/inspections", headers=h, params=params)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert await listed() == [solo, ids[1], ids[0]]
    assert await listed(team_id=team.id) == [ids[1], ids[0]]
    assert await listed(campaign_id=team.campaign_id) == [ids[1], ids[0]]
    assert await listed(township_id=str(world.places["羊二庄镇"].id)) == [ids[1]]
    assert await listed(status="submitted") == [ids[0]]
    first = await client.get("/api/v1/inspections", headers=h, params={"limit": "2"})
    assert 'rel="next"' in first.headers["link"]
    rest = await listed(limit="2", cursor=first.json()["next_cursor"])
    assert [i["id"] for i in first.json()["items"]] + rest == [solo, ids[1], ids[0]]
    foreign = world.headers(Role.coordinator, "foreign")
    r = await client.get("/api/v1/inspections", headers=foreign)
    assert r.json()["items"] == []


async def test_a_campaign_inspection_stays_in_the_campaigns_area(
    client: httpx.AsyncClient, world: World
) -> None:
    other = await add_place(world, "羊二庄镇")
    cid = await make_campaign(client, world, jurisdiction_id=str(other), phases=[])
    kiln = await add_employer(world)
    h = world.headers(Role.inspector)
    r = await new_inspection(client, h, kiln, campaign_id=cid)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "campaign_id"]
    inside = await add_employer(world, place="羊二庄镇")
    assert (await new_inspection(client, h, inside, campaign_id=cid)).status_code == 201
