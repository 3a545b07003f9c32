"""A worker's own complaint (投诉) is accepted or refused within 5 working days
(关于实施《劳动保障监察条例》若干规定 第18条); a report (举报) keeps the hours-based clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from app.domain.taxonomy import Role
from tests.factories import World

TIP = {
    "description": "老板拖欠我三个月工资",
    "violation_types": ["wage_arrears"],
    "employer_name": "黄骅市旺达砖厂",
    "channel": "phone",
}


async def test_a_complaint_is_due_at_the_end_of_its_fifth_working_day_in_china(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    # received Friday 4 December 2026, 07:30 in China: Mon 7 … Fri 11 are the five days
    officer = world.headers(Role.agency_officer)
    r = await client.post("/api/v1/tips", json={**TIP, "kind": "complaint"}, headers=officer)
    assert r.status_code == 201, r.text
    assert r.json()["triage_due_at"] == datetime(2026, 12, 11, 16, tzinfo=UTC).isoformat().replace(
        "+00:00", "Z"
    )
    tip = (
        await client.get(f"/api/v1/tips/{r.json()['id']}", headers=world.headers(Role.coordinator))
    ).json()
    assert tip["kind"] == "complaint"
    # a report keeps the hours (72 by default), a critical complaint the 24 h
    report = (await client.post("/api/v1/tips", json=TIP, headers=officer)).json()
    assert report["triage_due_at"].startswith("2026-12-06T23:30")
    critical = (
        await client.post(
            "/api/v1/tips",
            headers=officer,
            json={**TIP, "kind": "complaint", "violation_types": ["forced_labour"]},
        )
    ).json()
    assert critical["triage_due_at"].startswith("2026-12-04T23:30")


async def test_the_tip_line_takes_a_complaint_and_nothing_else_as_a_kind(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    public = {
        **{k: v for k, v in TIP.items() if k != "channel"},
        "jurisdiction_id": str(world.places["home"].id),
    }
    r = await client.post("/public/v1/tips", json={**public, "kind": "complaint"})
    assert r.status_code == 201, r.text
    coordinator = world.headers(Role.coordinator)
    listed = (await client.get("/api/v1/tips", headers=coordinator)).json()["items"]
    assert [(t["kind"], t["triage_due_at"][:16]) for t in listed] == [
        ("complaint", "2026-12-11T16:00")
    ]
    r = await client.post("/public/v1/tips", json={**public, "kind": "petition"})
    assert r.status_code == 422
