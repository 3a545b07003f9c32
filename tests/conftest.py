"""The test harness: every test runs against PostgreSQL and against SQLite.

Each backend's database is built by running the migrations (so they are
tested too). PostgreSQL gets a throwaway database per run, emptied between
tests; SQLite gets a fresh copy of a migrated template file per test.
Select backends with LABOURWATCH_TEST_DATABASES=sqlite,postgresql (default both)
and the server with LABOURWATCH_TEST_PG (default postgresql://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.ext.asyncio import AsyncEngine

import app.models
from app import auditlog, clock
from app.config import Settings
from app.db import SessionMaker, create_engine, create_sessionmaker, transaction
from app.main import create_app
from app.migrate import upgrade
from app.runtime import Runtime
from app.services.registry.reference import seed_reference_data
from tests.factories import World, build_world

BACKENDS = [
    b.strip()
    for b in os.environ.get("LABOURWATCH_TEST_DATABASES", "sqlite,postgresql").split(",")
    if b.strip()
]
PG_SERVER = os.environ.get("LABOURWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"

# The fixed instant tests that assert on dates start from (never the machine's clock):
# 23:30 UTC on 3 December is 07:30 on 4 December in China, so a test that confuses the
# UTC date (or the machine's) with China's fails here, as it would every evening in UTC.
CHINA_MORNING = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)


@dataclass
class TestDatabase:
    __test__ = False  # not a test class, despite the name

    backend: str
    url: str
    settings: Settings
    engine: AsyncEngine
    sessionmaker: SessionMaker

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    async def seal_audit(self) -> int:
        """Chain the audit entries written so far, as a running service's sealer would."""
        return await auditlog.seal_waiting(self.engine)


def make_settings(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": url,
        "secret_key": TEST_SECRET,
        "log_json": False,
        **overrides,
    }
    return Settings.model_validate(values)


async def _admin_pg(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session", params=BACKENDS)
async def backend_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, str]]:
    """A migrated, empty database per backend: (backend, url-or-template-path)."""
    backend = request.param
    if backend == "postgresql":
        name = f"lw_test_{secrets.token_hex(4)}"
        await _admin_pg(f'CREATE DATABASE "{name}"')
        base = PG_SERVER.replace("postgresql://", "postgresql+asyncpg://")
        url = f"{base}/{name}"
        engine = create_engine(make_settings(url))
        await upgrade(engine)
        await engine.dispose()
        try:
            yield backend, url
        finally:
            await _admin_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        folder = tmp_path_factory.mktemp("sqlite")
        template = folder / "template.db"
        engine = create_engine(make_settings(f"sqlite+aiosqlite:///{template}"))
        await upgrade(engine)
        await engine.dispose()
        yield backend, str(template)


_pg_engines: dict[str, AsyncEngine] = {}


async def _truncate_pg(engine: AsyncEngine) -> None:
    tables = [t.name for t in app.models.metadata.sorted_tables]
    async with engine.begin() as conn:
        await conn.execute(
            sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )
        await conn.execute(
            sa.text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, :h)"),
            {"h": "0" * 64},
        )
        # the one-row heads the migrations seed, as a fresh database has them
        await conn.execute(sa.text("INSERT INTO feed_head (id, seq) VALUES (1, 0)"))


@pytest.fixture
async def db(backend_template: tuple[str, str], tmp_path: Path) -> AsyncIterator[TestDatabase]:
    """An empty database with the reference data seeded."""
    backend, where = backend_template
    if backend == "postgresql":
        url = where
        settings = make_settings(url)
        engine = _pg_engines.get(url)
        if engine is None:
            engine = _pg_engines[url] = create_engine(settings)
        await _truncate_pg(engine)
    else:
        path = tmp_path / f"test-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(where, path)
        url = f"sqlite+aiosqlite:///{path}"
        settings = make_settings(url)
        engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    async with transaction(maker) as session:
        await seed_reference_data(session)
    try:
        yield TestDatabase(backend, url, settings, engine, maker)
    finally:
        if backend != "postgresql":
            await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
async def _dispose_pg_engines() -> AsyncIterator[None]:
    yield
    for engine in _pg_engines.values():
        await engine.dispose()
    _pg_engines.clear()


@pytest.fixture
async def session(db: TestDatabase) -> AsyncIterator[object]:
    """A unit of work for service tests, committed at the end like a request's."""
    async with transaction(db.sessionmaker) as s:
        yield s


def app_for(db: TestDatabase, side: str = "all", **overrides: object) -> object:
    settings = make_settings(db.url, **overrides) if overrides else db.settings
    runtime = Runtime(settings, engine=db.engine, sessionmaker=db.sessionmaker, external=True)
    return create_app(settings, side=side, runtime=runtime)  # type: ignore[arg-type]


@pytest.fixture
async def client(db: TestDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the whole app in-process (internal API + tip-line)."""
    transport = httpx.ASGITransport(app=app_for(db))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def world(db: TestDatabase) -> World:
    """Two counties of one city, every agency kind in each, one user per role in each."""
    return await build_world(db)


@pytest.fixture
def fixed_day() -> Iterator[date]:
    """Start the clock at CHINA_MORNING (it ticks on from there) and give China's date
    then, 4 December 2026. Name it before `world` and `client` in a test's arguments,
    so the world's tokens are issued on this clock."""
    with time_machine.travel(CHINA_MORNING, tick=True):
        today = clock.today()
        assert today == date(2026, 12, 4)
        yield today
