"""The engine and the unit of work: one transaction per request, committed once.

Services never commit. `transaction()` writes the audit entries a unit of work
recorded (unchained: app/auditlog.py seals them off the request path), then
commits; on any error it rolls back, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings

SessionMaker = async_sessionmaker[AsyncSession]


def create_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    """The engine of the primary, or of another server of the same database (`url`: the
    streaming replica reports read from), with the same pool and timeouts."""
    url = url or settings.database_url
    if url.startswith("sqlite"):
        # One connection: SQLite lets one writer in at a time, and writers on separate
        # connections wait for each other in SQLite's busy handler, which sleeps in
        # growing steps (p99 over a second under a tip surge). Queued on the pool,
        # they wait on the event loop instead and take their turn at once.
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
            hide_parameters=True,
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # No pre-ping: it costs a round trip on every checkout. A connection the
        # server dropped fails its request once (503, see _server_going_away) and
        # SQLAlchemy then replaces every pooled connection older than the failure.
        pool_pre_ping=False,
        pool_timeout=10,
        connect_args={"timeout": 5, "command_timeout": 30},
        # Errors and logs never print a statement's values (app/logs.py).
        hide_parameters=True,
    )
    event.listen(engine.sync_engine, "handle_error", _server_going_away)
    return engine


# SQLSTATE classes that mean "the server is not there right now": 08 connection
# exceptions, 57P01-57P03 shutting down / crashed / still starting up.
_GONE = ("08", "57P01", "57P02", "57P03")


def _server_going_away(ctx: Any) -> None:
    """Count a server shutting down or starting up as a lost connection.

    asyncpg reports "the database system is shutting down" (57P03) as a plain
    driver error; marked as a disconnect, SQLAlchemy drops the pooled connections
    and the request is answered 503 (app/errors.py), not 500.
    """
    code = str(getattr(ctx.original_exception, "sqlstate", "") or "")
    if code.startswith(_GONE):
        ctx.is_disconnect = True


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        try:
            yield session
            await auditlog.write_pending(session)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


REPLICA_LAG = sa.text(
    """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0.0
        WHEN pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()
             AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0.0
        ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
    END
    """
)
"""Seconds the server this session reads is behind its primary, or NULL when unknown.

A standby that has replayed everything its WAL receiver took in (after a restart it may
have replayed more, from its own pg_wal), while the receiver is running, is current
(0): pg_last_xact_replay_timestamp() alone would count an idle primary's quiet minutes
as lag. Otherwise (still catching up, or cut off from the
primary) it is the age of the last transaction it replayed. A server not in recovery
is the primary itself."""


async def replica_lag(session: AsyncSession) -> float | None:
    conn = await session.connection()
    lag = (await conn.execute(REPLICA_LAG)).scalar_one()
    return None if lag is None else max(0.0, float(lag))
