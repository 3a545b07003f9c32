"""`serve --demo`'s county, read over HTTP by its own logins: every part the README points at.

The demo is placed around today, so these tests fix the clock (a mid-August morning
in China, still the evening before in UTC): a July-only campaign would show nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

import app.models
from app import auditlog, clock
from app.db import transaction
from app.models.audit import AuditEntry
from app.models.documents import Document
from app.models.stats import StatsEmployerTally, StatsFindingTally
from app.services.demo.demo import DEMO_PASSWORD, load_demo
from app.services.demo.demo_data import EMPLOYERS, INSPECTIONS, PUBLICITY, TIPS
from app.services.demo.demo_relay import TRANSFERS
from app.services.inspections.stats_tally import rebuild_tallies
from tests.conftest import TestDatabase

NOW = datetime(2026, 8, 14, 23, 30, tzinfo=UTC)  # 07:30 on 15 August in Huanghua
TODAY = date(2026, 8, 15)


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    with clock.fixed_at(NOW):
        yield


async def _load(db: TestDatabase) -> Any:
    async with transaction(db.sessionmaker) as session:
        return await load_demo(session, db.settings)


async def _counts(db: TestDatabase) -> dict[str, int]:
    async with db.engine.connect() as conn:
        return {
            t.name: (await conn.execute(sa.select(sa.func.count()).select_from(t))).scalar_one()
            for t in app.models.metadata.sorted_tables
        }


async def _tallies(session: AsyncSession) -> tuple[list[str], list[str]]:
    findings = (await session.exec(select(StatsFindingTally))).all()
    employers = (await session.exec(select(StatsEmployerTally))).all()
    return (
        sorted(f.model_dump_json() for f in findings if f.findings),
        sorted(e.model_dump_json() for e in employers),
    )


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": DEMO_PASSWORD},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_a_second_load_adds_nothing(db: TestDatabase) -> None:
    first = await _load(db)
    counts = await _counts(db)
    again = await _load(db)
    assert (first.played, again.played) == (True, False)
    assert await _counts(db) == counts
    assert again.campaign_id == first.campaign_id and again.receipt == first.receipt
    assert counts["employer"] == len(EMPLOYERS) and counts["tip"] == len(TIPS)
    assert counts["inspection"] == len(INSPECTIONS)


async def test_the_story_is_audited_and_tallied_as_the_api_would(db: TestDatabase) -> None:
    await _load(db)
    assert await db.seal_audit() > 250
    async with db.sessionmaker() as session:  # rolled back at the end
        verified = await auditlog.verify_chain(session)
        actions = set((await session.exec(select(AuditEntry.action))).all())
        kept = await _tallies(session)
        await rebuild_tallies(session)
        assert await _tallies(session) == kept
        assert kept[0] and kept[1]
    assert verified.ok
    assert {
        "inspection.seal",
        "tip.triage",
        "tip.reject",
        "tip.mark_duplicate",
        "assignment.accept",
        "assignment.conclude",
        "assignment.action.fine",
        "rectification.follow_up",
        "case.close",
        "disclosure.approve",
        "escalation.assignment_overdue",
        "inspection.evidence.create",
        "inspection.interview.create",
        "document.issue",
        "document.serve",
    } <= actions


async def test_the_campaign_is_in_enforcement_today_and_its_table_is_not_zero(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    demo = await _load(db)
    office = await _login(client, "coordinator")
    campaign = (await client.get(f"/api/v1/campaigns/{demo.campaign_id}", headers=office)).json()
    phases = {
        p["phase"]: (date.fromisoformat(p["starts_on"]), date.fromisoformat(p["ends_on"]))
        for p in campaign["phases"]
    }
    assert list(phases) == ["publicity", "self_check", "enforcement", "rectification"]
    assert phases["enforcement"][0] <= TODAY <= phases["enforcement"][1]
    r = await client.get("/api/v1/stats", params={"campaign_id": demo.campaign_id}, headers=office)
    assert r.status_code == 200, r.text
    total = r.json()["total"]
    assert total["employers_inspected"] == len({i.employer for i in INSPECTIONS})
    assert total["staff_turnout"] > total["employers_inspected"]  # two signers a team
    assert total["findings"] >= 20 and total["findings_child_labour"] == 1
    # the county's table counts the tips it kept: one was handed up to the city (转办)
    assert total["tips_received"] == len(TIPS) - len(TRANSFERS)
    assert all(total[f"tips_{ch}"] for ch in ("web", "phone", "letter", "visit", "mailbox"))
    # 立案/结案 are the agencies' filed cases: the kiln's, the workshop's (concluded), the
    # documents' kiln and its mine, not the nine cases the office coordinates.
    assert total["cases_opened"] == 4 and total["cases_closed"] == 1
    # the kiln's child labour transferred and filed; its forced labour the police filed
    # themselves: one case in each column
    assert total["cases_to_police"] == 1 and total["criminal_cases_filed"] == 1
    assert (total["fines"], total["fines_amount"]) == (2, "50000.00")
    assert total["wages_recovered_amount"] == "224200.00"
    assert (total["children_rescued"], total["persons_repatriated"]) == (2, 6)
    assert (total["suspensions"], total["sites_closed"]) == (1, 2)
    assert total["rectifications_completed"] == 1 and total["rectifications_overdue"] == 2
    assert total["rectifications_ordered"] == 8
    rows = {row["jurisdiction"]["name"]: row["figures"] for row in r.json()["rows"]}
    assert len(rows) == 10 and rows["旧城镇"]["children_rescued"] == 2
    inspected = (
        await client.get(
            "/api/v1/inspections",
            headers=office,
            params={"campaign_id": demo.campaign_id, "status": "signed", "limit": 50},
        )
    ).json()["items"]
    assert len(inspected) == len(INSPECTIONS)
    assert len({i["team_id"] for i in inspected if i["team_id"]}) == 3


async def test_the_ten_day_reports_show_who_submitted_and_the_county_sum(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    demo = await _load(db)
    office = await _login(client, "coordinator")
    r = await client.get(f"/api/v1/campaigns/{demo.campaign_id}/reporting", headers=office)
    assert r.json()["rhythm"]["days"] == [8, 18, 28]
    params = {"campaign_id": demo.campaign_id, "period_end": "2026-08-08"}
    r = await client.get("/api/v1/stats/submissions", params=params, headers=office)
    assert r.status_code == 200, r.text
    status = {p["jurisdiction"]["name"]: p["status"] for p in r.json()["places"]}
    assert len(status) == 10
    assert (status["黄骅镇"], status["羊二庄镇"], status["旧城镇"]) == ("submitted",) * 2 + (
        "late",
    )
    assert sorted(status.values()).count("missing") == 7
    r = await client.get("/api/v1/stats/reports", params=params, headers=office)
    county = r.json()
    assert county["frozen"] is False and len(county["missing"]) == 7
    assert county["form"]["total"]["employers_inspected"] > 0
    r = await client.get(
        "/api/v1/stats/submissions",
        params={**params, "period_end": "2026-07-28"},
        headers=office,
    )
    assert {p["status"] for p in r.json()["places"]} == {"submitted"}
    escalations = (
        await client.get("/api/v1/escalations", params={"kind": "report_missing"}, headers=office)
    ).json()["items"]
    assert len(escalations) == 7


async def test_the_labour_officer_queue_and_the_office_tips(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    await _load(db)
    labour = await _login(client, "officer.labour")
    items = (await client.get("/api/v1/queue", params={"limit": 200}, headers=labour)).json()[
        "items"
    ]
    states = {(i["case"]["employer"]["name"], i["status"], i["overdue"]) for i in items}
    assert ("滕庄子乡永盛建筑施工队", "pending", False) in states
    assert ("齐家务乡顺达物流园", "pending", True) in states
    assert ("旧城镇宏达砖厂", "accepted", False) in states
    assert ("南排河镇海丰水产品加工厂", "concluded", False) in states
    mine = (await client.get("/api/v1/queue", params={"owner": "me"}, headers=labour)).json()
    assert {i["case"]["employer"]["name"] for i in mine["items"]} == {
        "旧城镇宏达砖厂",
        "羊二庄镇红星砖窑厂",
    }
    assert all(i["investigate_by"] for i in mine["items"])
    supervision = await _login(client, "auditor")
    worst = (await client.get("/api/v1/accountability", headers=supervision)).json()["items"][0]
    assert worst["overdue_total"] > 0 and worst["escalations_30d"] > 0
    office = await _login(client, "coordinator")
    seen: dict[str, set[str]] = {}
    for status in ("received", "triaged", "rejected", "duplicate"):
        page = (await client.get("/api/v1/tips", params={"status": status}, headers=office)).json()[
            "items"
        ]
        assert page, status
        seen[status] = {t["channel"] for t in page}
    assert set().union(*seen.values()) == {"web", "phone", "letter", "visit", "mailbox"}
    triaged = (
        await client.get("/api/v1/tips", params={"status": "triaged"}, headers=office)
    ).json()["items"]
    assert [t["employer_name"] for t in triaged if t["kind"] == "complaint"] == ["永盛建筑施工队"]
    overdue = (
        await client.get("/api/v1/tips", params={"status": "received"}, headers=office)
    ).json()["items"]
    assert sorted(t["overdue"] for t in overdue) == [False, True]
    escalations = (
        await client.get("/api/v1/escalations", params={"limit": 200}, headers=office)
    ).json()["items"]
    assert {e["kind"] for e in escalations} == {
        "assignment_overdue",
        "rectification_overdue",
        "triage_overdue",
        "report_missing",
    }
    flagged = {
        flag: (await client.get("/api/v1/employers", params={"flag": flag}, headers=office)).json()[
            "items"
        ]
        for flag in ("no_business_licence", "licence_expired")
    }
    assert len(flagged["no_business_licence"]) == 3 and len(flagged["licence_expired"]) == 3


async def test_the_public_sees_one_result_and_the_tipster_the_replies(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    demo = await _load(db)
    published = (await client.get("/public/v1/disclosures")).json()["items"]
    assert [d["employer_name"] for d in published] == ["南排河镇海丰水产品加工厂"]
    status = await client.post("/public/v1/tips/lookup", json={"receipt": demo.receipt})
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "investigating"
    assert "公安" in status.json()["replies"][0]["message"]


async def test_a_12345_work_order_a_tip_handed_up_and_a_followup_for_the_police(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    """The reporter's loop (转办, 12345 work orders, 补充举报) as the demo shows it."""
    await _load(db)
    office = await _login(client, "coordinator")
    triaged = (
        await client.get("/api/v1/tips", params={"status": "triaged"}, headers=office)
    ).json()["items"]
    [order] = [t for t in triaged if t["external_ref"]]
    assert order["external_ref"] == {"system": "12345", "id": "HH20260814-0157"}
    received = (
        await client.get("/api/v1/tips", params={"status": "received"}, headers=office)
    ).json()["items"]
    assert not any(t["external_ref"] for t in received)  # the other one went to the city
    city = await _login(client, "coordinator.cangzhou")
    [handed_up] = [
        t
        for t in (await client.get("/api/v1/tips", headers=city)).json()["items"]
        if t["external_ref"] and t["external_ref"]["id"].endswith("-0088")
    ]
    moves = await client.get(f"/api/v1/tips/{handed_up['id']}/transfers", headers=city)
    assert "渤海新区" in moves.json()[0]["reason"]
    assert (await client.get(f"/api/v1/tips/{handed_up['id']}", headers=office)).status_code == 404
    police = await _login(client, "officer.police")
    kiln = next(
        i["case"]["id"]
        for i in (await client.get("/api/v1/queue", headers=police)).json()["items"]
        if i["case"]["employer"]["name"] == "旧城镇宏达砖厂"
    )
    notes = (await client.get(f"/api/v1/cases/{kiln}/notes", headers=police)).json()
    assert [n["kind"] for n in notes] == ["tipster_followup"] and "孩子" in notes[0]["message"]


