"""The reporter's loop, relayed: follow-ups reach the case, tips move between offices,
work orders from 12345 keep their number, and the webhook tells their status back."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from PIL import Image
from sqlmodel import col, select

from app.clock import today
from app.db import transaction
from app.domain.chinatime import day_ends_at
from app.domain.taxonomy import AgencyKind, Role
from app.domain.workdays import add_working_days
from app.models.audit import AuditEntry
from app.models.integration import WebhookEndpoint, WebhookOutbox
from app.services.registry import workdays
from tests.cases_support import make_employer
from tests.conftest import TestDatabase
from tests.factories import World

PHONE = "13912345678"
NAME = "王建国"


async def office_tip(client: httpx.AsyncClient, world: World, **body: object) -> dict[str, Any]:
    payload: dict[str, object] = {
        "channel": "phone",
        "description": "旺达砖厂晚上把工人锁在宿舍里",
        "violation_types": ["restriction_of_liberty"],
        "employer_name": "旺达砖厂",
        "address": "黄骅镇东村",
        "jurisdiction_id": str(world.places["home"].id),
        "contact": {"name": NAME, "phone": PHONE},
    }
    payload.update(body)
    r = await client.post("/api/v1/tips", json=payload, headers=world.headers(Role.coordinator))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def on_case(
    client: httpx.AsyncClient, db: TestDatabase, world: World, **body: object
) -> tuple[dict[str, Any], str]:
    """A tip triaged into a case for 黄骅市旺达砖厂: (the tip as created, case id)."""
    tip = await office_tip(client, world, **body)
    employer = await make_employer(db, world)
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/triage",
        json={"decision": "open_case", "employer_id": str(employer)},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 200, r.text
    return tip, str(r.json()["case_id"])


async def followup(
    client: httpx.AsyncClient, receipt: str, message: str, **extra: object
) -> httpx.Response:
    return await client.post(
        "/public/v1/tips/followups", json={"receipt": receipt, "message": message, **extra}
    )


async def hooks(db: TestDatabase, *agencies: uuid.UUID) -> None:
    async with transaction(db.sessionmaker) as session:
        for agency in agencies:
            session.add(
                WebhookEndpoint(
                    agency_id=agency, url="https://hooks.example/", secret=b"x", created_by="t"
                )
            )


async def events(db: TestDatabase, kind: str) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    async with db.sessionmaker() as session:
        rows = (
            await session.exec(
                select(WebhookOutbox, WebhookEndpoint.agency_id)
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookOutbox.endpoint_id))
                .order_by(col(WebhookOutbox.created_at))
            )
        ).all()
    return [(agency, row.payload["data"]) for row, agency in rows if row.payload["type"] == kind]


async def test_a_followup_reaches_the_police_as_a_note_without_the_tipster(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    police_agency = world.agency(AgencyKind.police)
    await hooks(db, police_agency.id)
    tip, case_id = await on_case(client, db, world)
    police = world.headers(Role.agency_officer)
    etag = (await client.get("/api/v1/queue", headers=police)).headers["etag"]
    r = await followup(
        client,
        str(tip["receipt"]),
        f"我是{NAME}，电话{PHONE}。老板今晚又把宿舍门锁了，还有一个看门的。",
    )
    assert r.status_code == 201, r.text
    again = await client.get("/api/v1/queue", headers={**police, "If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag
    notes = await client.get(f"/api/v1/cases/{case_id}/notes", headers=police)
    assert notes.status_code == 200, notes.text
    [note] = notes.json()
    assert note["kind"] == "tipster_followup" and "宿舍门锁了" in note["message"]
    assert NAME not in notes.text and PHONE not in notes.text
    assert "王某" in note["message"] and "139****5678" in note["message"]
    [(agency, data)] = await events(db, "case.note_added")
    assert agency == police_agency.id and data["case_id"] == case_id
    assert NAME not in str(data) and PHONE not in str(data)
    # the office still reads the tipster's own words on the tip
    detail = await client.get(f"/api/v1/tips/{tip['id']}", headers=world.headers(Role.coordinator))
    assert any(m["kind"] == "followup" and PHONE in m["message"] for m in detail.json()["messages"])
    # another county's police reads nothing of the case
    foreign = world.headers(Role.agency_officer, "foreign")
    assert (await client.get(f"/api/v1/cases/{case_id}/notes", headers=foreign)).status_code == 404


async def test_a_followup_saying_children_are_moved_makes_the_case_critical(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    tip, case_id = await on_case(
        client, db, world, violation_types=["wage_arrears"], description="旺达砖厂拖欠工资三个月"
    )
    office = world.headers(Role.coordinator)
    before = (await client.get(f"/api/v1/cases/{case_id}", headers=office)).json()
    assert before["severity"] != "critical"
    [labour_share] = before["assignments"]
    r = await followup(client, str(tip["receipt"]), "老板连夜把干活的孩子转移到别的窑上去了")
    assert r.status_code == 201, r.text
    after = (await client.get(f"/api/v1/cases/{case_id}", headers=office)).json()
    assert after["severity"] == "critical" and "child_labour" in after["violation_types"]
    kinds = {a["agency"]["kind"] for a in after["assignments"]}
    assert {"police", "civil_affairs"} <= kinds  # routed as if reported fresh
    labour = next(a for a in after["assignments"] if a["id"] == labour_share["id"])
    due = datetime.fromisoformat(labour["due_at"])
    assert due < datetime.fromisoformat(labour_share["due_at"])
    assert due - datetime.now(due.tzinfo) <= timedelta(hours=24)
    police = world.headers(Role.agency_officer)
    [note] = (await client.get(f"/api/v1/cases/{case_id}/notes", headers=police)).json()
    assert note["violation_types"] == ["child_labour"] and "孩子" in note["message"]


async def test_a_followup_before_triage_shortens_the_triage_clock(
    client: httpx.AsyncClient, world: World
) -> None:
    tip = await office_tip(client, world, violation_types=["wage_arrears"])
    office = world.headers(Role.coordinator)
    first = (await client.get(f"/api/v1/tips/{tip['id']}", headers=office)).json()
    r = await followup(client, str(tip["receipt"]), "他们开始殴打要工资的工人", violation_types=[])
    assert r.status_code == 201
    now = (await client.get(f"/api/v1/tips/{tip['id']}", headers=office)).json()
    assert "violence_abuse" in now["violation_types"]
    assert datetime.fromisoformat(now["triage_due_at"]) < datetime.fromisoformat(
        first["triage_due_at"]
    )
    bad = await followup(client, str(tip["receipt"]), "补充", violation_types=["nope"])
    assert bad.status_code == 422 and "未知" in bad.text


def _photo_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


async def test_a_followup_photo_reaches_the_note_cleaned(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    tip, case_id = await on_case(client, db, world)
    photo = _photo_with_gps()
    r = await client.post(
        "/public/v1/tips/followups/with-attachments",
        data={"receipt": str(tip["receipt"]), "message": "这是今晚拍的宿舍门"},
        files=[("attachments", ("me.jpg", photo, "image/jpeg"))],
    )
    assert r.status_code == 201, r.text
    police = world.headers(Role.agency_officer)
    [note] = (await client.get(f"/api/v1/cases/{case_id}/notes", headers=police)).json()
    [file] = note["attachments"]
    assert file["content_type"] == "image/jpeg"
    got = await client.get(
        f"/api/v1/cases/{case_id}/notes/{note['id']}/attachments/{file['id']}", headers=police
    )
    assert got.status_code == 200 and got.content[:3] == b"\xff\xd8\xff"
    assert b"PhoneMaker" in photo and b"PhoneMaker" not in got.content
    elsewhere = f"/api/v1/cases/{case_id}/notes/{uuid.uuid4()}/attachments/{file['id']}"
    assert (await client.get(elsewhere, headers=police)).status_code == 404
    text = "这是今晚拍的宿舍门"
    junk = await client.post(
        "/public/v1/tips/followups",
        data={"receipt": str(tip["receipt"]), "message": text},
        files=[("attachments", ("x.exe", b"MZ\x90\x00" * 10, "image/jpeg"))],
    )
    assert junk.status_code == 415


async def test_a_note_about_a_protective_umbrella_stays_with_who_sees_that_part(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    tip, case_id = await on_case(
        client,
        db,
        world,
        violation_types=["official_misconduct", "restriction_of_liberty"],
        description="派出所有人给砖厂当保护伞，工人被锁",
    )
    assert (await followup(client, str(tip["receipt"]), "所长昨天又去窑上喝酒")).status_code == 201
    police = world.headers(Role.agency_officer)
    county = await client.get(f"/api/v1/cases/{case_id}/notes", headers=police)
    assert county.status_code == 200 and county.json() == []
    _, city_supervision = await world.add_user(
        Role.agency_officer, AgencyKind.supervision, place="city"
    )
    above = await client.get(f"/api/v1/cases/{case_id}/notes", headers=city_supervision)
    assert [n["message"] for n in above.json()] == ["所长昨天又去窑上喝酒"]


async def test_a_tip_transferred_up_to_the_city_leaves_the_county_and_the_reporter_is_told(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    tip = await office_tip(client, world, kind="complaint", violation_types=["wage_arrears"])
    office = world.headers(Role.coordinator)
    city = world.places["city"]
    url = f"/api/v1/tips/{tip['id']}/transfer"
    nowhere = await client.post(
        url,
        json={"jurisdiction_id": str(world.places["town"].id), "reason": "属地"},
        headers=office,
    )
    assert nowhere.status_code == 422  # the township has no office
    r = await client.post(
        url,
        json={"jurisdiction_id": str(city.id), "reason": "涉及跨县用工，请市里统筹"},
        headers=office,
    )
    assert r.status_code == 200, r.text
    async with db.sessionmaker() as session:
        cal = await workdays.work_calendar(session, today().year)
    due = datetime.fromisoformat(r.json()["triage_due_at"])
    assert due == day_ends_at(add_working_days(cal, today(), 5))  # 5 working days anew
    assert r.json()["to_office"] == world.agency(AgencyKind.coordinator, "city").name
    assert (await client.get(f"/api/v1/tips/{tip['id']}", headers=office)).status_code == 404
    assert (
        await client.post(
            url, json={"jurisdiction_id": str(city.id), "reason": "再转"}, headers=office
        )
    ).status_code == 404
    _, city_office = await world.add_user(Role.coordinator, AgencyKind.coordinator, place="city")
    seen = await client.get(f"/api/v1/tips/{tip['id']}", headers=city_office)
    assert seen.status_code == 200 and seen.json()["triage_due_at"] == r.json()["triage_due_at"]
    status = await client.post("/public/v1/tips/lookup", json={"receipt": tip["receipt"]})
    [notice] = status.json()["notices"]
    assert notice["kind"] == "transferred"
    assert world.agency(AgencyKind.coordinator, "city").name in notice["message"]
    assert notice["expected_by"] == str(add_working_days(cal, today(), 5))
    assert "涉及跨县" not in status.text  # the office's reason stays inside
    page = await client.post("/status", data={"receipt": tip["receipt"]})
    assert notice["message"] in page.text
    await db.seal_audit()
    async with db.sessionmaker() as session:
        actions = (
            await session.exec(
                select(AuditEntry.action).where(AuditEntry.entity_id == str(tip["id"]))
            )
        ).all()
    assert {"tip.transfer", "tip.transfer_in"} <= set(actions)


async def test_a_tip_goes_sideways_and_a_triaged_one_stays(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    tip = await office_tip(client, world)
    office = world.headers(Role.coordinator)
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/transfer",
        json={"jurisdiction_id": str(world.places["foreign"].id), "reason": "砖厂实在献县"},
        headers=office,
    )
    assert r.status_code == 200, r.text
    foreign = world.headers(Role.coordinator, "foreign")
    listed = await client.get("/api/v1/tips?status=received", headers=foreign)
    assert [t["id"] for t in listed.json()["items"]] == [tip["id"]]
    moves = await client.get(f"/api/v1/tips/{tip['id']}/transfers", headers=foreign)
    assert [m["reason"] for m in moves.json()] == ["砖厂实在献县"]
    triaged, _ = await on_case(client, db, world)
    again = await client.post(
        f"/api/v1/tips/{triaged['id']}/transfer",
        json={"jurisdiction_id": str(world.places["city"].id), "reason": "上交"},
        headers=office,
    )
    assert again.status_code == 409


async def test_a_work_order_number_is_unique_per_system(
    client: httpx.AsyncClient, world: World
) -> None:
    ref = {"system": "12345", "id": "HH20261204-0007"}
    made = await office_tip(client, world, external_ref=ref)
    assert made["external_ref"] == ref
    office = world.headers(Role.coordinator)
    r = await client.post(
        "/api/v1/tips",
        json={"channel": "phone", "description": "同一工单再推一次", "external_ref": ref},
        headers=office,
    )
    assert r.status_code == 409 and r.json()["existing_id"] == made["id"]
    other = await office_tip(client, world, external_ref={"system": "wechat", "id": ref["id"]})
    assert other["id"] != made["id"]
    got = await client.get(f"/api/v1/tips/{made['id']}", headers=office)
    assert got.json()["external_ref"] == ref


async def test_the_office_webhook_tells_a_work_orders_status_back(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    office_agency = world.agency(AgencyKind.coordinator)
    await hooks(db, office_agency.id, world.agency(AgencyKind.coordinator, "foreign").id)
    ref = {"system": "12345", "id": "HH20261204-0001"}
    tip, case_id = await on_case(client, db, world, external_ref=ref)
    office = world.headers(Role.coordinator)
    [(agency, data)] = await events(db, "tip.status_changed")
    assert agency == office_agency.id  # the foreign county's office hears nothing
    assert data["external_ref"] == ref and data["status"] == "investigating"
    assert data["status_label"] == "调查中" and data["satisfaction"] is None
    await client.post(
        f"/api/v1/tips/{tip['id']}/replies", json={"message": "已交公安局查处"}, headers=office
    )
    assert len(await events(db, "tip.status_changed")) == 1  # a reply alone changes no status
    police, labour = world.headers(Role.agency_officer), world.headers(Role.agency_lead)
    for who in (police, labour):
        for a in (await client.get("/api/v1/queue", headers=who)).json()["items"]:
            assert (
                await client.post(f"/api/v1/assignments/{a['id']}/accept", headers=who)
            ).status_code == 200
            done = await client.post(
                f"/api/v1/assignments/{a['id']}/conclude", json={"summary": "已解救"}, headers=who
            )
            assert done.status_code == 200, done.text
    closed = await client.post(
        f"/api/v1/cases/{case_id}/close", json={"summary": "结案"}, headers=office
    )
    assert closed.status_code == 200, closed.text
    told = await events(db, "tip.status_changed")
    assert [d["status"] for _, d in told] == ["investigating", "handled"]
    last = told[-1][1]
    assert last["external_ref"] == ref and last["previous_status"] == "investigating"
    assert last["latest_reply"]["message"] == "已交公安局查处"
    assert PHONE not in str(last) and NAME not in str(last)
    # the reporter's 评价 goes back the same way, without their words
    said = await client.post(
        "/public/v1/tips/feedback",
        json={"receipt": tip["receipt"], "satisfied": False, "comment": "孩子还在窑上，电话138"},
    )
    assert said.status_code in (200, 201), said.text
    told = await events(db, "tip.status_changed")
    answer = told[-1][1]["satisfaction"]
    assert answer["satisfied"] is False and answer["source"] == "web"
    assert "孩子还在窑上" not in str(told[-1][1])


async def test_an_extended_clock_is_told_to_the_reporter_with_the_new_date(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    office_agency = world.agency(AgencyKind.coordinator)
    await hooks(db, office_agency.id)
    ref = {"system": "12345", "id": "HH20261204-0042"}
    tip, _ = await on_case(
        client,
        db,
        world,
        violation_types=["wage_arrears"],
        external_ref=ref,
        description="旺达砖厂拖欠工资",
    )
    lead = world.headers(Role.agency_lead)  # the labour bureau's head
    [share] = (await client.get("/api/v1/queue", headers=lead)).json()["items"]
    await client.post(f"/api/v1/assignments/{share['id']}/accept", headers=lead)
    filed = await client.post(f"/api/v1/assignments/{share['id']}/file", headers=lead, json={})
    assert filed.status_code == 200, filed.text
    asked = await client.post(
        f"/api/v1/assignments/{share['id']}/extensions",
        headers=lead,
        json={"working_days": 30, "reason": "涉及三十一名工人，需逐人核对工资"},
    )
    assert asked.status_code == 201, asked.text
    lookup = {"receipt": tip["receipt"]}
    assert (await client.post("/public/v1/tips/lookup", json=lookup)).json()["notices"] == []
    ok = await client.post(
        f"/api/v1/extensions/{asked.json()['id']}/approve", headers=lead, json={}
    )
    assert ok.status_code == 200, ok.text
    until = date.fromisoformat(ok.json()["investigate_by_after"])
    [notice] = (await client.post("/public/v1/tips/lookup", json=lookup)).json()["notices"]
    assert notice["kind"] == "extended" and notice["expected_by"] == str(until)
    assert f"{until.year}年{until.month}月{until.day}日" in notice["message"]
    assert "三十一名" not in notice["message"]  # the reason is the agency's
    told = await events(db, "tip.status_changed")
    assert told[-1][1]["external_ref"] == ref
    assert [n["kind"] for n in told[-1][1]["notices"]] == ["extended"]
