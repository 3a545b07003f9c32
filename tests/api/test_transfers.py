"""Criminal transfers (两法衔接, 国务院令第310号): the head approves, the police decide, every
step on a clock that escalates, and the statistics count transfers and filings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from app.clock import now as clock_now
from app.clock import today
from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.services.cases import escalations
from tests.api.inspection_world import make_campaign
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World

POLICE = Role.agency_officer  # the world's officer is the county police's
LEAD = Role.agency_lead  # the world's head is the county labour bureau's


async def _accepted(
    client: httpx.AsyncClient, world: World, db: TestDatabase, violation: str = "wage_arrears"
) -> tuple[str, dict[str, str]]:
    await file(db, await make_employer(db, world), violation)
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    queue = await client.get("/api/v1/queue?status=pending", headers=labour)
    aid = queue.json()["items"][0]["id"]
    assert (
        await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    ).status_code == 200
    return aid, labour


async def _requested(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> tuple[dict[str, Any], dict[str, str]]:
    aid, labour = await _accepted(client, world, db)
    r = await client.post(
        f"/api/v1/assignments/{aid}/transfers",
        headers=labour,
        json={"facts": "经责令支付仍拒不支付31名工人工资，涉嫌拒不支付劳动报酬罪"},
    )
    assert r.status_code == 201, r.text
    return r.json(), labour


async def _sent(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> tuple[dict[str, Any], dict[str, str]]:
    t, labour = await _requested(client, world, db)
    r = await client.post(f"/api/v1/transfers/{t['id']}/approve", headers=world.headers(LEAD))
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/transfers/{t['id']}/send", headers=labour, json={})
    assert r.status_code == 200, r.text
    return r.json(), labour


async def _escalations(client: httpx.AsyncClient, world: World, kind: str) -> list[Any]:
    r = await client.get(
        "/api/v1/escalations", params={"kind": kind}, headers=world.headers(Role.coordinator)
    )
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_the_whole_walk_from_request_to_filing_is_counted(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    cid = await make_campaign(
        client,
        world,
        starts_on=str(today() - timedelta(days=5)),
        ends_on=str(today() + timedelta(days=5)),
        phases=[],
    )
    t, labour = await _requested(client, world, db)
    assert t["status"] == "pending_approval" and t["police_assignment_id"] is None
    requested = clock_now()
    assert abs((_dt(t["approve_by"]) - requested) - timedelta(days=3)) < timedelta(minutes=1)
    approved = (
        await client.post(f"/api/v1/transfers/{t['id']}/approve", headers=world.headers(LEAD))
    ).json()
    assert approved["status"] == "approved"
    assert _dt(approved["send_by"]) - _dt(approved["decided_at"]) == timedelta(hours=24)
    police = world.headers(POLICE)
    assert (await client.get("/api/v1/queue", headers=police)).json()["items"] == []
    sent = (
        await client.post(
            f"/api/v1/transfers/{t['id']}/send", headers=labour, json={"note": "移送书已送达"}
        )
    ).json()
    assert sent["status"] == "sent"
    assert sent["police_agency_id"] == str(world.agency(AgencyKind.police).id)
    assert _dt(sent["decide_by"]) - _dt(sent["sent_at"]) == timedelta(days=3)
    queue = (await client.get("/api/v1/queue", headers=police)).json()["items"]
    assert [(q["id"], q["status"]) for q in queue] == [
        (sent["police_assignment_id"], "pending_filing")
    ]
    listed = await client.get("/api/v1/transfers?status=sent", headers=police)
    assert [x["id"] for x in listed.json()["items"]] == [t["id"]]
    r = await client.post(
        f"/api/v1/transfers/{t['id']}/decision",
        headers=police,
        json={"filed": True, "reason": "以涉嫌拒不支付劳动报酬罪立案侦查"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "filed" and r.json()["due_at"] is None
    queue = (await client.get("/api/v1/queue", headers=police)).json()["items"]
    assert [q["status"] for q in queue] == ["accepted"]
    # the transferring agency sees the answer on its own transfer
    mine = (await client.get(f"/api/v1/transfers/{t['id']}", headers=labour)).json()
    assert mine["status"] == "filed" and mine["filed"] is True
    stats = await client.get(
        "/api/v1/stats", params={"campaign_id": cid}, headers=world.headers(Role.coordinator)
    )
    assert stats.status_code == 200, stats.text
    total = stats.json()["total"]
    assert (total["cases_to_police"], total["criminal_cases_filed"]) == (1, 1)
    audit = await client.get(
        "/api/v1/audit", params={"entity_id": t["id"]}, headers=world.headers(Role.coordinator)
    )
    assert audit.status_code == 200, audit.text
    assert {e["action"] for e in audit.json()["items"]} == {
        "transfer.request",
        "transfer.approved",
        "transfer.send",
        "transfer.filed",
    }


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_only_the_head_of_the_same_agency_approves(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    t, labour = await _requested(client, world, db)
    url = f"/api/v1/transfers/{t['id']}/approve"
    assert (await client.post(url, headers=labour)).status_code == 403
    _, commerce_lead = await world.add_user(Role.agency_lead, AgencyKind.commerce)
    assert (await client.post(url, headers=commerce_lead)).status_code == 404
    _, foreign_lead = await world.add_user(Role.agency_lead, AgencyKind.labour, "foreign")
    assert (await client.post(url, headers=foreign_lead)).status_code == 404
    assert (
        await client.get(f"/api/v1/transfers/{t['id']}", headers=world.headers(POLICE))
    ).status_code == 404
    r = await client.post(
        f"/api/v1/transfers/{t['id']}/reject",
        headers=world.headers(LEAD),
        json={"reason": "证据不足，继续调查"},
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert (await client.post(url, headers=world.headers(LEAD))).status_code == 409


async def test_the_police_do_not_transfer_and_a_share_transfers_once_at_a_time(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    t, labour = await _requested(client, world, db)
    again = await client.post(
        f"/api/v1/assignments/{t['assignment_id']}/transfers",
        headers=labour,
        json={"facts": "再次移送"},
    )
    assert again.status_code == 409
    await file(db, await make_employer(db, world, name="黄骅市强迫劳动砖窑"), "forced_labour")
    police = world.headers(POLICE)
    queue = await client.get("/api/v1/queue?status=pending", headers=police)
    aid = queue.json()["items"][0]["id"]
    await client.post(f"/api/v1/assignments/{aid}/accept", headers=police)
    r = await client.post(
        f"/api/v1/assignments/{aid}/transfers", headers=police, json={"facts": "移送自己"}
    )
    assert r.status_code == 409


async def test_not_filing_needs_a_reason_and_tells_the_transferring_agency(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    t, labour = await _sent(client, world, db)
    police = world.headers(POLICE)
    url = f"/api/v1/transfers/{t['id']}/decision"
    r = await client.post(url, headers=police, json={"filed": False, "reason": "  "})
    assert r.status_code == 422, r.text
    assert (
        await client.post(url, headers=labour, json={"filed": True, "reason": ""})
    ).status_code == 404
    r = await client.post(
        url, headers=police, json={"filed": False, "reason": "工资已全部支付，不追究刑事责任"}
    )
    assert r.status_code == 200 and r.json()["status"] == "not_filed"
    queue = (await client.get("/api/v1/queue", headers=police)).json()["items"]
    assert [q["status"] for q in queue] == ["concluded"]
    mine = (await client.get(f"/api/v1/transfers/{t['id']}", headers=labour)).json()
    assert mine["filing_reason"] == "工资已全部支付，不追究刑事责任"
    # its feed (and so its webhooks) carried every step of its transfer
    changes = (await client.get("/api/v1/queue/changes", headers=labour)).json()["items"]
    assert [c["change"] for c in changes if c["assignment_id"] == t["assignment_id"]] == [
        "created",
        "accepted",
        "transfer",
        "transfer",
        "transfer",
        "transfer",
    ]
    labour_queue = (await client.get("/api/v1/queue", headers=labour)).json()["items"]
    assert labour_queue[0]["id"] == t["assignment_id"]


async def test_a_late_approval_escalates_once(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    t, _ = await _requested(client, world, db)
    late = _dt(t["approve_by"]) + timedelta(minutes=1)
    async with transaction(db.sessionmaker) as session:
        assert (
            await escalations.escalate_overdue_transfers(session, now=late - timedelta(minutes=2))
            == 0
        )
        assert await escalations.escalate_overdue_transfers(session, now=late) == 1
        assert await escalations.escalate_overdue_transfers(session, now=late) == 0
    found = await _escalations(client, world, "transfer_approval_overdue")
    assert [(e["subject_id"], e["agency_id"]) for e in found] == [
        (t["id"], str(world.agency(AgencyKind.labour).id))
    ]


async def test_a_transfer_not_sent_within_24_hours_escalates(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    t, _ = await _requested(client, world, db)
    approved = (
        await client.post(f"/api/v1/transfers/{t['id']}/approve", headers=world.headers(LEAD))
    ).json()
    late = _dt(approved["send_by"]) + timedelta(minutes=1)
    async with transaction(db.sessionmaker) as session:
        assert await escalations.escalate_overdue_transfers(session, now=late) == 1
    found = await _escalations(client, world, "transfer_send_overdue")
    assert [e["subject_id"] for e in found] == [t["id"]]
    assert await _escalations(client, world, "transfer_approval_overdue") == []


async def test_a_late_police_decision_escalates_against_the_police(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    t, _ = await _sent(client, world, db)
    late = _dt(t["decide_by"]) + timedelta(minutes=1)
    async with transaction(db.sessionmaker) as session:
        assert await escalations.escalate_overdue_transfers(session, now=late) == 1
    found = await _escalations(client, world, "transfer_decision_overdue")
    assert [(e["subject_id"], e["agency_id"]) for e in found] == [
        (t["id"], str(world.agency(AgencyKind.police).id))
    ]
    listed = await client.get("/api/v1/transfers", headers=world.headers(Role.coordinator))
    assert [x["id"] for x in listed.json()["items"]] == [t["id"]]
