"""Tips as the office sees them: operator intake, the queue, scope, contact, triage rules."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from sqlmodel import select

from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.employers import Employer
from app.models.tips import Tip
from app.services.tipline.tip_contacts import erase_expired_contacts
from tests.conftest import TestDatabase
from tests.factories import World

PHONE = "13912345678"


async def operator_tip(
    client: httpx.AsyncClient, world: World, place: str = "home", **body: object
) -> dict[str, object]:
    """A hotline call typed in by the home police operator, placed in `place`."""
    payload: dict[str, object] = {
        "channel": "phone",
        "description": "某砖厂扣工人身份证，晚上锁门",
        "violation_types": ["restriction_of_liberty"],
        "employer_name": "某砖厂",
        "address": "黄骅镇东村",
        "jurisdiction_id": str(world.places[place].id),
        "contact": {"name": "王先生", "phone": PHONE},
    }
    payload.update(body)
    r = await client.post("/api/v1/tips", json=payload, headers=world.headers(Role.agency_officer))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_operator_intake_reads_out_a_receipt_and_the_queue_has_the_tip(
    client: httpx.AsyncClient, world: World
) -> None:
    made = await operator_tip(client, world)
    assert made["channel"] == "phone" and len(str(made["receipt"])) == 24
    calm = await operator_tip(client, world, violation_types=["no_labour_contract"])
    r = await client.get("/api/v1/tips?status=received", headers=world.headers(Role.coordinator))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [t["id"] for t in items] == [made["id"], calm["id"]]  # oldest first
    due = [
        datetime.fromisoformat(t["triage_due_at"]) - datetime.fromisoformat(t["received_at"])
        for t in items
    ]
    assert due == [timedelta(hours=24), timedelta(hours=72)]
    assert [t["overdue"] for t in items] == [False, False]


async def test_contact_is_in_no_list_or_detail(client: httpx.AsyncClient, world: World) -> None:
    made = await operator_tip(client, world)
    coord = world.headers(Role.coordinator)
    listing = await client.get("/api/v1/tips", headers=coord)
    detail = await client.get(f"/api/v1/tips/{made['id']}", headers=coord)
    assert detail.status_code == 200
    for r in (listing, detail):
        assert PHONE not in r.text and "王先生" not in r.text and "contact" not in r.text


async def test_reveal_needs_a_reason_and_is_audited_without_the_contact(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    made = await operator_tip(client, world)
    coord = world.headers(Role.coordinator)
    url = f"/api/v1/tips/{made['id']}/contact"
    assert (await client.post(url, json={}, headers=coord)).status_code == 422
    assert (await client.post(url, json={"reason": "查"}, headers=coord)).status_code == 422
    r = await client.post(url, json={"reason": "需要回访核实窑厂位置"}, headers=coord)
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == PHONE and r.json()["name"] == "王先生"
    await db.seal_audit()
    async with db.sessionmaker() as s:
        entries = (
            await s.exec(select(AuditEntry).where(AuditEntry.action == "tip.contact_revealed"))
        ).all()
    assert len(entries) == 1
    assert entries[0].after == {"reason": "需要回访核实窑厂位置"}
    assert entries[0].actor_id == str(world.user(Role.coordinator).id)


async def test_only_coordinators_reveal(client: httpx.AsyncClient, world: World) -> None:
    made = await operator_tip(client, world)
    for role in (Role.agency_officer, Role.inspector, Role.auditor, Role.admin):
        r = await client.post(
            f"/api/v1/tips/{made['id']}/contact",
            json={"reason": "想看看是谁举报的"},
            headers=world.headers(role),
        )
        assert r.status_code == 403, role


async def test_a_foreign_coordinator_gets_404(client: httpx.AsyncClient, world: World) -> None:
    made = await operator_tip(client, world)
    foreign = world.headers(Role.coordinator, "foreign")
    base = f"/api/v1/tips/{made['id']}"
    assert (await client.get(base, headers=foreign)).status_code == 404
    assert (
        await client.post(f"{base}/contact", json={"reason": "需要核实情况"}, headers=foreign)
    ).status_code == 404
    assert (
        await client.post(
            f"{base}/triage", json={"decision": "reject", "reason": "无"}, headers=foreign
        )
    ).status_code == 404
    assert (await client.get("/api/v1/tips", headers=foreign)).json()["items"] == []


async def test_reject_needs_a_reason_and_happens_once(
    client: httpx.AsyncClient, world: World
) -> None:
    made = await operator_tip(client, world)
    coord = world.headers(Role.coordinator)
    url = f"/api/v1/tips/{made['id']}/triage"
    r = await client.post(url, json={"decision": "reject"}, headers=coord)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "reason"]
    r = await client.post(url, json={"decision": "reject", "reason": "  "}, headers=coord)
    assert r.status_code == 422
    ok = await client.post(
        url, json={"decision": "reject", "reason": "经核查无此厂"}, headers=coord
    )
    assert ok.status_code == 200 and ok.json()["status"] == "rejected"
    again = await client.post(url, json={"decision": "reject", "reason": "重复"}, headers=coord)
    assert again.status_code == 409


async def test_duplicates_name_another_tip_in_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await operator_tip(client, world)
    second = await operator_tip(client, world)
    coord = world.headers(Role.coordinator)
    url = f"/api/v1/tips/{second['id']}/triage"
    r = await client.post(url, json={"decision": "duplicate"}, headers=coord)
    assert r.status_code == 422
    r = await client.post(
        url, json={"decision": "duplicate", "duplicate_of": second["id"]}, headers=coord
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "duplicate_of"]
    foreign = await operator_tip(client, world, "foreign")
    r = await client.post(
        url, json={"decision": "duplicate", "duplicate_of": foreign["id"]}, headers=coord
    )
    assert r.status_code == 404
    r = await client.post(
        url, json={"decision": "duplicate", "duplicate_of": first["id"]}, headers=coord
    )
    assert r.status_code == 200 and r.json()["duplicate_of"] == first["id"]
    found = await client.post("/public/v1/tips/lookup", json={"receipt": second["receipt"]})
    assert found.json()["status"] == "received"  # follows the original, still untriaged
    await client.post(
        f"/api/v1/tips/{first['id']}/triage",
        headers=coord,
        json={"decision": "reject", "reason": "经核查该厂已关停"},
    )
    found = await client.post("/public/v1/tips/lookup", json={"receipt": second["receipt"]})
    assert (found.json()["status"], found.json()["outcome"]) == ("rejected", "经核查该厂已关停")


async def test_replies_reach_the_tipster_and_notes_never_do(
    client: httpx.AsyncClient, world: World
) -> None:
    made = await operator_tip(client, world)
    coord = world.headers(Role.coordinator)
    r = await client.post(
        f"/api/v1/tips/{made['id']}/replies",
        json={"message": "已转公安局核查，谢谢您的举报"},
        headers=coord,
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/tips/{made['id']}/notes",
        json={"message": "内部：窑主与村干部是亲戚"},
        headers=coord,
    )
    assert r.status_code == 201
    found = await client.post("/public/v1/tips/lookup", json={"receipt": made["receipt"]})
    data = found.json()
    assert [m["message"] for m in data["replies"]] == ["已转公安局核查，谢谢您的举报"]
    assert "村干部" not in found.text
    detail = (await client.get(f"/api/v1/tips/{made['id']}", headers=coord)).json()
    assert [m["kind"] for m in detail["messages"]] == ["reply", "note"]


async def test_unplaced_tips_wait_at_the_top_office_and_are_handed_down(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post("/public/v1/tips", json={"description": "不知道在哪个县的砖窑"})
    assert r.status_code == 201
    home = world.headers(Role.coordinator)
    _, city = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    assert (await client.get("/api/v1/tips", headers=home)).json()["items"] == []
    [tip] = (await client.get("/api/v1/tips", headers=city)).json()["items"]
    assert tip["jurisdiction_id"] is None
    foreign_place = str(world.places["foreign"].id)
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/assign-jurisdiction",
        json={"jurisdiction_id": foreign_place},
        headers=home,
    )
    assert r.status_code == 404  # the home office cannot see it, let alone hand it down
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/assign-jurisdiction",
        json={"jurisdiction_id": str(world.places["home"].id)},
        headers=city,
    )
    assert r.status_code == 200, r.text
    [mine] = (await client.get("/api/v1/tips", headers=home)).json()["items"]
    assert mine["id"] == tip["id"]


async def test_detail_suggests_the_likely_employer_and_duplicates(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    async with transaction(db.sessionmaker) as s:
        kiln = Employer(
            name="黄骅市某某砖窑厂",
            industry="brick_kiln",
            jurisdiction_id=world.places["town"].id,
            address="黄骅镇东村",
        )
        other = Employer(
            name="渤海化工有限公司",
            industry="manufacturing",
            jurisdiction_id=world.places["town"].id,
            address="港区",
        )
        far = Employer(
            name="某砖厂",
            industry="brick_kiln",
            jurisdiction_id=world.places["foreign"].id,
            address="献县",
        )
        s.add_all([kiln, other, far])
    first = await operator_tip(client, world, "town", employer_name="黄骅某砖厂")
    second = await operator_tip(client, world, "home", employer_name="某砖厂")
    detail = (
        await client.get(f"/api/v1/tips/{second['id']}", headers=world.headers(Role.coordinator))
    ).json()
    assert [e["id"] for e in detail["likely_employers"]] == [str(kiln.id)]
    assert [t["id"] for t in detail["likely_duplicates"]] == [first["id"]]


async def test_operator_intake_honours_idempotency_keys(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {
        "channel": "letter",
        "description": "来信：砖厂使用童工",
        "violation_types": ["child_labour"],
    }
    headers = {**world.headers(Role.agency_officer), "Idempotency-Key": "letter-2026-001"}
    a = await client.post("/api/v1/tips", json=body, headers=headers)
    b = await client.post("/api/v1/tips", json=body, headers=headers)
    assert a.status_code == b.status_code == 201
    assert a.json() == b.json()
    # another caller's same key is another tip
    c = await client.post(
        "/api/v1/tips",
        json=body,
        headers={**world.headers(Role.coordinator), "Idempotency-Key": "letter-2026-001"},
    )
    assert c.status_code == 201 and c.json()["id"] != a.json()["id"]


async def test_a_tip_past_its_deadline_is_overdue(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    made = await operator_tip(client, world)
    async with transaction(db.sessionmaker) as s:
        tip = await s.get(Tip, uuid.UUID(str(made["id"])))
        assert tip is not None
        tip.triage_due_at = utcnow() - timedelta(minutes=1)
        s.add(tip)
    [item] = (await client.get("/api/v1/tips", headers=world.headers(Role.coordinator))).json()[
        "items"
    ]
    assert item["overdue"] is True


async def test_an_erased_contact_reveals_nothing(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    made = await operator_tip(client, world)
    coord = world.headers(Role.coordinator)
    await client.post(
        f"/api/v1/tips/{made['id']}/triage",
        headers=coord,
        json={"decision": "reject", "reason": "不属实"},
    )
    async with transaction(db.sessionmaker) as s:
        tip = await s.get(Tip, uuid.UUID(str(made["id"])))
        assert tip is not None
        tip.triaged_at = utcnow() - timedelta(days=200)
        s.add(tip)
    async with transaction(db.sessionmaker) as s:
        assert await erase_expired_contacts(s, db.settings) == 1
    r = await client.post(
        f"/api/v1/tips/{made['id']}/contact", headers=coord, json={"reason": "回访举报人"}
    )
    assert r.status_code == 200
    assert r.json()["phone"] is None and r.json()["erased_at"] is not None
