"""The agency queue: oldest first, filters, ETag/304 without the list query, long poll."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import event

from app.domain.taxonomy import Role
from app.models.base import utcnow
from tests.cases_support import file, make_employer, set_due
from tests.conftest import TestDatabase
from tests.factories import World

QUEUE = "/api/v1/queue"


@contextmanager
def statements(db: TestDatabase) -> Iterator[list[str]]:
    seen: list[str] = []

    def on_execute(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)


async def _two_cases(db: TestDatabase, world: World) -> tuple[object, object]:
    first = await file(db, await make_employer(db, world, name="甲砖厂"), "forced_labour")
    second = await file(
        db, await make_employer(db, world, name="乙砖厂"), "no_employment_registration"
    )
    return first, second


async def test_queue_is_oldest_first_with_case_summaries_and_filters(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    first, second = await _two_cases(db, world)
    police = world.headers(Role.agency_officer)
    items = (await client.get(QUEUE, headers=police)).json()["items"]
    assert [i["case"]["id"] for i in items] == [str(first), str(second)]
    assert items[0]["case"]["employer"]["name"] == "甲砖厂"
    assert items[0]["case"]["severity"] == "critical" and items[0]["role"] == "lead"
    assert items[1]["role"] == "also"
    r = await client.get(f"{QUEUE}?severity=critical", headers=police)
    assert [i["case"]["id"] for i in r.json()["items"]] == [str(first)]
    page = await client.get(f"{QUEUE}?limit=1", headers=police)
    assert 'rel="next"' in page.headers["link"]
    rest = await client.get(f"{QUEUE}?limit=1&cursor={page.json()['next_cursor']}", headers=police)
    assert [i["case"]["id"] for i in rest.json()["items"]] == [str(second)]
    await set_due(db, items[1]["id"], utcnow() - timedelta(hours=1))
    r = await client.get(f"{QUEUE}?overdue=true", headers=police)
    assert [i["id"] for i in r.json()["items"]] == [items[1]["id"]]
    assert r.json()["items"][0]["overdue"] is True
    await client.post(f"/api/v1/assignments/{items[0]['id']}/accept", headers=police)
    r = await client.get(f"{QUEUE}?status=accepted", headers=police)
    assert [i["id"] for i in r.json()["items"]] == [items[0]["id"]]


async def test_unchanged_queue_answers_304_from_at_most_one_lookup(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    await _two_cases(db, world)
    police = world.headers(Role.agency_officer)
    r = await client.get(QUEUE, headers=police)
    etag = r.headers["etag"]
    assert etag.startswith('W/"')
    with statements(db) as seen:
        again = await client.get(QUEUE, headers={**police, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert [s for s in seen if "assignment " in s.lower() or "assignment\n" in s.lower()] == []
    # one version read at most: none when this process already holds the version
    assert len([s for s in seen if "agency_queue_state" in s]) <= 1
    other_filter = await client.get(
        f"{QUEUE}?status=pending", headers={**police, "If-None-Match": etag}
    )
    assert other_filter.status_code == 200
    aid = r.json()["items"][0]["id"]
    await client.post(f"/api/v1/assignments/{aid}/accept", headers=police)
    changed = await client.get(QUEUE, headers={**police, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["items"][0]["status"] == "accepted"


async def test_long_poll_returns_when_the_queue_changes(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    police = world.headers(Role.agency_officer)
    etag = (await client.get(QUEUE, headers=police)).headers["etag"]
    quiet = await client.get(f"{QUEUE}?wait=1", headers={**police, "If-None-Match": etag})
    assert quiet.status_code == 304

    async def route_a_case() -> None:
        await asyncio.sleep(0.3)
        await file(db, await make_employer(db, world), "abduction")

    loop = asyncio.get_running_loop()
    started = loop.time()
    polled, _ = await asyncio.gather(
        client.get(f"{QUEUE}?wait=20", headers={**police, "If-None-Match": etag}), route_a_case()
    )
    assert polled.status_code == 200
    assert len(polled.json()["items"]) == 1
    assert loop.time() - started < 15
    assert (await client.get(f"{QUEUE}?wait=31", headers=police)).status_code == 422
