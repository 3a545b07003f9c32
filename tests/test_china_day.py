""" "Today" is China's date, whatever the hour in UTC and whatever the machine's time zone.

Each test runs with the clock at 23:00 UTC and at 07:30 in China (23:30 UTC the day
before), the hours when the UTC date is still yesterday in Huanghua, and with the
machine's TZ set to UTC and to Asia/Shanghai. A visit made this morning is not in
the future; a licence is good through its last day in China; a rectification whose
deadline was yesterday in China is overdue, in the case list, the worker's sweep and
the statistics table.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import time_machine
from sqlmodel import select

from app import clock
from app.db import transaction
from app.domain.chinatime import CHINA_TZ
from app.domain.taxonomy import AgencyKind, Role
from app.models.cases import Assignment, Escalation, Rectification
from app.services.cases import escalations
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World

INSTANTS = {
    "23:00 UTC": datetime(2026, 12, 3, 23, 0, tzinfo=UTC),
    "07:30 in China": datetime(2026, 12, 4, 7, 30, tzinfo=CHINA_TZ).astimezone(UTC),
}
CHINA_TODAY = date(2026, 12, 4)


@pytest.fixture(params=["UTC", "Asia/Shanghai"])
def machine_tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """The machine's local time zone (TZ, applied with time.tzset), restored after."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    try:
        yield str(request.param)
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture(params=list(INSTANTS))
def china_today(request: pytest.FixtureRequest, machine_tz: str) -> Iterator[date]:
    """The clock started at one of INSTANTS (ticking on); China's date then."""
    with time_machine.travel(INSTANTS[request.param], tick=True):
        assert clock.now().date() == CHINA_TODAY - timedelta(days=1)  # UTC: still yesterday
        assert clock.today() == CHINA_TODAY
        yield CHINA_TODAY


async def _accepted_labour_assignment(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> tuple[str, dict[str, str]]:
    await file(db, await make_employer(db, world), "wage_arrears")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    aid = (await client.get("/api/v1/queue", headers=labour)).json()["items"][0]["id"]
    r = await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    assert r.status_code == 200, r.text
    return aid, labour


async def test_a_visit_made_this_morning_in_china_is_not_in_the_future(
    china_today: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aid, labour = await _accepted_labour_assignment(client, world, db)
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={"type": "rectification_order", "note": "限期补发工资", "deadline": str(china_today)},
    )
    assert r.status_code == 201, r.text  # a deadline of today is not in the past
    rect = r.json()["rectification"]
    assert rect["ordered_on"] == str(china_today)
    url = f"/api/v1/rectifications/{rect['id']}/follow-ups"
    tomorrow = await client.post(
        url,
        headers=labour,
        json={"visited_on": str(china_today + timedelta(days=1)), "corrected": True},
    )
    assert tomorrow.status_code == 422
    r = await client.post(
        url,
        headers=labour,
        json={"visited_on": str(china_today), "corrected": True, "note": "今早复查，已整改"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["rectification"]["status"] == "corrected"


async def test_a_licence_is_good_through_its_last_day_in_china(
    china_today: date, client: httpx.AsyncClient, world: World
) -> None:
    town = str(world.places["town"].id)
    headers = world.headers(Role.coordinator)

    async def mine(name: str, safety_until: date) -> list[str]:
        r = await client.post(
            "/api/v1/employers",
            headers=headers,
            json={
                "name": name,
                "industry": "mine",
                "jurisdiction_id": town,
                "licences": [
                    {"kind": "business", "number": f"B-{name}", "valid_until": None},
                    {"kind": "safety", "number": f"S-{name}", "valid_until": str(safety_until)},
                ],
            },
        )
        assert r.status_code == 201, r.text
        return list(r.json()["flags"])

    assert await mine("今天到期", china_today) == []
    assert await mine("昨天到期", china_today - timedelta(days=1)) == [
        "licence_expired",
        "no_safety_permit",
    ]
    r = await client.get("/api/v1/employers", headers=headers, params={"flag": "licence_expired"})
    assert [e["name"] for e in r.json()["items"]] == ["昨天到期"]


async def test_a_rectification_due_yesterday_in_china_is_overdue(
    china_today: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aid, _ = await _accepted_labour_assignment(client, world, db)
    async with transaction(db.sessionmaker) as session:
        a = await session.get(Assignment, uuid.UUID(aid))
        assert a is not None
        late = Rectification(
            case_id=a.case_id,
            assignment_id=a.id,
            ordered_on=china_today - timedelta(days=10),
            deadline=china_today - timedelta(days=1),
        )
        session.add(late)
    office = world.headers(Role.coordinator)
    r = await client.get("/api/v1/cases", headers=office, params={"overdue": "true"})
    assert [c["id"] for c in r.json()["items"]] == [str(a.case_id)]
    async with transaction(db.sessionmaker) as session:
        assert await escalations.escalate_overdue_rectifications(session) == 1
        esc = (await session.exec(select(Escalation))).one()
    # its last day ended at midnight in China, 16:00 UTC
    assert esc.deadline_at == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


async def test_the_statistics_table_counts_overdue_by_chinas_date(
    china_today: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    office = world.headers(Role.coordinator)
    county = str(world.places["home"].id)
    r = await client.post(
        "/api/v1/campaigns",
        headers=office,
        json={
            "name": "专项行动",
            "jurisdiction_id": county,
            "starts_on": str(china_today - timedelta(days=30)),
            "ends_on": str(china_today + timedelta(days=30)),
        },
    )
    assert r.status_code == 201, r.text
    campaign_id = r.json()["id"]
    aid, labour = await _accepted_labour_assignment(client, world, db)
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={"type": "rectification_order", "note": "限期整改", "deadline": str(china_today)},
    )
    assert r.status_code == 201, r.text
    async with transaction(db.sessionmaker) as session:  # a day on, the deadline has passed
        rect = await session.get(Rectification, uuid.UUID(r.json()["rectification"]["id"]))
        assert rect is not None
        rect.deadline = china_today - timedelta(days=1)
        session.add(rect)
    r = await client.get(
        "/api/v1/stats",
        headers=office,
        params={"campaign_id": campaign_id, "jurisdiction_id": county},
    )
    assert r.status_code == 200, r.text
    total = r.json()["total"]
    assert (total["rectifications_ordered"], total["rectifications_overdue"]) == (1, 1)
