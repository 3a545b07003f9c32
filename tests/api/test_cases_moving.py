"""An employer that moves takes its open case along: the new county works it, the old
one stops reading it, and both offices are told."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx

from app.domain.taxonomy import AgencyKind, Role
from app.domain.uscc import uscc_check_digit
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World


async def _wage_case_in_progress(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> tuple[str, str, str, dict[str, str]]:
    """A home-county wage case, accepted by home labour, with a rectification pending."""
    employer_id = str(await make_employer(db, world))
    case_id = str(await file(db, uuid.UUID(employer_id), "wage_arrears"))
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    aid = (await client.get("/api/v1/queue", headers=labour)).json()["items"][0]["id"]
    assert (
        await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    ).status_code == 200
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={
            "type": "rectification_order",
            "note": "限期补发工资",
            "deadline": str(date(2099, 1, 1) - timedelta(days=1)),
        },
    )
    assert r.status_code == 201
    return employer_id, case_id, r.json()["rectification"]["id"], labour


async def _move(client: httpx.AsyncClient, world: World, employer_id: str) -> None:
    _, city_office = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    r = await client.patch(
        f"/api/v1/employers/{employer_id}",
        headers=city_office,
        json={"jurisdiction_id": str(world.places["foreign"].id)},
    )
    assert r.status_code == 200, r.text


async def test_the_open_case_follows_the_employer_to_its_new_county(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employer_id, case_id, rect_id, home_labour = await _wage_case_in_progress(client, world, db)
    await _move(client, world, employer_id)

    # the old county reads nothing more of it: its office and its labour bureau get 404
    for old in (world.headers(Role.coordinator), home_labour):
        assert (await client.get(f"/api/v1/cases/{case_id}", headers=old)).status_code == 404
    queue = (await client.get("/api/v1/queue", headers=home_labour)).json()["items"]
    assert [i["status"] for i in queue if i["case"]["id"] == case_id] in ([], ["withdrawn"])

    # the new county's labour bureau has it to accept, with the pending rectification
    _, new_labour = await world.add_user(Role.agency_officer, AgencyKind.labour, "foreign")
    items = (await client.get("/api/v1/queue", headers=new_labour)).json()["items"]
    assert [(i["case"]["id"], i["status"]) for i in items] == [(case_id, "pending")]
    assert (
        await client.post(f"/api/v1/assignments/{items[0]['id']}/accept", headers=new_labour)
    ).status_code == 200
    r = await client.post(
        f"/api/v1/rectifications/{rect_id}/follow-ups",
        headers=new_labour,
        json={"visited_on": "2026-12-01", "corrected": True, "note": "已补发"},
    )
    assert r.status_code == 201, r.text

    # the new county's office sees it, and filing for the employer adds to this same case
    new_office = world.headers(Role.coordinator, "foreign")
    assert (await client.get(f"/api/v1/cases/{case_id}", headers=new_office)).status_code == 200
    r = await client.post(
        "/api/v1/cases",
        headers=new_office,
        json={
            "employer_id": employer_id,
            "violation_types": ["no_labour_contract"],
            "description": "未签订劳动合同",
        },
    )
    assert r.status_code in (200, 201) and r.json()["id"] == case_id

    # both offices are told
    for place, kind in (("home", "case_moved_out"), ("foreign", "case_moved_in")):
        told = (
            await client.get("/api/v1/escalations", headers=world.headers(Role.coordinator, place))
        ).json()["items"]
        assert [(e["kind"], e["case_id"]) for e in told] == [(kind, case_id)], place
        assert "献县" in told[0]["detail"] and "黄骅市" in told[0]["detail"]


async def test_an_import_that_moves_an_employer_moves_its_case(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    _, city_office = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    uscc = "91130983MA0CXXXX0X"
    row = "name,uscc,industry,jurisdiction_id,address\n旺达砖厂,{u},brick_kiln,{j},村东\n"
    r = await client.post(
        "/api/v1/employers",
        headers=city_office,
        json={
            "name": "旺达砖厂",
            "industry": "brick_kiln",
            "address": "村东",
            "jurisdiction_id": str(world.places["home"].id),
        },
    )
    assert r.status_code == 201, r.text
    employer_id = r.json()["id"]
    case_id = str(await file(db, uuid.UUID(employer_id), "wage_arrears"))
    r = await client.patch(
        f"/api/v1/employers/{employer_id}", headers=city_office, json={"uscc": _valid_uscc(uscc)}
    )
    assert r.status_code == 200, r.text
    csv = row.format(u=_valid_uscc(uscc), j=world.places["foreign"].id)
    r = await client.post(
        "/api/v1/employers/import",
        headers=city_office,
        files={"file": ("employers.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 200 and r.json()["updated"] == 1, r.text
    home, foreign = world.headers(Role.coordinator), world.headers(Role.coordinator, "foreign")
    assert (await client.get(f"/api/v1/cases/{case_id}", headers=home)).status_code == 404
    case = (await client.get(f"/api/v1/cases/{case_id}", headers=foreign)).json()
    agencies = {a["agency"]["id"] for a in case["assignments"] if a["status"] == "pending"}
    assert str(world.agency(AgencyKind.labour, "foreign").id) in agencies


def _valid_uscc(base: str) -> str:
    return base[:17] + uscc_check_digit(base[:17])
