"""Migrations build the schema from nothing, tear it down again, and match the models."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

import app.models
from app.db import create_engine
from app.migrate import downgrade, upgrade
from tests.conftest import BACKENDS, PG_SERVER, _admin_pg, make_settings


@pytest.fixture(params=BACKENDS)
async def empty_engine(request: pytest.FixtureRequest,
                       tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "postgresql":
        name = f"lw_mig_{secrets.token_hex(4)}"
        await _admin_pg(f'CREATE DATABASE "{name}"')
        url = PG_SERVER.replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
        engine = create_engine(make_settings(url))
        try:
            yield engine
        finally:
            await engine.dispose()
            await _admin_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        engine = create_engine(make_settings(f"sqlite+aiosqlite:///{tmp_path}/m.db"))
        yield engine
        await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def test_upgrade_to_head_then_downgrade_to_base(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine)
    tables = await _tables(empty_engine)
    assert set(app.models.metadata.tables) <= tables
    await downgrade(empty_engine, "base")
    assert await _tables(empty_engine) <= {"alembic_version"}
    await upgrade(empty_engine)  # and up again: downgrades leave nothing behind
    assert set(app.models.metadata.tables) <= await _tables(empty_engine)


async def test_models_and_migrations_do_not_drift(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine)

    def diff(conn: sa.Connection) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, app.models.metadata))

    async with empty_engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == [], f"models differ from migrations: {changes}"
