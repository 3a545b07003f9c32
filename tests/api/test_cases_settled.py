"""A case's end is final for its work: declines must be re-routed before closing, a
dismissed case takes no more actions, and every queue on the case sees its changes."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date, timedelta

import httpx

from app.domain.taxonomy import AgencyKind, Role
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World

QUEUE = "/api/v1/queue"


async def _assignment(client: httpx.AsyncClient, headers: dict[str, str], case_id: object) -> str:
    items = (await client.get(QUEUE, headers=headers)).json()["items"]
    return str(next(i["id"] for i in items if i["case"]["id"] == str(case_id)))


async def test_a_declined_assignment_not_rerouted_blocks_closing(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id = await file(db, await make_employer(db, world), "wage_arrears", "licence_expired")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    _, commerce = await world.add_user(Role.agency_officer, AgencyKind.commerce)
    mine = await _assignment(client, labour, case_id)
    theirs = await _assignment(client, commerce, case_id)
    await client.post(f"/api/v1/assignments/{mine}/accept", headers=labour)
    await client.post(
        f"/api/v1/assignments/{mine}/conclude", headers=labour, json={"summary": "工资已补发"}
    )
    r = await client.post(
        f"/api/v1/assignments/{theirs}/decline", headers=commerce, json={"reason": "不归我局管"}
    )
    assert r.status_code == 200
    office = world.headers(Role.coordinator)
    r = await client.post(
        f"/api/v1/cases/{case_id}/close", headers=office, json={"summary": "结案"}
    )
    assert r.status_code == 409 and "not yet re-routed" in r.json()["detail"]
    assert r.json()["blockers"] == ["1 declined assignment not yet re-routed"]


async def test_a_dismissed_case_takes_no_more_work_and_withdraws_its_assignments(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id = await file(db, await make_employer(db, world), "wage_arrears", "licence_expired")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    _, commerce = await world.add_user(Role.agency_officer, AgencyKind.commerce)
    mine = await _assignment(client, labour, case_id)
    theirs = await _assignment(client, commerce, case_id)
    await client.post(f"/api/v1/assignments/{mine}/accept", headers=labour)
    r = await client.post(
        f"/api/v1/assignments/{mine}/actions",
        headers=labour,
        json={
            "type": "rectification_order",
            "note": "限期补发",
            "deadline": str(fixed_day + timedelta(days=10)),
        },
    )
    rect = r.json()["rectification"]["id"]
    await client.post(
        f"/api/v1/assignments/{theirs}/decline", headers=commerce, json={"reason": "不归我局管"}
    )
    office = world.headers(Role.coordinator)
    r = await client.post(
        f"/api/v1/cases/{case_id}/dismiss", headers=office, json={"reason": "重复立案"}
    )
    assert r.status_code == 200
    assert {a["agency"]["kind"]: a["status"] for a in r.json()["assignments"]} == {
        "labour": "withdrawn",
        "commerce": "declined",
    }
    r = await client.post(
        f"/api/v1/assignments/{mine}/actions",
        headers=labour,
        json={"type": "fine", "note": "罚款", "amount": "5000"},
    )
    assert r.status_code == 409
    r = await client.post(
        f"/api/v1/rectifications/{rect}/follow-ups",
        headers=labour,
        json={"visited_on": str(fixed_day), "corrected": True, "note": "已整改"},
    )
    assert r.status_code == 409
    r = await client.post(
        f"/api/v1/cases/{case_id}/reroute",
        headers=office,
        json={
            "assignment_id": theirs,
            "agency_id": str(world.agency(AgencyKind.tax).id),
            "reason": "转税务",
        },
    )
    assert r.status_code == 409
    items = (await client.get(f"{QUEUE}?status=withdrawn", headers=labour)).json()["items"]
    assert [i["id"] for i in items] == [mine]
    r = await client.post(
        f"/api/v1/cases/{case_id}/reopen", headers=office, json={"reason": "新证据"}
    )
    assert r.status_code == 200
    assert {a["agency"]["kind"]: a["status"] for a in r.json()["assignments"]} == {
        "labour": "withdrawn",
        "commerce": "declined",
    }


async def test_every_queue_on_the_case_sees_the_case_change(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employer = await make_employer(db, world)
    case_id = await file(db, employer, "wage_arrears")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    first = await client.get(QUEUE, headers=labour)
    etag = first.headers["etag"]
    assert first.json()["items"][0]["case"]["violation_types"] == ["wage_arrears"]
    await file(db, employer, "forced_labour")  # police joins; labour's item shows the type
    r = await client.get(QUEUE, headers={**labour, "If-None-Match": etag})
    assert r.status_code == 200 and r.headers["etag"] != etag
    assert r.json()["items"][0]["case"]["violation_types"] == ["forced_labour", "wage_arrears"]
    etag = r.headers["etag"]
    police = world.headers(Role.agency_officer)
    await client.post(
        f"/api/v1/assignments/{await _assignment(client, police, case_id)}/accept", headers=police
    )
    r = await client.get(QUEUE, headers={**labour, "If-None-Match": etag})
    assert r.status_code == 200 and r.json()["items"][0]["case"]["status"] == "in_progress"
    etag = r.headers["etag"]
    await client.post(
        f"/api/v1/cases/{case_id}/dismiss",
        headers=world.headers(Role.coordinator),
        json={"reason": "查无此事"},
    )
    r = await client.get(QUEUE, headers={**labour, "If-None-Match": etag})
    assert r.status_code == 200 and r.json()["items"][0]["case"]["status"] == "dismissed"


async def test_a_cursor_with_a_time_without_zone_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    raw = json.dumps(["2026-07-01T08:00:00", str(uuid.uuid4())]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    r = await client.get(f"/api/v1/cases?cursor={cursor}", headers=world.headers(Role.coordinator))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "cursor"]
    r = await client.get(f"{QUEUE}?cursor={cursor}", headers=world.headers(Role.agency_officer))
    assert r.status_code == 422
