"""Campaigns with phases, and teams drawn from several agencies."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.models.reference import Jurisdiction
from app.services.demo import demo
from app.services.inspections.campaigns import list_campaigns, list_teams
from tests.api.inspection_world import PHASES, add_place, make_campaign
from tests.conftest import TestDatabase
from tests.factories import World


async def test_a_campaign_keeps_its_phases_in_order(
    client: httpx.AsyncClient, world: World
) -> None:
    cid = await make_campaign(client, world, phases=list(reversed(PHASES)))
    r = await client.get(f"/api/v1/campaigns/{cid}", headers=world.headers(Role.inspector))
    assert r.status_code == 200
    assert [p["phase"] for p in r.json()["phases"]] == [
        "publicity",
        "self_check",
        "enforcement",
        "rectification",
    ]
    listed = await client.get("/api/v1/campaigns", headers=world.headers(Role.auditor))
    assert [c["id"] for c in listed.json()["items"]] == [cid]


async def test_another_countys_campaign_is_not_found(
    client: httpx.AsyncClient, world: World
) -> None:
    cid = await make_campaign(client, world)
    foreign = world.headers(Role.coordinator, "foreign")
    assert (await client.get(f"/api/v1/campaigns/{cid}", headers=foreign)).status_code == 404
    assert (await client.get("/api/v1/campaigns", headers=foreign)).json()["items"] == []
    r = await client.post(
        "/api/v1/campaigns",
        headers=foreign,
        json={
            "name": "x",
            "jurisdiction_id": str(world.places["home"].id),
            "starts_on": "2026-07-01",
            "ends_on": "2026-07-31",
            "phases": [],
        },
    )
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("phases", "loc"),
    [
        (
            [{"phase": "publicity", "starts_on": "2026-06-30", "ends_on": "2026-07-05"}],
            ["body", "phases", 0, "starts_on"],
        ),
        (
            [
                PHASES[0],
                {"phase": "rectification", "starts_on": "2026-07-26", "ends_on": "2026-08-02"},
            ],
            ["body", "phases", 1, "ends_on"],
        ),
        (
            [
                PHASES[0],
                {"phase": "self_check", "starts_on": "2026-07-05", "ends_on": "2026-07-10"},
            ],
            ["body", "phases", 1, "starts_on"],
        ),
        (
            [{"phase": "publicity", "starts_on": "2026-07-05", "ends_on": "2026-07-01"}],
            ["body", "phases", 0, "ends_on"],
        ),
        ([PHASES[0], PHASES[0]], ["body", "phases", 1, "phase"]),
    ],
)
async def test_phases_outside_the_campaign_or_overlapping_are_422(
    client: httpx.AsyncClient, world: World, phases: list[dict[str, str]], loc: list[object]
) -> None:
    r = await client.post(
        "/api/v1/campaigns",
        headers=world.headers(Role.coordinator),
        json={
            "name": "专项行动",
            "jurisdiction_id": str(world.places["home"].id),
            "starts_on": "2026-07-01",
            "ends_on": "2026-07-31",
            "phases": phases,
        },
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == loc


async def test_a_team_mixes_agencies_and_its_leader_is_a_member(
    client: httpx.AsyncClient, world: World
) -> None:
    cid = await make_campaign(client, world)
    leader, _ = await world.add_user(Role.inspector, AgencyKind.police)
    union, _ = await world.add_user(Role.inspector, AgencyKind.union)
    commerce, _ = await world.add_user(Role.inspector, AgencyKind.commerce)
    r = await client.post(
        f"/api/v1/campaigns/{cid}/teams",
        headers=world.headers(Role.coordinator),
        json={
            "name": "第二组",
            "leader_id": str(leader.id),
            "member_ids": [str(union.id), str(commerce.id)],
            "township_ids": [str(world.places["town"].id)],
        },
    )
    assert r.status_code == 201, r.text
    team = r.json()
    assert team["members"][0]["id"] == str(leader.id)
    assert {m["agency_kind"] for m in team["members"]} == {"police", "union", "commerce"}
    got = await client.get(f"/api/v1/campaigns/{cid}/teams", headers=world.headers(Role.inspector))
    assert got.json()[0]["township_ids"] == [str(world.places["town"].id)]


async def test_team_members_and_townships_come_from_the_campaigns_area(
    client: httpx.AsyncClient, world: World
) -> None:
    cid = await make_campaign(client, world)
    leader, _ = await world.add_user(Role.inspector, AgencyKind.labour)
    outsider, _ = await world.add_user(Role.inspector, AgencyKind.labour, "foreign")
    far_town = await add_place(world, "河城街镇", parent="foreign")
    town = str(world.places["town"].id)
    url, h = f"/api/v1/campaigns/{cid}/teams", world.headers(Role.coordinator)
    r = await client.post(
        url,
        headers=h,
        json={
            "name": "a",
            "leader_id": str(leader.id),
            "member_ids": [str(outsider.id)],
            "township_ids": [town],
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "member_ids", 1]
    for bad in (str(far_town), str(world.places["home"].id)):
        r = await client.post(
            url,
            headers=h,
            json={"name": "a", "leader_id": str(leader.id), "township_ids": [town, bad]},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "township_ids", 1]
    assert (await client.get(url, headers=h)).json() == []


async def test_the_demo_campaign_has_the_documents_three_teams(db: TestDatabase) -> None:
    for _ in range(2):
        async with transaction(db.sessionmaker) as session:
            await demo.load_demo(session, db.settings)
    async with transaction(db.sessionmaker) as session:
        views, _ = await list_campaigns(session, SYSTEM_ACTOR)
        assert len(views) == 1 and len(views[0].phases) == 4
        teams = await list_teams(session, SYSTEM_ACTOR, views[0].campaign.id)
        towns = {
            j.id: j.name
            for j in (
                await session.exec(
                    select(Jurisdiction).where(
                        Jurisdiction.level == JurisdictionLevel.township.value
                    )
                )
            ).all()
        }
    by_name = {t.team.name: t for t in teams}
    assert sorted(by_name) == ["第一组", "第三组", "第二组"]
    assert {towns[t] for t in by_name["第一组"].township_ids} == {
        "黄骅镇",
        "羊二庄镇",
        "羊三木乡",
        "南排河镇",
    }
    assert {towns[t] for t in by_name["第二组"].township_ids} == {"旧城镇", "常郭镇", "滕庄子乡"}
    leaders = {
        name: next(a.kind for u, a in t.members if u.id == t.team.leader_id)
        for name, t in by_name.items()
    }
    assert leaders == {"第一组": "labour", "第二组": "police", "第三组": "commerce"}
    assert all(len({a.kind for _, a in t.members}) >= 2 for t in teams)
