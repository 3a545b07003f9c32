"""The queue versions a process holds: never a 304 for a queue that changed.

On PostgreSQL the versions are held in the process and kept current by NOTIFY; these
tests change queues through the API, through another engine's connections, and behind
the listener's back, and check that the next conditional GET sees it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from sqlmodel import col

from app.api.deps import MayQueueRead, required_permission
from app.api.routes import queue as queue_routes
from app.db import create_engine, create_sessionmaker, transaction
from app.domain.permissions import Permission
from app.domain.taxonomy import AgencyKind, Role
from app.models.case_schemas import QueueItem
from app.models.cases import Rectification
from app.models.common import Page
from app.services.integration import queue_versions
from tests.api.test_import import csv_bytes, upload, uscc
from tests.api.test_queue import statements
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World

QUEUE = "/api/v1/queue"


async def _listening(db: TestDatabase) -> queue_versions.QueueVersions:
    """The engine's held versions, once its listener is up (PostgreSQL)."""
    versions = queue_versions.versions_for(db.engine)
    for _ in range(100):
        if versions.live:
            return versions
        await versions.current(uuid.uuid4())  # starts the listener if it is not running
        await asyncio.sleep(0.05)
    raise AssertionError("the queue version listener did not start")


@pytest.fixture
async def elsewhere(db: TestDatabase) -> AsyncIterator[TestDatabase]:
    """The same database through an engine of its own: other connections, and no share
    in this process's held versions (as if another process wrote)."""
    engine = create_engine(db.settings)
    try:
        yield dataclasses.replace(db, engine=engine, sessionmaker=create_sessionmaker(engine))
    finally:
        await engine.dispose()


async def _conditional(
    client: httpx.AsyncClient, headers: dict[str, str], etag: str, url: str = QUEUE
) -> httpx.Response:
    return await client.get(url, headers={**headers, "If-None-Match": etag})


async def _held(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> tuple[dict[str, str], str, queue_versions.QueueVersions]:
    """The police queue with one case, its ETag, the listener up: the next poll is 304."""
    await file(db, await make_employer(db, world), "forced_labour")
    police = world.headers(Role.agency_officer)
    etag = (await client.get(QUEUE, headers=police)).headers["etag"]
    versions = await _listening(db)
    assert (await _conditional(client, police, etag)).status_code == 304
    return police, etag, versions


async def _bump_by_hand(elsewhere: TestDatabase, world: World) -> None:
    """A version bump made in SQL, which no NOTIFY announces."""
    async with elsewhere.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE agency_queue_state SET version = version + 1 WHERE agency_id = :a"),
            {"a": world.agency(AgencyKind.police).id},
        )


