"""Filing (立案) and the handling clock: numbers, deadlines in working days, extensions."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import httpx
import pytest

from app.clock import today
from app.db import transaction
from app.domain.permissions import Actor
from app.domain.taxonomy import AgencyKind, Role
from app.domain.workdays import add_working_days
from app.services.cases import filing
from app.services.registry import workdays
from app.services.registry.accounts import actor_from_token
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World


async def _accepted(
    client: httpx.AsyncClient,
    world: World,
    db: TestDatabase,
    kind: AgencyKind = AgencyKind.labour,
    violation: str = "wage_arrears",
    name: str = "黄骅市旺达砖厂",
) -> tuple[str, dict[str, str]]:
    await file(db, await make_employer(db, world, name=name), violation)
    _, officer = await world.add_user(Role.agency_officer, kind)
    items = (await client.get("/api/v1/queue?status=pending", headers=officer)).json()["items"]
    aid = items[0]["id"]
    assert (
        await client.post(f"/api/v1/assignments/{aid}/accept", headers=officer)
    ).status_code == 200
    return aid, officer


async def test_a_labour_officer_files_and_gets_a_number_and_a_60_working_day_clock(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aid, labour = await _accepted(client, world, db)
    r = await client.post(
        f"/api/v1/assignments/{aid}/file", headers=labour, json={"note": "拖欠工资，予以立案"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    agency = world.agency(AgencyKind.labour)
    assert body["number"] == f"{agency.name}立〔{today().year}〕1号"
    async with db.sessionmaker() as session:
        cal = await workdays.work_calendar(session, today().year)
    assert body["investigate_by"] == str(add_working_days(cal, today(), 60))
    assert body["clock"] == {
        "days": 60,
        "unit": "working_days",
        "extension": 30,
        "basis": "劳动保障监察条例 第17条",
    }
    again = await client.post(f"/api/v1/assignments/{aid}/file", headers=labour, json={})
    assert again.status_code == 409 and body["number"] in again.json()["detail"]
    # the next filing of the same agency takes the next number
    aid2, _ = await _accepted(client, world, db, name="黄骅市兴旺砖厂")
    r = await client.post(f"/api/v1/assignments/{aid2}/file", headers=labour, json={})
    assert r.json()["number"] == f"{agency.name}立〔{today().year}〕2号"


async def test_filing_needs_an_accepted_assignment_of_an_enforcing_agency(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    await file(db, await make_employer(db, world), "forced_labour")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    mine = (await client.get("/api/v1/queue", headers=labour)).json()["items"][0]["id"]
    r = await client.post(f"/api/v1/assignments/{mine}/file", headers=labour, json={})
    assert r.status_code == 409 and "accept" in r.json()["detail"]
    police = world.headers(Role.agency_officer)  # the world's officer is police
    aid = (await client.get("/api/v1/queue", headers=police)).json()["items"][0]["id"]
    await client.post(f"/api/v1/assignments/{aid}/accept", headers=police)
    r = await client.post(f"/api/v1/assignments/{aid}/file", headers=police, json={})
    assert r.status_code == 409 and "criminal transfer" in r.json()["detail"]
    _, foreign_labour = await world.add_user(Role.agency_officer, AgencyKind.labour, "foreign")
    r = await client.post(f"/api/v1/assignments/{aid}/file", headers=foreign_labour, json={})
    assert r.status_code == 404


async def test_an_agency_system_files_with_its_own_number_once(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aid, labour = await _accepted(client, world, db)
    aid2, _ = await _accepted(client, world, db, name="黄骅市兴旺砖厂")
    r = await client.post(
        f"/api/v1/assignments/{aid}/file", headers=labour, json={"external_number": "HH-2026-0077"}
    )
    assert r.status_code == 200 and r.json()["number"] == "HH-2026-0077"
    assert r.json()["external"] is True
    r = await client.post(
        f"/api/v1/assignments/{aid2}/file", headers=labour, json={"external_number": "HH-2026-0077"}
    )
    assert r.status_code == 409 and "HH-2026-0077" in r.json()["detail"]
    r = await client.post(
        f"/api/v1/assignments/{aid2}/file", headers=labour, json={"external_number": "x" * 65}
    )
    assert r.status_code == 422


async def test_an_extension_needs_the_agency_head(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aid, labour = await _accepted(client, world, db)
    filed = (await client.post(f"/api/v1/assignments/{aid}/file", headers=labour, json={})).json()
    url = f"/api/v1/assignments/{aid}/extensions"
    assert (
        await client.post(url, headers=labour, json={"working_days": 31, "reason": "复杂"})
    ).status_code == 422
    r = await client.post(url, headers=labour, json={"working_days": 30, "reason": "案情复杂"})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    ext = r.json()["id"]
    assert (
        await client.post(url, headers=labour, json={"working_days": 5, "reason": "再延"})
    ).status_code == 409
    # the officer may not approve; another agency's head sees nothing; the head approves
    assert (
        await client.post(f"/api/v1/extensions/{ext}/approve", headers=labour, json={})
    ).status_code == 403
    _, commerce_lead = await world.add_user(Role.agency_lead, AgencyKind.commerce)
    assert (
        await client.post(f"/api/v1/extensions/{ext}/approve", headers=commerce_lead, json={})
    ).status_code == 404
    lead = world.headers(Role.agency_lead)  # the world's head is labour's
    assert (
        await client.post(f"/api/v1/extensions/{ext}/reject", headers=lead, json={"reason": " "})
    ).status_code == 422
    r = await client.post(f"/api/v1/extensions/{ext}/approve", headers=lead, json={})
    assert r.status_code == 200, r.text
    async with db.sessionmaker() as session:
        cal = await workdays.work_calendar(session, today().year)
    due = add_working_days(cal, date.fromisoformat(filed["investigate_by"]), 30)
    assert r.json()["investigate_by_after"] == str(due)
    assert (
        await client.post(f"/api/v1/extensions/{ext}/approve", headers=lead, json={})
    ).status_code == 409


async def _labour_actor(db: TestDatabase, world: World) -> Actor:
    _, headers = await world.add_user(Role.agency_officer, AgencyKind.labour)
    return actor_from_token(db.settings, headers["Authorization"].removeprefix("Bearer "))


@pytest.mark.parametrize(
    ("filed_at", "due"),
    [
        # 16:30 China time on 30 September 2026, the last working day before National Day
        (datetime(2026, 9, 30, 8, 30, tzinfo=UTC), date(2026, 12, 29)),
        # 07:30 China time on 1 October is still 30 September in UTC: China's day counts
        (datetime(2026, 9, 30, 23, 30, tzinfo=UTC), date(2026, 12, 29)),
    ],
)
async def test_filed_before_national_day_is_due_60_working_days_later(
    world: World, db: TestDatabase, filed_at: datetime, due: date, client: httpx.AsyncClient
) -> None:
    aid, _ = await _accepted(client, world, db)
    actor = await _labour_actor(db, world)
    async with transaction(db.sessionmaker) as session:
        got = await filing.file_assignment(session, actor, aid, now=filed_at)
    assert got.investigate_by == due
    assert got.number.endswith("〔2026〕1号")


async def test_concurrent_filings_take_gap_free_unique_numbers(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aids = [(await _accepted(client, world, db, name=f"砖厂{i}"))[0] for i in range(8)]
    actor = await _labour_actor(db, world)

    async def one(aid: str) -> str:
        async with transaction(db.sessionmaker) as session:
            return (await filing.file_assignment(session, actor, aid)).number

    numbers = await asyncio.gather(*(one(a) for a in aids))
    got = sorted(int(n.split("〕")[1].rstrip("号")) for n in numbers)
    assert got == list(range(1, 9))


async def test_the_case_ledger_shows_the_investigation_deadline_once_filed(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    """办理期限 is the time to accept until the agency files, then its 60-working-day clock."""
    import csv
    import io

    def deadline(r: httpx.Response) -> str:
        assert r.status_code == 200, r.text
        header, *rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        mine = [row for row in rows if row[header.index("承办单位")] == agency.name]
        assert len(mine) == 1
        return mine[0][header.index("办理期限")]

    agency = world.agency(AgencyKind.labour)
    aid, labour = await _accepted(client, world, db)
    before = deadline(await client.get("/api/v1/ledger/cases", headers=labour))
    assert len(before) == len("2026-12-04 09:00")  # the accept deadline, a time
    filed = await client.post(f"/api/v1/assignments/{aid}/file", headers=labour, json={})
    assert filed.status_code == 200, filed.text
    after = deadline(await client.get("/api/v1/ledger/cases", headers=labour))
    assert after == filed.json()["investigate_by"]
