"""People on an assignment and its three clocks: owners, `owner=` and `overdue=` filters,
on the queue's fast path and its full route alike."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import sqlalchemy as sa
from sqlmodel import col

from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.models.accounts import User
from app.models.cases import Assignment
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World

QUEUE = "/api/v1/queue"


async def _both_ways(client: httpx.AsyncClient, query: str, headers: dict[str, str]) -> list[str]:
    """The queue's fast path and its full route (any `wait` sends a request there) answer
    the same bytes and ETag; the ids listed."""
    fast = await client.get(f"{QUEUE}?{query}", headers=headers)
    full = await client.get(f"{QUEUE}?{query}&wait=0", headers=headers)
    assert fast.status_code == full.status_code == 200, fast.text
    assert fast.content == full.content and fast.headers["etag"] == full.headers["etag"]
    return [i["id"] for i in fast.json()["items"]]


async def _labour_work(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> tuple[str, str, uuid.UUID, dict[str, str], uuid.UUID, dict[str, str]]:
    """Two wage cases for labour: (first id, second id, officer A, A's headers, B, B's)."""
    await file(db, await make_employer(db, world, name="甲砖厂"), "wage_arrears")
    await file(db, await make_employer(db, world, name="乙砖厂"), "wage_arrears")
    a, a_headers = await world.add_user(Role.agency_officer, AgencyKind.labour)
    b, b_headers = await world.add_user(Role.agency_officer, AgencyKind.labour)
    first, second = [i["id"] for i in (await client.get(QUEUE, headers=a_headers)).json()["items"]]
    return first, second, a.id, a_headers, b.id, b_headers


async def _set(db: TestDatabase, assignment_id: str, **values: object) -> None:
    async with transaction(db.sessionmaker) as session:
        await session.exec(
            sa.update(Assignment)
            .where(col(Assignment.id) == uuid.UUID(assignment_id))
            .values(**values)
        )


async def test_the_head_gives_an_assignment_to_an_officer_who_finds_it_with_owner_me(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    first, second, a, a_headers, b, b_headers = await _labour_work(client, world, db)
    lead = world.headers(Role.agency_lead)  # the head of the home labour bureau
    etag = (await client.get(f"{QUEUE}?owner=me", headers=a_headers)).headers["etag"]
    r = await client.patch(f"/api/v1/assignments/{first}", headers=lead, json={"owner_id": str(a)})
    assert r.status_code == 200, r.text
    assert r.json()["owner_id"] == str(a)
    assert await _both_ways(client, "owner=me", a_headers) == [first]
    assert await _both_ways(client, "owner=me", b_headers) == []
    assert await _both_ways(client, f"owner={a}", b_headers) == [first]
    assert await _both_ways(client, "owner=none", b_headers) == [second]
    items = (await client.get(QUEUE, headers=b_headers)).json()["items"]
    assert [i["owner_id"] for i in items] == [str(a), None]
    # the change shows in the ETag of what A polls
    changed = await client.get(f"{QUEUE}?owner=me", headers={**a_headers, "If-None-Match": etag})
    assert changed.status_code == 200
    # one "me" is not another's: their ETags differ
    assert (await client.get(f"{QUEUE}?owner=me", headers=a_headers)).headers["etag"] != (
        await client.get(f"{QUEUE}?owner=me", headers=b_headers)
    ).headers["etag"]
    # an officer hands it on; the case view names the owner and the timeline the change
    r = await client.patch(
        f"/api/v1/assignments/{first}", headers=a_headers, json={"owner_id": str(b)}
    )
    assert r.status_code == 200 and r.json()["owner_id"] == str(b)
    case_id = (await client.get(QUEUE, headers=b_headers)).json()["items"][0]["case"]["id"]
    case = (await client.get(f"/api/v1/cases/{case_id}", headers=lead)).json()
    assert [x["owner_id"] for x in case["assignments"] if x["id"] == first] == [str(b)]
    assert [e["action"] for e in case["timeline"]].count("assignment.owner") == 2
    r = await client.patch(f"/api/v1/assignments/{first}", headers=lead, json={"owner_id": None})
    assert r.json()["owner_id"] is None
    assert await _both_ways(client, "owner=none", b_headers) == [first, second]


async def test_an_owner_must_be_an_active_user_of_the_agency(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    first, _, a, a_headers, b, _ = await _labour_work(client, world, db)
    police_officer = world.user(Role.agency_officer)  # of the police, not labour
    for owner in (police_officer.id, uuid.uuid4()):
        r = await client.patch(
            f"/api/v1/assignments/{first}", headers=a_headers, json={"owner_id": str(owner)}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "owner_id"]
    async with transaction(db.sessionmaker) as session:
        await session.exec(sa.update(User).where(col(User.id) == b).values(is_active=False))
    r = await client.patch(
        f"/api/v1/assignments/{first}", headers=a_headers, json={"owner_id": str(b)}
    )
    assert r.status_code == 422
    # another agency (police here, labour of the next county) does not see it at all
    for outsider in (
        world.headers(Role.agency_officer),
        (await world.add_user(Role.agency_officer, AgencyKind.labour, "foreign"))[1],
    ):
        r = await client.patch(
            f"/api/v1/assignments/{first}", headers=outsider, json={"owner_id": str(a)}
        )
        assert r.status_code == 404
    assert (await client.get(f"{QUEUE}?owner=somebody", headers=a_headers)).status_code == 422
    r = await client.get(QUEUE, headers=a_headers)
    assert all(i["owner_id"] is None for i in r.json()["items"])


async def test_three_clocks_in_the_queue_and_the_case_list(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    first, second, _, officer, _, _ = await _labour_work(client, world, db)
    for aid in (first, second):
        assert (
            await client.post(f"/api/v1/assignments/{aid}/accept", headers=officer)
        ).status_code == 200
    filed = await client.post(f"/api/v1/assignments/{first}/file", headers=officer, json={})
    assert filed.status_code == 200, filed.text
    assert await _both_ways(client, "overdue=handling", officer) == []
    # the last day to investigate is today: not yet overdue (China's date, 4 December)
    await _set(db, first, investigate_by=fixed_day)
    assert await _both_ways(client, "overdue=handling", officer) == []
    await _set(db, first, investigate_by=fixed_day - timedelta(days=1))
    assert await _both_ways(client, "overdue=handling", officer) == [first]
    item = (await client.get(QUEUE, headers=officer)).json()["items"][0]
    assert item["overdue_clocks"] == ["handling"] and item["overdue"] is False
    assert item["investigate_by"] == str(fixed_day - timedelta(days=1))
    # `overdue=true` keeps its meaning: past the deadline to accept
    assert await _both_ways(client, "overdue=true", officer) == []
    assert await _both_ways(client, "overdue=false", officer) == [first, second]
    # the rectification clock: an order past its deadline day
    r = await client.post(
        f"/api/v1/assignments/{second}/actions",
        headers=officer,
        json={"type": "rectification_order", "note": "限期补发工资", "deadline": str(fixed_day)},
    )
    assert r.status_code == 201, r.text
    assert await _both_ways(client, "overdue=rectify", officer) == []
    async with transaction(db.sessionmaker) as session:
        await session.exec(
            sa.text("UPDATE rectification SET deadline = :d"),
            params={"d": fixed_day - timedelta(days=2)},
        )
    assert await _both_ways(client, "overdue=rectify", officer) == [second]
    assert await _both_ways(client, "overdue=handling&owner=none", officer) == [first]
    # the case list knows the same clocks, for whoever sees the cases
    coordinator = world.headers(Role.coordinator)
    for clock, aid in (("handling", first), ("rectify", second)):
        cases = (await client.get(f"/api/v1/cases?overdue={clock}", headers=coordinator)).json()
        queue_case = next(
            i["case"]["id"]
            for i in (await client.get(QUEUE, headers=officer)).json()["items"]
            if i["id"] == aid
        )
        assert [c["id"] for c in cases["items"]] == [queue_case]
        detail = (await client.get(f"/api/v1/cases/{queue_case}", headers=coordinator)).json()
        assert [x["overdue_clocks"] for x in detail["assignments"] if x["id"] == aid] == [[clock]]
    assert (await client.get("/api/v1/cases?overdue=soon", headers=coordinator)).status_code == 422
