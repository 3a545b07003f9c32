"""Done when: a form tip becomes a routed case, the reply reaches the tipster by receipt,
and no row of the database holds the receipt or the phone number in clear."""

from __future__ import annotations

import re
import uuid

import httpx
import sqlalchemy as sa
from sqlmodel import col, select

import app.models
from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.models.cases import Assignment, Case
from app.models.employers import Employer
from app.models.reference import Agency
from tests.conftest import TestDatabase
from tests.factories import World

PHONE = "13700001234"


async def dump_database(db: TestDatabase) -> str:
    """Every row of every table, as text."""
    parts: list[str] = []
    async with db.engine.connect() as conn:
        for table in app.models.metadata.sorted_tables:
            rows = (await conn.execute(sa.select(table))).all()
            parts.extend(repr(tuple(r)) for r in rows)
    return "\n".join(parts)


async def kiln(
    db: TestDatabase, world: World, name: str = "黄骅市某某砖窑厂", place: str = "town"
) -> Employer:
    async with transaction(db.sessionmaker) as s:
        employer = Employer(
            name=name,
            industry="brick_kiln",
            address="黄骅镇北",
            jurisdiction_id=world.places[place].id,
        )
        s.add(employer)
    return employer


async def test_form_tip_to_routed_case_reply_by_receipt_and_nothing_in_clear(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    employer = await kiln(db, world)
    sent = await client.post(
        "/form",
        data={
            "description": "砖窑厂里有智障工人被打，不给工钱",
            "employer_name": "黄骅某砖厂",
            "address": "黄骅镇北",
            "violation_types": ["forced_labour", "violence_abuse"],
            "contact_name": "李",
            "contact_phone": PHONE,
        },
    )
    assert sent.status_code == 201, sent.text
    receipt = re.search(r'id="receipt">([0-9A-Z-]{24})<', sent.text).group(1)  # type: ignore[union-attr]

    _, city = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    [tip] = (await client.get("/api/v1/tips?status=received", headers=city)).json()["items"]
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/assign-jurisdiction",
        json={"jurisdiction_id": str(world.places["town"].id)},
        headers=city,
    )
    assert r.status_code == 200, r.text
    home = world.headers(Role.coordinator)
    detail = (await client.get(f"/api/v1/tips/{tip['id']}", headers=home)).json()
    suggested = detail["likely_employers"][0]["id"]
    assert suggested == str(employer.id)
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/triage",
        headers=home,
        json={"decision": "open_case", "employer_id": suggested},
    )
    assert r.status_code == 200, r.text
    case_id = uuid.UUID(r.json()["case_id"])
    assert r.json()["status"] == "triaged"
    async with db.sessionmaker() as s:
        kinds = set(
            (
                await s.exec(
                    select(Agency.kind)
                    .join(Assignment, col(Assignment.agency_id) == col(Agency.id))
                    .where(Assignment.case_id == case_id)
                )
            ).all()
        )
    assert {"police", "labour", "union"} <= kinds

    r = await client.post(
        f"/api/v1/tips/{tip['id']}/replies",
        headers=home,
        json={"message": "已立案，公安局正在调查 <b>谢谢</b>"},
    )
    assert r.status_code == 201
    page = await client.post("/status", data={"receipt": receipt})
    assert page.status_code == 200
    assert "调查中" in page.text and "已立案，公安局正在调查 &lt;b&gt;谢谢&lt;/b&gt;" in page.text

    dump = await dump_database(db)
    assert tip["id"] in dump  # the dump does hold the tip
    for secret in (receipt, receipt.replace("-", ""), PHONE):
        assert secret not in dump


async def test_link_case_adds_the_tip_to_an_open_case_in_scope(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    employer = await kiln(db, world)
    coord = world.headers(Role.coordinator)
    made = []
    for _ in range(2):
        r = await client.post(
            "/api/v1/tips",
            headers=world.headers(Role.agency_officer),
            json={
                "channel": "visit",
                "description": "来访：窑厂拖欠工资",
                "violation_types": ["wage_arrears"],
                "jurisdiction_id": str(world.places["town"].id),
            },
        )
        made.append(r.json()["id"])
    r = await client.post(
        f"/api/v1/tips/{made[0]}/triage", headers=coord, json={"decision": "open_case"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "employer_id"]
    r = await client.post(
        f"/api/v1/tips/{made[0]}/triage",
        headers=coord,
        json={"decision": "open_case", "employer_id": str(employer.id)},
    )
    case_id = r.json()["case_id"]
    foreign = world.headers(Role.coordinator, "foreign")
    r = await client.post(
        f"/api/v1/tips/{made[1]}/triage",
        headers=foreign,
        json={"decision": "link_case", "case_id": case_id},
    )
    assert r.status_code == 404
    r = await client.post(
        f"/api/v1/tips/{made[1]}/triage",
        headers=coord,
        json={
            "decision": "link_case",
            "case_id": case_id,
            "violation_types": ["wage_arrears", "child_labour"],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["case_id"] == case_id and r.json()["employer_id"] == str(employer.id)
    async with db.sessionmaker() as s:
        case = await s.get(Case, uuid.UUID(case_id))
    assert case is not None and "child_labour" in case.violation_types


async def test_a_tip_about_protective_officials_opens_an_umbrella_case(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    employer = await kiln(db, world)
    r = await client.post(
        "/public/v1/tips",
        json={
            "description": "村干部给窑主通风报信",
            "violation_types": ["official_misconduct"],
            "jurisdiction_id": str(world.places["town"].id),
        },
    )
    assert r.status_code == 201
    coord = world.headers(Role.coordinator)
    [tip] = (await client.get("/api/v1/tips", headers=coord)).json()["items"]
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/triage",
        headers=coord,
        json={"decision": "open_case", "employer_id": str(employer.id)},
    )
    assert r.status_code == 200, r.text
    async with db.sessionmaker() as s:
        case = await s.get(Case, uuid.UUID(r.json()["case_id"]))
    assert case is not None and case.umbrella


async def test_the_tipster_reads_handled_once_the_case_is_closed(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    employer = await kiln(db, world)
    r = await client.post(
        "/public/v1/tips",
        json={
            "description": "窑厂拖欠工资",
            "violation_types": ["wage_arrears"],
            "jurisdiction_id": str(world.places["town"].id),
        },
    )
    receipt = r.json()["receipt"]
    coord = world.headers(Role.coordinator)
    [tip] = (await client.get("/api/v1/tips", headers=coord)).json()["items"]
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/triage",
        headers=coord,
        json={"decision": "open_case", "employer_id": str(employer.id)},
    )
    found = (await client.post("/public/v1/tips/lookup", json={"receipt": receipt})).json()
    assert (found["status"], found["status_label"]) == ("investigating", "调查中")
    async with transaction(db.sessionmaker) as s:
        case = await s.get(Case, uuid.UUID(r.json()["case_id"]))
        assert case is not None
        case.status = "closed"
        s.add(case)
    found = (await client.post("/public/v1/tips/lookup", json={"receipt": receipt})).json()
    assert (found["status"], found["status_label"]) == ("handled", "已处理")
    assert found["outcome"]
