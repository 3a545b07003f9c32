"""Every error path answers RFC 9457 problem+json, and bad input writes nothing."""

from __future__ import annotations

import logging

import httpx
import pytest
import sqlalchemy as sa
from fastapi import APIRouter

from app.domain.taxonomy import Role
from app.models.reference import Jurisdiction
from tests.conftest import TestDatabase, app_for
from tests.factories import World

PROBLEM = "application/problem+json"


def _is_problem(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status and body["title"]
    return body


async def _count_places(db: TestDatabase) -> int:
    async with db.engine.connect() as conn:
        return int(
            (await conn.execute(sa.select(sa.func.count()).select_from(Jurisdiction))).scalar_one()
        )


async def test_validation_error_names_the_field(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    before = await _count_places(db)
    r = await client.post(
        "/api/v1/jurisdictions",
        headers=world.headers(Role.admin),
        json={"name": "", "level": "galaxy", "parent_id": "x"},
    )
    body = _is_problem(r, 422)
    locs = {tuple(e["loc"]) for e in body["errors"]}  # type: ignore[attr-defined]
    assert ("body", "level") in locs and ("body", "parent_id") in locs
    # `input` and `ctx` would echo what was sent (passwords, a tipster's words): never here
    assert all(set(e) == {"loc", "msg", "type"} for e in body["errors"])  # type: ignore[attr-defined]
    assert await _count_places(db) == before


async def test_malformed_json_is_400(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/api/v1/jurisdictions",
        headers={**world.headers(Role.admin), "content-type": "application/json"},
        content=b'{"name": ',
    )
    _is_problem(r, 400)


async def test_wrong_media_type_is_415(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/api/v1/jurisdictions",
        headers={**world.headers(Role.admin), "content-type": "text/plain"},
        content=b"name=x",
    )
    _is_problem(r, 415)


async def test_unknown_route_404_and_wrong_method_405(client: httpx.AsyncClient) -> None:
    _is_problem(await client.get("/api/v1/nothing-here"), 404)
    _is_problem(await client.delete("/api/v1/me"), 405)


async def test_body_over_the_limit_is_413(db: TestDatabase, world: World) -> None:
    app = app_for(db, max_body_bytes=4096)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://t",
    ) as c:
        big = {"name": "x" * 10_000, "level": "township", "parent_id": str(world.places["home"].id)}
        r = await c.post("/api/v1/jurisdictions", json=big, headers=world.headers(Role.admin))
        _is_problem(r, 413)

        async def chunks():  # no Content-Length: counted while read
            for _ in range(10):
                yield b"x" * 1000

        r = await c.post(
            "/api/v1/jurisdictions",
            content=chunks(),
            headers={**world.headers(Role.admin), "content-type": "application/json"},
        )
        _is_problem(r, 413)


async def test_unexpected_error_is_a_generic_500_with_request_id(db: TestDatabase) -> None:
    app = app_for(db)
    router = APIRouter()

    @router.get("/api/v1/explode")
    async def explode() -> None:
        raise RuntimeError("SELECT secret FROM tipster")

    app.internal.include_router(router)  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/api/v1/explode")
    body = _is_problem(r, 500)
    assert "secret" not in r.text and "Traceback" not in r.text
    assert body["request_id"] == r.headers["x-request-id"]


async def test_database_down_is_503(db: TestDatabase) -> None:
    from app.main import create_app
    from tests.conftest import make_settings

    url = (
        "postgresql+asyncpg://postgres@127.0.0.1:1/none"
        if db.is_postgres
        else "sqlite+aiosqlite:////nonexistent-dir/x.db"
    )
    app = create_app(make_settings(url), side="internal")
    from app.runtime import Runtime

    runtime: Runtime = app.state.runtime
    runtime.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as c:
            r = await c.get("/readyz")
            _is_problem(r, 503)
            r = await c.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": "a", "password": "b"},
            )
            _is_problem(r, 503)
            assert (await c.get("/healthz")).status_code == 200
    finally:
        await runtime.stop()


SECRET_NAME = "王秘密砖窑厂所在村"


async def _refuse_place_named(db: TestDatabase, name: str) -> None:
    """Make the database itself refuse one place name, as a constraint no service maps
    to an answer would: the insert fails inside the database, not in our code."""
    async with db.engine.begin() as conn:
        if db.is_postgres:
            await conn.execute(
                sa.text(
                    f"ALTER TABLE jurisdiction ADD CONSTRAINT lw_test_refuse "
                    f"CHECK (name <> '{name}')"
                )
            )
        else:
            await conn.execute(
                sa.text(
                    f"CREATE TRIGGER lw_test_refuse BEFORE INSERT ON jurisdiction "
                    f"WHEN NEW.name = '{name}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )


async def _allow_again(db: TestDatabase) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "ALTER TABLE jurisdiction DROP CONSTRAINT lw_test_refuse"
                if db.is_postgres
                else "DROP TRIGGER lw_test_refuse"
            )
        )


async def test_a_database_error_is_logged_without_the_values_sent(
    db: TestDatabase, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The 500's log line names the error, never the statement's parameters: they are
    what people typed (a tipster's words, a worker's name, a phone number)."""
    await _refuse_place_named(db, SECRET_NAME)
    parent = str(world.places["home"].id)
    transport = httpx.ASGITransport(
        app=app_for(db),  # type: ignore[arg-type]
        raise_app_exceptions=False,
    )
    try:
        with caplog.at_level(logging.ERROR, logger="labourwatch.errors"):
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                r = await c.post(
                    "/api/v1/jurisdictions",
                    headers=world.headers(Role.admin),
                    json={"name": SECRET_NAME, "level": "township", "parent_id": parent},
                )
    finally:
        await _allow_again(db)
    _is_problem(r, 500)
    logged = caplog.text
    assert "IntegrityError" in logged and "Traceback" in logged  # still worth reading
    assert SECRET_NAME not in logged and parent not in logged
    assert ("23514" in logged) is db.is_postgres  # the SQLSTATE says what went wrong
