"""Every error path answers RFC 9457 problem+json, and bad input writes nothing."""

from __future__ import annotations

import httpx
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
        return int((await conn.execute(sa.select(sa.func.count()).select_from(Jurisdiction)))
                   .scalar_one())


async def test_validation_error_names_the_field(client: httpx.AsyncClient, world: World,
                                                db: TestDatabase) -> None:
    before = await _count_places(db)
    r = await client.post("/api/v1/jurisdictions", headers=world.headers(Role.admin),
                          json={"name": "", "level": "galaxy", "parent_id": "x"})
    body = _is_problem(r, 422)
    locs = {tuple(e["loc"]) for e in body["errors"]}  # type: ignore[attr-defined]
    assert ("body", "level") in locs and ("body", "parent_id") in locs
    # `input` and `ctx` would echo what was sent (passwords, a tipster's words): never here
    assert all(set(e) == {"loc", "msg", "type"} for e in body["errors"])  # type: ignore[attr-defined]
    assert await _count_places(db) == before


async def test_malformed_json_is_400(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post("/api/v1/jurisdictions", headers={
        **world.headers(Role.admin), "content-type": "application/json"}, content=b'{"name": ')
    _is_problem(r, 400)


async def test_wrong_media_type_is_415(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post("/api/v1/jurisdictions", headers={
        **world.headers(Role.admin), "content-type": "text/plain"}, content=b"name=x")
    _is_problem(r, 415)


async def test_unknown_route_404_and_wrong_method_405(client: httpx.AsyncClient) -> None:
    _is_problem(await client.get("/api/v1/nothing-here"), 404)
    _is_problem(await client.delete("/api/v1/me"), 405)


async def test_body_over_the_limit_is_413(db: TestDatabase, world: World) -> None:
    app = app_for(db, max_body_bytes=4096)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                                 base_url="http://t") as c:
        big = {"name": "x" * 10_000, "level": "township", "parent_id": str(world.places["home"].id)}
        r = await c.post("/api/v1/jurisdictions", json=big, headers=world.headers(Role.admin))
        _is_problem(r, 413)

        async def chunks():  # no Content-Length: counted while read
            for _ in range(10):
                yield b"x" * 1000

        r = await c.post("/api/v1/jurisdictions", content=chunks(), headers={
            **world.headers(Role.admin), "content-type": "application/json"})
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

    url = ("postgresql+asyncpg://postgres@127.0.0.1:1/none" if db.is_postgres
           else "sqlite+aiosqlite:////nonexistent-dir/x.db")
    app = create_app(make_settings(url), side="internal")
    from app.runtime import Runtime

    runtime: Runtime = app.state.runtime
    runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as c:
            r = await c.get("/readyz")
            _is_problem(r, 503)
            r = await c.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": "a", "password": "b"})
            _is_problem(r, 503)
            assert (await c.get("/healthz")).status_code == 200
    finally:
        await runtime.stop()
