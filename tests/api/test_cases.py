"""Cases over HTTP: umbrella secrecy, decline and re-route, dismiss and reopen, list filters."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.domain.taxonomy import AgencyKind, Role
from app.models.base import utcnow
from tests.cases_support import file, make_employer, set_due
from tests.conftest import TestDatabase
from tests.factories import World

OFFICE = Role.coordinator


async def _case(
    client: httpx.AsyncClient, world: World, case_id: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.get(f"/api/v1/cases/{case_id}", headers=headers or world.headers(OFFICE))


async def test_umbrella_part_is_hidden_from_the_local_agencies(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employer = await make_employer(db, world)
    case_id = await file(db, employer, "wage_arrears", kind="tip", umbrella=True)
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    _, city_supervision = await world.add_user(Role.agency_officer, AgencyKind.supervision, "city")
    full = (await _case(client, world, case_id)).json()
    kinds = {a["agency"]["id"]: a for a in full["assignments"]}
    sup = world.agency(AgencyKind.supervision, "city")
    assert str(sup.id) in kinds and "protective umbrella" in kinds[str(sup.id)]["reason"]
    assert full["umbrella"] is True and len(full["tip_ids"]) == 0
    local = (await _case(client, world, case_id, labour)).json()
    assert [a["agency"]["kind"] for a in local["assignments"]] == ["labour"]
    assert local["umbrella"] is False
    assert all(str(sup.id) != e["entity_id"] for e in local["timeline"])
    supervision = (await _case(client, world, case_id, city_supervision)).json()
    assert str(sup.id) in {a["agency"]["id"] for a in supervision["assignments"]}
    # The home county's supervision has no share: the umbrella skips the employer's county.
    _, home_supervision = await world.add_user(Role.agency_officer, AgencyKind.supervision)
    assert (await _case(client, world, case_id, home_supervision)).status_code == 404


async def test_official_misconduct_goes_above_the_county_and_stays_hidden(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employer = await make_employer(db, world)
    case_id = await file(db, employer, "official_misconduct", "forced_labour")
    police = world.headers(Role.agency_officer)
    local = (await _case(client, world, case_id, police)).json()
    assert local["violation_types"] == ["forced_labour"]
    assert {a["agency"]["kind"] for a in local["assignments"]} == {"police", "labour", "union"}
    office = (await _case(client, world, case_id)).json()
    assert "official_misconduct" in office["violation_types"]


async def test_decline_goes_back_to_the_coordinator_who_reroutes_it(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employer = await make_employer(db, world)
    case_id = await file(db, employer, "no_business_licence")
    commerce_id = str(world.agency(AgencyKind.commerce).id)
    case = (await _case(client, world, case_id)).json()
    aid = next(a["id"] for a in case["assignments"] if a["agency"]["id"] == commerce_id)
    _, commerce = await world.add_user(Role.agency_officer, AgencyKind.commerce)
    r = await client.post(f"/api/v1/assignments/{aid}/decline", headers=commerce, json={})
    assert r.status_code == 422
    r = await client.post(
        f"/api/v1/assignments/{aid}/decline", headers=commerce, json={"reason": "该厂属乡镇管辖"}
    )
    assert r.status_code == 200 and r.json()["status"] == "declined"
    office = world.headers(OFFICE)
    listed = (await client.get("/api/v1/cases?declined=true", headers=office)).json()["items"]
    assert [c["id"] for c in listed] == [str(case_id)] and listed[0]["declined"] == 1
    esc = (
        await client.get("/api/v1/escalations?kind=declined&handled=false", headers=office)
    ).json()["items"]
    assert [e["subject_id"] for e in esc] == [aid]
    labour = str(world.agency(AgencyKind.labour).id)
    r = await client.post(
        f"/api/v1/cases/{case_id}/reroute",
        headers=office,
        json={"assignment_id": aid, "agency_id": labour, "reason": "转劳动部门"},
    )
    assert r.status_code == 200, r.text
    new = next(a for a in r.json()["assignments"] if a["agency"]["id"] == labour)
    assert new["status"] == "pending" and "re-routed" in new["reason"]
    assert (await client.get("/api/v1/cases?declined=true", headers=office)).json()["items"] == []
    assert (await client.get("/api/v1/escalations?handled=false", headers=office)).json()[
        "items"
    ] == []
    r = await client.post(
        f"/api/v1/cases/{case_id}/reroute",
        headers=office,
        json={"assignment_id": aid, "agency_id": labour, "reason": "again"},
    )
    assert r.status_code == 409


async def test_dismiss_and_reopen_need_a_reason(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employer = await make_employer(db, world)
    case_id = await file(db, employer, "wage_arrears")
    office = world.headers(OFFICE)
    assert (
        await client.post(f"/api/v1/cases/{case_id}/dismiss", headers=office, json={"reason": ""})
    ).status_code == 422
    r = await client.post(
        f"/api/v1/cases/{case_id}/dismiss", headers=office, json={"reason": "举报不实"}
    )
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert (
        await client.post(
            f"/api/v1/cases/{case_id}/dismiss", headers=office, json={"reason": "again"}
        )
    ).status_code == 409
    r = await client.post(
        f"/api/v1/cases/{case_id}/reopen", headers=office, json={"reason": "新证据"}
    )
    assert r.status_code == 200 and r.json()["status"] == "open"
    detail = (await _case(client, world, case_id)).json()
    actions = [e["action"] for e in detail["timeline"]]
    assert actions[:1] == ["case.open"] and actions[-3:] == [
        "case.dismiss",
        "assignment.withdraw",
        "case.reopen",
    ]
    # the dismissal withdrew the labour assignment and reopening does not revive it
    assert [a["status"] for a in detail["assignments"]] == ["withdrawn"]


def ids(r: httpx.Response) -> list[str]:
    return [c["id"] for c in r.json()["items"]]


async def test_post_cases_adds_to_the_open_case_and_lists_filter(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employer = await make_employer(db, world)
    office = world.headers(OFFICE)
    body = {
        "employer_id": str(employer),
        "violation_types": ["wage_arrears"],
        "description": "欠薪三个月",
    }
    first = await client.post("/api/v1/cases", headers=office, json=body)
    assert first.status_code == 201 and first.json()["merged"] is False
    again = await client.post(
        "/api/v1/cases", headers=office, json={**body, "violation_types": ["no_tax_registration"]}
    )
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again.json()["merged"] is True
    bad = await client.post(
        "/api/v1/cases", headers=office, json={**body, "violation_types": ["nonsense"]}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == [
        "body",
        "violation_types",
        0,
    ]
    other = await file(db, await make_employer(db, world, name="另一厂"), "child_labour")
    r = await client.get("/api/v1/cases?violation_type=no_tax_registration", headers=office)
    assert ids(r) == [first.json()["id"]]
    r = await client.get("/api/v1/cases?limit=1", headers=office)
    assert ids(r) == [str(other)] and r.json()["next_cursor"]
    r = await client.get(f"/api/v1/cases?limit=1&cursor={r.json()['next_cursor']}", headers=office)
    assert ids(r) == [first.json()["id"]]
    assert ids(await client.get("/api/v1/cases?overdue=true", headers=office)) == []
    detail = (await _case(client, world, other)).json()
    await set_due(db, detail["assignments"][0]["id"], utcnow() - timedelta(minutes=1))
    assert ids(await client.get("/api/v1/cases?overdue=true", headers=office)) == [str(other)]