async def test_every_change_through_the_api_shows_on_the_next_conditional_get(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    await file(db, await make_employer(db, world, name="甲砖厂"), "forced_labour")
    await file(db, await make_employer(db, world, name="乙砖厂"), "id_document_detention")
    police = world.headers(Role.agency_officer)
    first = await client.get(QUEUE, headers=police)
    if db.is_postgres:
        await _listening(db)
    etag = first.headers["etag"]
    assert (await _conditional(client, police, etag)).status_code == 304
    a, b = [i["id"] for i in first.json()["items"]]
    changes = [("accept", a, {}), ("accept", b, {}), ("conclude", a, {"summary": "已立案侦查"})]
    for verb, aid, body in changes:
        done = await client.post(f"/api/v1/assignments/{aid}/{verb}", headers=police, json=body)
        assert done.status_code == 200, done.text
        seen = await _conditional(client, police, etag)
        assert seen.status_code == 200 and seen.headers["etag"] != etag, verb
        assert {i["id"]: i["status"] for i in seen.json()["items"]}[aid] == (
            "accepted" if verb == "accept" else "concluded"
        )
        etag = seen.headers["etag"]
        assert (await _conditional(client, police, etag)).status_code == 304


async def test_renaming_an_employer_changes_the_queues_that_show_it(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    """Queue items carry the employer's name, so a rename must not be answered 304."""
    employer = await make_employer(db, world, name="甲砖厂")
    await file(db, employer, "forced_labour")
    police = world.headers(Role.agency_officer)
    first = await client.get(QUEUE, headers=police)
    if db.is_postgres:
        await _listening(db)
    etag = first.headers["etag"]
    assert (await _conditional(client, police, etag)).status_code == 304
    moved = await client.patch(
        f"/api/v1/employers/{employer}",
        headers=world.headers(Role.coordinator),
        json={"address": "村北"},
    )
    assert moved.status_code == 200, moved.text
    assert (await _conditional(client, police, etag)).status_code == 304  # not on the page
    renamed = await client.patch(
        f"/api/v1/employers/{employer}",
        headers=world.headers(Role.coordinator),
        json={"name": "甲砖厂（已更名）"},
    )
    assert renamed.status_code == 200, renamed.text
    seen = await _conditional(client, police, etag)
    assert seen.status_code == 200 and seen.headers["etag"] != etag
    assert [i["case"]["employer"]["name"] for i in seen.json()["items"]] == ["甲砖厂（已更名）"]


async def test_an_import_that_renames_an_employer_changes_the_queues(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    row = ["银河铜矿有限责任公司", uscc(7), "mine", "黄骅镇", "西山口", "", "", "", ""]
    assert (await upload(client, world, csv_bytes([row]))).status_code == 200
    [employer] = (
        await client.get(
            "/api/v1/employers", params={"q": "银河铜矿"}, headers=world.headers(Role.coordinator)
        )
    ).json()["items"]
    await file(db, uuid.UUID(employer["id"]), "forced_labour")
    police = world.headers(Role.agency_officer)
    etag = (await client.get(QUEUE, headers=police)).headers["etag"]
    assert (await _conditional(client, police, etag)).status_code == 304
    renamed = await upload(client, world, csv_bytes([["银河铜业有限公司", *row[1:]]]))
    assert renamed.status_code == 200 and renamed.json()["updated"] == 1, renamed.text
    seen = await _conditional(client, police, etag)
    assert seen.status_code == 200
    assert [i["case"]["employer"]["name"] for i in seen.json()["items"]] == ["银河铜业有限公司"]


async def test_a_rectification_corrected_after_its_deadline_changes_the_queue(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    """The item showed its `rectify` clock run out; once a visit finds the order carried
    out it no longer does, so the old ETag must not be answered 304."""
    await file(db, await make_employer(db, world), "wage_arrears")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    [item] = (await client.get(QUEUE, headers=labour)).json()["items"]
    url = f"/api/v1/assignments/{item['id']}"
    assert (await client.post(f"{url}/accept", headers=labour)).status_code == 200
    order = {"type": "rectification_order", "note": "限期补发工资", "deadline": str(fixed_day)}
    r = await client.post(f"{url}/actions", headers=labour, json=order)
    assert r.status_code == 201, r.text
    rect = r.json()["rectification"]["id"]
    async with transaction(db.sessionmaker) as session:  # the deadline passed unheeded
        await session.exec(
            sa.update(Rectification)
            .where(col(Rectification.id) == uuid.UUID(rect))
            .values(deadline=fixed_day - timedelta(days=2))
        )
    first = await client.get(QUEUE, headers=labour)
    assert first.json()["items"][0]["overdue_clocks"] == ["rectify"]
    if db.is_postgres:
        await _listening(db)
    etag = first.headers["etag"]
    assert (await _conditional(client, labour, etag)).status_code == 304
    visit = {"visited_on": str(fixed_day), "corrected": True, "note": "工资已补发"}
    r = await client.post(f"/api/v1/rectifications/{rect}/follow-ups", headers=labour, json=visit)
    assert r.status_code == 201, r.text
    seen = await _conditional(client, labour, etag)
    assert seen.status_code == 200 and seen.headers["etag"] != etag
    assert seen.json()["items"][0]["overdue_clocks"] == []


async def test_a_change_committed_by_another_engine_arrives_by_notify(
    client: httpx.AsyncClient,
    world: World,
    db: TestDatabase,
    elsewhere: TestDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not db.is_postgres:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite reads the version every time")
    monkeypatch.setattr(queue_versions, "TTL", 3600.0)  # only a NOTIFY can tell of it
    police = world.headers(Role.agency_officer)
    etag = (await client.get(QUEUE, headers=police)).headers["etag"]
    await _listening(db)
    await _conditional(client, police, etag)  # held from here on
    with statements(db) as seen_sql:
        assert (await _conditional(client, police, etag)).status_code == 304
    assert [q for q in seen_sql if "agency_queue_state" in q] == []
    await file(elsewhere, await make_employer(elsewhere, world), "abduction")
    for _ in range(100):
        seen = await _conditional(client, police, etag)
        if seen.status_code == 200:
            break
        await asyncio.sleep(0.05)
    assert seen.status_code == 200 and seen.headers["etag"] != etag
    assert len(seen.json()["items"]) == 1


async def test_without_the_listener_every_poll_reads_the_database(
    client: httpx.AsyncClient,
    world: World,
    db: TestDatabase,
    elsewhere: TestDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not db.is_postgres:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    monkeypatch.setattr(queue_versions, "TTL", 3600.0)
    police, etag, versions = await _held(client, db, world)
    async with elsewhere.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
    for _ in range(100):
        if not versions.live:
            break
        await asyncio.sleep(0.05)
    assert not versions.live
    # A bump nobody is told of: only a database read can see it.
    await _bump_by_hand(elsewhere, world)
    seen = await _conditional(client, police, etag)
    assert seen.status_code == 200 and seen.headers["etag"] != etag


async def test_a_version_bumped_without_notify_is_seen_within_the_ttl(
    client: httpx.AsyncClient,
    world: World,
    db: TestDatabase,
    elsewhere: TestDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not db.is_postgres:
        pytest.skip("only PostgreSQL holds versions")
    monkeypatch.setattr(queue_versions, "TTL", 0.3)
    police, etag, _ = await _held(client, db, world)
    await _bump_by_hand(elsewhere, world)
    await asyncio.sleep(0.4)
    seen = await _conditional(client, police, etag)
    assert seen.status_code == 200 and seen.headers["etag"] != etag


async def test_no_304_outside_the_callers_agency_or_without_a_valid_request(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    await file(db, await make_employer(db, world), "forced_labour")
    police = world.headers(Role.agency_officer)
    police_etag = (await client.get(QUEUE, headers=police)).headers["etag"]
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    _, commerce = await world.add_user(Role.agency_officer, AgencyKind.commerce)
    other = await _conditional(client, commerce, police_etag)
    assert other.status_code == 200 and other.json()["items"] == []
    assert other.headers["etag"] != police_etag
    assert (await _conditional(client, labour, "*")).status_code == 304  # its own queue
    assert (await _conditional(client, {}, "*")).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await _conditional(client, bad, police_etag)).status_code == 401
    inspector = world.headers(Role.inspector)
    assert (await _conditional(client, inspector, "*")).status_code == 403
    for query in ("status=bogus", "limit=0", "limit=201", "overdue=maybe", "wait=31"):
        r = await _conditional(client, police, "*", f"{QUEUE}?{query}")
        assert r.status_code == 422, query
        assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "query",
    [
        "limit=1",
        "status=pending&severity=critical&overdue=false",
        "overdue=true",
        "status=accepted",
        "owner=none&severity=normal",
        "overdue=handling&limit=200",
    ],
)
async def test_the_common_path_answers_as_the_full_route_does(
    client: httpx.AsyncClient, world: World, db: TestDatabase, query: str
) -> None:
    await file(db, await make_employer(db, world, name="甲砖厂"), "forced_labour")
    await file(db, await make_employer(db, world, name="乙砖厂"), "id_document_detention")
    police = world.headers(Role.agency_officer)
    # `wait=0` means no long poll, so the same answer; it sends the request through
    # FastAPI's own parameter handling instead of the route's shortcut.
    common = await client.get(f"{QUEUE}?{query}", headers=police)
    full = await client.get(f"{QUEUE}?{query}&wait=0", headers=police)
    assert common.status_code == full.status_code == 200
    assert common.content == full.content and common.headers["etag"] == full.headers["etag"]
    page = Page[QueueItem].model_validate_json(common.content)
    assert page.model_dump_json().encode() == common.content  # the schema's exact shape
    for item in common.json()["items"]:  # times in UTC with their offset, as everywhere
        times = [item["due_at"], item["created_at"], item["updated_at"], item["case"]["opened_at"]]
        assert all(t.endswith("Z") for t in times), times
    if query == "limit=1":
        assert page.next_cursor is not None and 'rel="next"' in common.headers["link"]
        rest = await client.get(f"{QUEUE}?limit=1&cursor={page.next_cursor}", headers=police)
        (second,) = rest.json()["items"]
        assert second["id"] != str(page.items[0].id)


def _queue_route() -> APIRoute:
    (route,) = [r for r in queue_routes.router.routes if isinstance(r, APIRoute)]
    return route


def test_the_common_path_takes_the_routes_permission_and_defaults() -> None:
    route = _queue_route()
    permission, defaults = queue_routes.fast_path_of(route)
    assert permission == Permission.queue_read == required_permission(route.dependant)
    assert defaults == {
        "status": None,
        "overdue": None,
        "severity": None,
        "owner": None,
        "cursor": None,
        "limit": 50,
    }


def test_a_filter_the_common_path_cannot_read_stops_the_app() -> None:
    async def with_new_filter(actor: MayQueueRead, region: str | None = None) -> None: ...

    async def without_permission(status: str | None = None) -> None: ...

    route = _queue_route()
    newer = APIRoute(route.path, with_new_filter)
    with pytest.raises(RuntimeError, match="region"):
        queue_routes.fast_path_of(newer)
    with pytest.raises(RuntimeError, match="permission"):
        queue_routes.fast_path_of(APIRoute(route.path, without_permission))


def test_a_new_queue_item_field_stops_the_app() -> None:
    class Newer(QueueItem):
        priority: int = 0

    written = queue_routes.dict_shape(
        queue_routes._item(queue_routes._sample(), None, datetime.now(UTC))
    )
    assert written == queue_routes.model_shape(QueueItem)
    assert written != queue_routes.model_shape(Newer)
