"""Issue 4's done-when, over HTTP: child labour with confiscated IDs at a kiln in 黄骅市."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.domain.taxonomy import AgencyKind, Role
from app.models.base import utcnow
from tests.cases_support import make_employer
from tests.conftest import TestDatabase
from tests.factories import World

TYPES = ["child_labour", "id_document_detention"]


async def _open(client: httpx.AsyncClient, world: World, db: TestDatabase) -> dict[str, Any]:
    employer_id = await make_employer(db, world)
    r = await client.post(
        "/api/v1/cases",
        headers=world.headers(Role.coordinator),
        json={
            "employer_id": str(employer_id),
            "violation_types": TYPES,
            "description": "窑内发现童工两名，工人身份证被扣",
        },
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_child_labour_with_ids_taken_reaches_police_labour_civil_affairs_only(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    before = utcnow()
    case = await _open(client, world, db)
    assert case["severity"] == "critical"
    got = {a["agency"]["id"]: a for a in case["assignments"]}
    police = world.agency(AgencyKind.police)
    # DESIGN.md: child_labour is labour's (lead) with police and civil affairs; ID
    # detention is labour's too (劳动合同法 第84条), police also; one assignment per agency.
    labour = world.agency(AgencyKind.labour)
    expected = {
        str(police.id): "also",
        str(labour.id): "lead",
        str(world.agency(AgencyKind.civil_affairs).id): "also",
    }
    assert {k: v["role"] for k, v in got.items()} == expected
    lead = got[str(labour.id)]
    assert datetime.fromisoformat(lead["due_at"]) <= before + timedelta(hours=24, minutes=1)
    assert "child_labour" in got[str(world.agency(AgencyKind.civil_affairs).id)]["reason"]
    assert "id_document_detention" in lead["reason"]
    r = await client.get("/api/v1/queue", headers=world.headers(Role.agency_officer))
    assert [i["case"]["id"] for i in r.json()["items"]] == [case["id"]]
    assert r.json()["items"][0]["case"]["employer"]["name"] == "黄骅市旺达砖厂"


async def test_commerce_and_the_other_county_see_none_of_it(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case = await _open(client, world, db)
    _, commerce = await world.add_user(Role.agency_officer, AgencyKind.commerce)
    foreign_police = world.headers(Role.agency_officer, "foreign")
    foreign_office = world.headers(Role.coordinator, "foreign")
    for headers in (commerce, foreign_police, foreign_office):
        r = await client.get(f"/api/v1/cases/{case['id']}", headers=headers)
        assert r.status_code == 404
        r = await client.get("/api/v1/cases", headers=headers)
        assert r.json()["items"] == []
    for headers in (commerce, foreign_police):
        r = await client.get("/api/v1/queue", headers=headers)
        assert r.status_code == 200 and r.json()["items"] == []


async def test_two_concurrent_accepts_give_one_winner(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case = await _open(client, world, db)
    police = world.agency(AgencyKind.police)
    aid = next(a["id"] for a in case["assignments"] if a["agency"]["id"] == str(police.id))
    _, other_officer = await world.add_user(Role.agency_officer, AgencyKind.police)
    url = f"/api/v1/assignments/{aid}/accept"
    if db.is_postgres:
        results = list(
            await asyncio.gather(
                client.post(url, headers=world.headers(Role.agency_officer)),
                client.post(url, headers=other_officer),
            )
        )
    else:  # SQLite serialises writers; the compare-and-set still refuses the second
        results = [
            await client.post(url, headers=world.headers(Role.agency_officer)),
            await client.post(url, headers=other_officer),
        ]
    assert sorted(r.status_code for r in results) == [200, 409]
    r = await client.get(f"/api/v1/cases/{case['id']}", headers=world.headers(Role.coordinator))
    assert r.json()["status"] == "in_progress"
    assert [a["status"] for a in r.json()["assignments"]].count("accepted") == 1


async def test_a_case_cannot_close_with_work_open(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case = await _open(client, world, db)
    office = world.headers(Role.coordinator)
    r = await client.post(
        f"/api/v1/cases/{case['id']}/close", headers=office, json={"summary": "结案"}
    )
    assert r.status_code == 409
    police_id = str(world.agency(AgencyKind.police).id)
    police_aid = next(a["id"] for a in case["assignments"] if a["agency"]["id"] == police_id)
    police = world.headers(Role.agency_officer)
    assert (
        await client.post(f"/api/v1/assignments/{police_aid}/accept", headers=police)
    ).status_code == 200
    assert (
        await client.post(
            f"/api/v1/assignments/{police_aid}/conclude",
            headers=police,
            json={"summary": "已立案侦查"},
        )
    ).status_code == 200
    r = await client.post(
        f"/api/v1/cases/{case['id']}/close", headers=office, json={"summary": "结案"}
    )
    assert r.status_code == 409
    assert "2 assignments still pending" in r.json()["detail"]
