"""Assignment work over HTTP: who may act, conclude, actions by type, rectification follow-ups."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from app.domain.taxonomy import AgencyKind, Role
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World


async def _labour_assignment(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> tuple[str, str, dict[str, str]]:
    case_id = await file(db, await make_employer(db, world), "wage_arrears")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    items = (await client.get("/api/v1/queue", headers=labour)).json()["items"]
    return str(case_id), items[0]["id"], labour


async def test_only_the_assigned_agency_may_act(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id, aid, labour = await _labour_assignment(client, world, db)
    for headers in (
        world.headers(Role.agency_officer),
        (await world.add_user(Role.agency_officer, AgencyKind.labour, "foreign"))[1],
    ):
        r = await client.post(f"/api/v1/assignments/{aid}/accept", headers=headers)
        assert r.status_code == 404
        r = await client.get(f"/api/v1/cases/{case_id}", headers=headers)
        assert r.status_code == 404
    r = await client.post(
        f"/api/v1/assignments/{aid}/conclude", headers=labour, json={"summary": "done"}
    )
    assert r.status_code == 409
    assert (
        await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    ).status_code == 200
    r = await client.post(f"/api/v1/assignments/{aid}/conclude", headers=labour, json={})
    assert r.status_code == 422
    r = await client.post(
        f"/api/v1/assignments/{aid}/conclude", headers=labour, json={"summary": "追回工资"}
    )
    assert r.status_code == 200 and r.json()["status"] == "concluded"


async def test_actions_are_validated_by_type(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    _, aid, labour = await _labour_assignment(client, world, db)
    url = f"/api/v1/assignments/{aid}/actions"
    r = await client.post(
        url, headers=labour, json={"type": "fine", "note": "罚款", "amount": 5000}
    )
    assert r.status_code == 409  # not accepted yet
    await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    cases = [
        ({"type": "fine"}, ["body", "amount"]),
        ({"type": "children_rescued"}, ["body", "count"]),
        ({"type": "rectification_order"}, ["body", "deadline"]),
        ({"type": "referral"}, ["body", "referral_kind"]),
        ({"type": "teleport"}, ["body", "type"]),
    ]
    for body, loc in cases:
        r = await client.post(url, headers=labour, json=body)
        assert r.status_code == 422 and loc in [e["loc"] for e in r.json()["errors"]], body
    r = await client.post(
        url, headers=labour, json={"type": "wages_recovered", "amount": "86000.50", "count": 31}
    )
    assert r.status_code == 201 and r.json()["amount"] == "86000.50"


async def test_rectification_blocks_closing_until_corrected(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id, aid, labour = await _labour_assignment(client, world, db)
    await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    deadline = fixed_day + timedelta(days=15)
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={"type": "rectification_order", "note": "限期补签劳动合同", "deadline": str(deadline)},
    )
    assert r.status_code == 201
    rect = r.json()["rectification"]
    assert rect["status"] == "ordered" and rect["deadline"] == str(deadline)
    await client.post(
        f"/api/v1/assignments/{aid}/conclude", headers=labour, json={"summary": "已责令整改"}
    )
    office = world.headers(Role.coordinator)
    r = await client.post(
        f"/api/v1/cases/{case_id}/close", headers=office, json={"summary": "结案"}
    )
    assert r.status_code == 409 and "rectification" in r.json()["detail"]
    url = f"/api/v1/rectifications/{rect['id']}/follow-ups"
    r = await client.post(
        url,
        headers=world.headers(Role.agency_officer),
        json={"visited_on": str(fixed_day), "corrected": True},
    )
    assert r.status_code == 404
    r = await client.post(
        url,
        headers=labour,
        json={"visited_on": str(fixed_day), "corrected": False, "note": "未整改"},
    )
    assert r.status_code == 201 and r.json()["rectification"]["status"] == "ordered"
    r = await client.post(
        url,
        headers=labour,
        json={"visited_on": str(fixed_day), "corrected": True, "note": "已整改"},
    )
    assert r.status_code == 201 and r.json()["rectification"]["status"] == "corrected"
    r = await client.post(
        f"/api/v1/cases/{case_id}/close", headers=office, json={"summary": "结案"}
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"


async def test_a_referral_reaches_the_nearest_agency_of_that_kind(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id, aid, labour = await _labour_assignment(client, world, db)
    await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    body = {"type": "referral", "referral_kind": "commerce", "note": "无照经营，通报工商局取缔"}
    r = await client.post(f"/api/v1/assignments/{aid}/actions", headers=labour, json=body)
    assert r.status_code == 201
    _, commerce = await world.add_user(Role.agency_officer, AgencyKind.commerce)
    items = (await client.get("/api/v1/queue", headers=commerce)).json()["items"]
    assert [i["case"]["id"] for i in items] == [case_id]
    assert items[0]["role"] == "also" and "通报工商局取缔" in items[0]["reason"]
    r = await client.post(f"/api/v1/assignments/{aid}/actions", headers=labour, json=body)
    assert r.status_code == 201
    assert len((await client.get("/api/v1/queue", headers=commerce)).json()["items"]) == 1
