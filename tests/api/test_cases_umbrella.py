"""Protective-umbrella (保护伞) secrecy end to end: types, allegation text and findings stay
with the office and supervision; the queue and the type filter leak nothing."""

from __future__ import annotations

import uuid

import httpx

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, Role
from app.services.cases.cases import CaseSource, file_case
from tests.cases_support import make_employer
from tests.conftest import TestDatabase
from tests.factories import World

ALLEGATION = "村主任收了老板的钱，劳动局来查之前都会通风报信"
SECRET_FINDING = "村主任每月从砖厂领取好处费"


async def _umbrella_tip_case(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> tuple[str, uuid.UUID]:
    """An operator's tip alleging wage arrears and an official's protection, triaged into a
    case; then an inspection finding of the official's misconduct added to it."""
    employer = await make_employer(db, world)
    r = await client.post(
        "/api/v1/tips",
        headers=world.headers(Role.agency_officer),
        json={
            "channel": "phone",
            "description": f"拖欠工资半年。{ALLEGATION}",
            "violation_types": ["official_misconduct", "wage_arrears"],
            "employer_name": "黄骅市旺达砖厂",
            "address": "村东",
            "jurisdiction_id": str(world.places["home"].id),
        },
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/tips/{r.json()['id']}/triage",
        headers=world.headers(Role.coordinator),
        json={"decision": "open_case", "employer_id": str(employer)},
    )
    assert r.status_code == 200, r.text
    case_id = r.json()["case_id"]
    async with transaction(db.sessionmaker) as session:
        await file_case(
            session,
            SYSTEM_ACTOR,
            employer_id=employer,
            sources=[
                CaseSource("finding", uuid.uuid4(), ("official_misconduct",), SECRET_FINDING),
                CaseSource("finding", uuid.uuid4(), ("wage_arrears",), "工资表缺三个月"),
            ],
        )
    return case_id, employer


async def test_a_county_labour_officer_sees_no_part_of_the_umbrella_allegation(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id, _ = await _umbrella_tip_case(client, world, db)
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    seen = await client.get(f"/api/v1/cases/{case_id}", headers=labour)
    assert seen.status_code == 200, seen.text
    text = seen.text
    assert seen.json()["violation_types"] == ["wage_arrears"]
    assert "official_misconduct" not in text
    assert ALLEGATION not in text and SECRET_FINDING not in text
    assert [f["summary"] for f in seen.json()["findings"]] == ["工资表缺三个月"]
    office = (
        await client.get(f"/api/v1/cases/{case_id}", headers=world.headers(Role.coordinator))
    ).json()
    assert ALLEGATION in office["description"]
    assert SECRET_FINDING in [f["summary"] for f in office["findings"]]
    assert "official_misconduct" in office["violation_types"]


async def test_the_queue_and_the_type_filter_do_not_reveal_umbrella_types(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id, _ = await _umbrella_tip_case(client, world, db)
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    items = (await client.get("/api/v1/queue", headers=labour)).json()["items"]
    assert [i["case"]["id"] for i in items] == [case_id]
    assert items[0]["case"]["violation_types"] == ["wage_arrears"]
    url = "/api/v1/cases?violation_type="
    assert (await client.get(f"{url}official_misconduct", headers=labour)).json()["items"] == []
    assert [
        c["id"] for c in (await client.get(f"{url}wage_arrears", headers=labour)).json()["items"]
    ] == [case_id]
    office = world.headers(Role.coordinator)
    assert [
        c["id"]
        for c in (await client.get(f"{url}official_misconduct", headers=office)).json()["items"]
    ] == [case_id]
    _, supervision = await world.add_user(Role.agency_officer, AgencyKind.supervision, "city")
    held = (await client.get("/api/v1/queue", headers=supervision)).json()["items"]
    assert held and "official_misconduct" in held[0]["case"]["violation_types"]
    assert [
        c["id"]
        for c in (await client.get(f"{url}official_misconduct", headers=supervision)).json()[
            "items"
        ]
    ] == [case_id]