async def test_the_umbrella_allegation_is_seen_above_the_county_only(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    await _load(db)
    city = await _login(client, "officer.supervision.cangzhou")
    mine = (
        await client.get(
            "/api/v1/cases", params={"violation_type": "official_misconduct"}, headers=city
        )
    ).json()["items"]
    assert [c["employer"]["name"] for c in mine] == ["官庄乡红光砖窑厂"]
    case_id = mine[0]["id"]
    county_supervision = await _login(client, "officer.supervision")
    assert (
        await client.get(f"/api/v1/cases/{case_id}", headers=county_supervision)
    ).status_code == 404
    commerce = await _login(client, "officer.commerce")
    seen = (await client.get(f"/api/v1/cases/{case_id}", headers=commerce)).json()
    assert "no_business_licence" in seen["violation_types"]
    assert "official_misconduct" not in seen["violation_types"]


async def test_the_labour_bureau_issues_numbered_papers_before_it_fines(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    await _load(db)
    async with db.sessionmaker() as session:
        papers = (await session.exec(select(Document))).all()
    by_kind: dict[str, list[Document]] = {}
    for doc in papers:
        by_kind.setdefault(doc.kind, []).append(doc)
    assert len(by_kind["rectification_instruction"]) == 8  # one per order
    notices = {d.fine_amount: d for d in by_kind["penalty_notice"]}
    assert notices[Decimal("30000.00")].hearing_right  # the copper mine, a company
    decisions = by_kind["penalty_decision"]
    assert sorted(d.fine_amount for d in decisions if d.served_on) == [
        Decimal("20000.00"),
        Decimal("30000.00"),
    ]
    labour = await _login(client, "officer.labour")
    r = await client.get(f"/api/v1/documents/{decisions[0].id}", headers=labour)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


async def test_the_kiln_names_its_people_to_those_who_work_with_them(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    demo = await _load(db)
    office = await _login(client, "coordinator")
    r = await client.get("/api/v1/cases", headers=office, params={"violation_type": "child_labour"})
    kiln = next(c for c in r.json()["items"] if c["employer"]["name"] == "旧城镇宏达砖厂")
    url = f"/api/v1/cases/{kiln['id']}/persons"
    listed = (await client.get(url, headers=await _login(client, "officer.labour"))).json()
    people = {p["name"]: p for p in listed["items"]}
    assert len(people) == 4 and listed["totals"]["children"] == 2
    assert people["杨小虎"]["flagged_child"] and people["杨小虎"]["id_number"].startswith("5116*")
    assert {p["handover"]["kind"] for p in people.values() if p["role"] == "child"} == {
        "rescue_station"
    }
    r = await client.get(url, headers=await _login(client, "officer.commerce"))
    assert r.status_code == 404  # on the case to close the site, not to see the people
    r = await client.get("/api/v1/stats", params={"campaign_id": demo.campaign_id}, headers=office)
    total = r.json()["total"]
    assert (total["children_rescued_recorded"], total["id_cards_returned"]) == (2, 2)
    assert total["persons_repatriated_recorded"] == 0  # the 6 sent home are the action's


async def test_the_township_of_the_documents_gets_its_summary_drafted(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    demo = await _load(db)
    office = await _login(client, "coordinator")
    url = f"/api/v1/campaigns/{demo.campaign_id}"
    listed = (await client.get(f"{url}/publicity", headers=office)).json()["items"]
    assert len(listed) == len(PUBLICITY)
    towns = (await client.get(f"{url}/coverage", headers=office)).json()
    assert towns["registered"] == len(EMPLOYERS)
    assert towns["not_inspected_total"] == len(EMPLOYERS) - len(
        {i.employer for i in INSPECTIONS if i.kind != "self_check"}
    )
    town = next(t for t in towns["townships"] if t["jurisdiction"]["name"] == "羊二庄镇")
    r = await client.get(
        "/api/v1/stats/summary",
        params={
            "campaign_id": demo.campaign_id,
            "jurisdiction_id": town["jurisdiction"]["id"],
            "format": "md",
        },
        headers=office,
    )
    assert r.status_code == 200, r.text
    assert r.text.startswith("# 羊二庄镇整治非法用工打击违法犯罪专项行动工作总结")
    assert "羊二庄镇红星砖窑厂（砖窑厂）共使用农民工19人，其中四川籍民工5人，当地人14人" in r.text
    assert "黄骅市银河铜矿有限责任公司（矿山）共使用农民工23人，其中当地的15人，外地的8人" in r.text
    assert "发放宣传资料600份（羊二庄大集）" in r.text


async def test_the_reporters_loop_one_satisfied_one_asking_for_rehandling(
    db: TestDatabase, client: httpx.AsyncClient
) -> None:
    await _load(db)
    office = await _login(client, "coordinator")
    [req] = (
        await client.get("/api/v1/rehandling-requests", params={"status": "open"}, headers=office)
    ).json()["items"]
    assert "孕期女工" in req["comment"] and req["source"] == "web"
    assert req["due_on"] > TODAY.isoformat() and not req["overdue"]
    tip = (await client.get(f"/api/v1/tips/{req['tip_id']}", headers=office)).json()
    assert tip["channel"] == "mailbox" and tip["needs_attention"]
    stats = (await client.get("/api/v1/stats/satisfaction", headers=office)).json()
    assert [
        (o["answered"], o["satisfied"], o["rehandling_requests"]) for o in stats["offices"]
    ] == [(2, 1, 1)]
    [labour] = [a for a in stats["agencies"] if a["kind"] == "labour"]
    assert (labour["answered"], labour["rate"]) == (2, 0.5)
    due = (await client.get("/api/v1/callbacks/due", headers=office)).json()["items"]
    assert due == []  # the phone reporter was called back the day after the closing
