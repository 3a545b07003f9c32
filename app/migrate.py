"""Run Alembic from code: `labourwatch migrate`, `serve`, and the tests use this.

`startup_lock` makes the start-up work (migrate, seed the reference data, load the
demo) one process at a time: replicas started together would otherwise race on
`alembic_version` and on the seed rows' unique keys, and all but one would die.
Alembic takes no lock of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from filelock import AsyncFileLock
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
log = logging.getLogger("labourwatch.migrate")

STARTUP_LOCK_KEY = 0x6C61_626F_7572_0001
"""The pg_advisory_lock key every labourwatch process takes for its start-up work.
Advisory locks are per database: other databases on the server are not held up."""
_POLL_SECONDS = 0.25


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@asynccontextmanager
async def startup_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold the database's start-up lock for the body; other processes wait their turn.

    PostgreSQL: a session-level advisory lock on a connection of its own, released
    after the body (and by the server if the process dies). It is polled with
    `pg_try_advisory_lock` rather than awaited with `pg_advisory_lock`, because the
    driver's 30 s command timeout would cancel a wait behind a long migration.
    SQLite: an OS file lock beside the database file (an in-memory database has
    only one process anyway).
    """
    if engine.dialect.name == "postgresql":
        # Its own unpooled engine: the lock's connection must not take one of the pool's,
        # which may be a single one (LABOURWATCH_DB_POOL_SIZE=1) the work itself needs.
        holder = create_async_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            async with holder.connect() as conn:
                take = sa.text("SELECT pg_try_advisory_lock(:key)")
                waited = False
                while not (await conn.execute(take, {"key": STARTUP_LOCK_KEY})).scalar_one():
                    if not waited:
                        log.info("another process is migrating this database; waiting for it")
                        waited = True
                    await asyncio.sleep(_POLL_SECONDS)
                try:
                    yield
                finally:
                    await conn.execute(
                        sa.text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY}
                    )
        finally:
            await holder.dispose()
        return
    database = engine.url.database
    if (
        engine.dialect.name != "sqlite"
        or not database
        or database.startswith(":memory:")
        or database.startswith("file:")
    ):
        yield
        return
    async with AsyncFileLock(f"{database}.lock"):
        yield


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    def _run(conn: object) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    def _run(conn: object) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)
