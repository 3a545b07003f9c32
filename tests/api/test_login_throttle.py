"""Failed logins lock a name (and a source) out with growing delays; hashing stays off the loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from app import security
from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind
from app.services.registry import login_throttle
from app.services.registry.accounts import create_service_account
from tests.conftest import TestDatabase, app_for
from tests.factories import PASSWORD, World

TOKEN = "/api/v1/auth/token"


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        TOKEN, data={"grant_type": "password", "username": username, "password": password}
    )


def _shape(r: httpx.Response) -> tuple[int, str, dict[str, Any]]:
    body = {k: v for k, v in r.json().items() if k not in ("instance", "request_id")}
    return r.status_code, r.headers["content-type"], body


async def test_sixty_wrong_passwords_then_the_right_one_is_refused_with_retry_after(
    client: httpx.AsyncClient, world: World
) -> None:
    statuses = [
        (await _login(client, "inspector.home", f"guess-{i}")).status_code for i in range(60)
    ]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    r = await _login(client, "inspector.home", PASSWORD)
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert 1 <= int(r.headers["retry-after"]) <= 30


async def test_an_unknown_name_gets_the_same_answers_as_a_real_one(
    client: httpx.AsyncClient, world: World
) -> None:
    real = [_shape(await _login(client, "inspector.home", "wrong")) for _ in range(7)]
    ghost = [_shape(await _login(client, "nobody.at.all", "wrong")) for _ in range(7)]
    assert real == ghost
    assert [s for s, _, _ in real] == [401] * 5 + [429] * 2


async def test_the_lockout_ends_and_the_next_one_is_twice_as_long(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(login_throttle.time, "time", lambda: now[0])
    for _ in range(5):
        assert (await _login(client, "inspector.home", "wrong")).status_code == 401
    assert (await _login(client, "inspector.home", PASSWORD)).headers["retry-after"] == "30"
    now[0] += 31
    assert (await _login(client, "inspector.home", "wrong")).status_code == 401
    assert (await _login(client, "inspector.home", PASSWORD)).headers["retry-after"] == "60"
    now[0] += 61
    assert (await _login(client, "inspector.home", PASSWORD)).status_code == 200
    # the success cleared the name's count: one more mistake is only a 401
    assert (await _login(client, "inspector.home", "wrong")).status_code == 401
    assert (await _login(client, "inspector.home", PASSWORD)).status_code == 200


async def test_one_source_guessing_many_names_is_locked_out(world: World, db: TestDatabase) -> None:
    app = app_for(db, login_max_failures_per_source=4)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://test",
    ) as client:
        for i in range(4):
            assert (await _login(client, f"name-{i}", "wrong")).status_code == 401
        r = await _login(client, "coordinator.home", PASSWORD)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


async def test_client_credentials_are_throttled_too(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    async with transaction(db.sessionmaker) as session:
        acct, secret = await create_service_account(
            session,
            SYSTEM_ACTOR,
            name="police system",
            agency_id=world.agency(AgencyKind.police).id,
            scopes=["queue:read"],
        )

    async def attempt(client_secret: str) -> httpx.Response:
        return await client.post(
            TOKEN,
            data={
                "grant_type": "client_credentials",
                "client_id": acct.client_id,
                "client_secret": client_secret,
            },
        )

    statuses = [(await attempt("wrong")).status_code for _ in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    r = await attempt(secret)
    assert r.status_code == 429 and "retry-after" in r.headers


async def test_a_login_flood_does_not_stall_the_event_loop(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each password check is held open until /healthz and /readyz have answered. Run on
    the event loop, a held check would block them and wait out its 15 s in vain; in a
    worker thread, with the login's database connection given back first, both answer
    while four logins are being checked, and then release them."""
    started, released = threading.Event(), threading.Event()
    waited_in_vain: list[bool] = []
    original = security._hasher.verify

    def held_verify(password: str, hashed: str, *args: Any, **kwargs: Any) -> bool:
        started.set()
        waited_in_vain.append(not released.wait(timeout=15))  # generous: a loaded machine is slow
        return original(password, hashed, *args, **kwargs)

    monkeypatch.setattr(security._hasher, "verify", held_verify)
    logins = [
        asyncio.create_task(_login(client, name, "wrong"))
        for name in ("inspector.home", "coordinator.home", "auditor.home", "admin.home")
    ]
    for _ in range(1000):  # until a password check is under way
        if started.is_set():
            break
        await asyncio.sleep(0.01)
    health = await asyncio.wait_for(client.get("/healthz"), timeout=1.0)
    # the logins hold no database connection while they wait (SQLite has just one)
    ready = await asyncio.wait_for(client.get("/readyz"), timeout=1.0)
    released.set()
    assert health.status_code == 200 and ready.status_code == 200
    assert [r.status_code for r in await asyncio.gather(*logins)] == [401] * 4
    assert waited_in_vain == [False] * 4
