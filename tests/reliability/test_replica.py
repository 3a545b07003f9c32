"""Reports read from a real PostgreSQL streaming replica, and fall back to the primary.

A primary cluster of its own (initdb, a free port: the shared server on 5432 is never
touched) and a hot standby made from it with `pg_basebackup -R`, streaming. The app is
given LABOURWATCH_DATABASE_REPLICA_URL. With the standby's replay paused, an employer
renamed on the primary still has its old name in the case ledger read from the standby
(so the ledger really is read there), until the standby is further behind than
`replica_max_lag_seconds`: then the ledger is read from the primary and the response
says so. A long report holding its locks on the standby does not hold up a write on
the primary that would have waited behind the same report run on the primary.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
import time_machine

from app.db import create_sessionmaker, transaction
from app.domain.taxonomy import Role
from app.main import create_app
from app.migrate import upgrade
from app.runtime import Runtime
from app.services.registry.reference import seed_reference_data
from tests.conftest import CHINA_MORNING, TestDatabase, make_settings
from tests.factories import World, build_world
from tests.needs import postgres_binaries
from tests.services.stats_world import build_stats_world

LEDGER = "/api/v1/ledger/cases"
KILN = "某村砖窑厂"
BOUND = 5.0
"""replica_max_lag_seconds here: seconds a report may be behind."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pair:
    primary_port: int
    replica_port: int
    folder: Path
    bindir: Path
    as_postgres: list[str]

    def dsn(self, port: int, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{db}"

    def run(self, *args: str) -> None:
        out = subprocess.run(
            [*self.as_postgres, *args], capture_output=True, text=True, timeout=180
        )
        assert out.returncode == 0, f"{args[0]} failed: {out.stdout[-1500:]}{out.stderr[-1500:]}"

    def pg_ctl(self, data: str, *args: str) -> None:
        self.run(str(self.bindir / "pg_ctl"), "-D", str(self.folder / data), "-w", *args)


def _settings_line(port: int, socket_dir: Path) -> str:
    return (
        f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={socket_dir} "
        "-c wal_level=replica -c max_wal_senders=4 -c hot_standby=on -c fsync=off "
        "-c max_connections=40 -c shared_buffers=32MB"
    )


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    bindir = postgres_binaries()
    folder = Path(tempfile.mkdtemp(prefix="lw-replica-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the clusters belong to `postgres`
        shutil.chown(folder, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    p = Pair(_free_port(), _free_port(), folder, bindir, as_postgres)
    try:
        p.run(
            str(bindir / "initdb"),
            "-D",
            str(folder / "primary"),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
        )
        # initdb's pg_hba.conf lets local replication connections in (trust)
        p.pg_ctl(
            "primary",
            "-l",
            str(folder / "primary.log"),
            "-o",
            _settings_line(p.primary_port, folder),
            "start",
        )
        p.run(
            str(bindir / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(p.primary_port),
            "-U",
            "postgres",
            "-D",
            str(folder / "replica"),
            "-R",
            "-X",
            "stream",
            "--no-sync",
        )
        p.pg_ctl(
            "replica",
            "-l",
            str(folder / "replica.log"),
            "-o",
            _settings_line(p.replica_port, folder),
            "start",
        )
        yield p
    finally:
        for data in ("replica", "primary"):
            if (folder / data / "postmaster.pid").exists():
                subprocess.run(
                    [
                        *as_postgres,
                        str(bindir / "pg_ctl"),
                        "-D",
                        str(folder / data),
                        "-m",
                        "immediate",
                        "stop",
                    ],
                    capture_output=True,
                    timeout=60,
                )
        shutil.rmtree(folder, ignore_errors=True)


async def _sql(dsn: str, sql: str, *args: object) -> object:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def _exec(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _received(pair: Pair, within: float = 30) -> None:
    """Wait until the standby has received (not necessarily replayed) all WAL so far."""
    target = await _sql(pair.dsn(pair.primary_port), "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + within
    while not await _sql(
        pair.dsn(pair.replica_port),
        "SELECT pg_last_wal_receive_lsn() >= $1::text::pg_lsn",
        target,
    ):
        assert time.monotonic() < deadline, "the standby did not receive the WAL"
        await asyncio.sleep(0.05)


async def _caught_up(pair: Pair, within: float = 30) -> None:
    """Wait until the standby streams again and has replayed everything the primary has
    written (a standby cut off from its primary has no way to know it is current)."""
    deadline = time.monotonic() + within
    while not await _sql(
        pair.dsn(pair.replica_port),
        "SELECT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')",
    ):
        assert time.monotonic() < deadline, "the standby is not streaming"
        await asyncio.sleep(0.1)
    target = await _sql(pair.dsn(pair.primary_port), "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + within
    while not await _sql(
        pair.dsn(pair.replica_port),
        "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn",
        target,
    ):
        assert time.monotonic() < deadline, "the standby did not catch up"
        await asyncio.sleep(0.1)


@dataclass
class Served:
    client: httpx.AsyncClient
    runtime: Runtime
    world: World


@pytest.fixture(scope="module")
async def served(pair: Pair) -> AsyncIterator[Served]:
    """The app on the primary with reports on the standby (a BOUND staleness bound)."""
    await _sql(pair.dsn(pair.primary_port), "CREATE DATABASE lw")
    primary = f"postgresql+asyncpg://postgres@127.0.0.1:{pair.primary_port}/lw"
    replica = f"postgresql+asyncpg://postgres@127.0.0.1:{pair.replica_port}/lw"
    settings = make_settings(
        primary,
        database_replica_url=replica,
        replica_max_lag_seconds=BOUND,
        db_pool_size=5,
    )
    runtime = Runtime(settings)
    runtime.start()  # both engines, from the settings, as `serve` makes them
    assert runtime.engine is not None and runtime.sessionmaker is not None
    assert runtime.replica_sessionmaker is not None
    await upgrade(runtime.engine)
    async with transaction(runtime.sessionmaker) as session:
        await seed_reference_data(session)
    db = TestDatabase(
        "postgresql", primary, settings, runtime.engine, create_sessionmaker(runtime.engine)
    )
    with time_machine.travel(CHINA_MORNING, tick=True):
        world = await build_world(db)
        await build_stats_world(world)
        transport = httpx.ASGITransport(app=create_app(settings, runtime=runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Served(client, runtime, world)
    await runtime.stop()


def _employers(r: httpx.Response) -> set[str]:
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    return {row["单位名称"] for row in rows}


async def test_reports_read_the_standby_within_the_bound_and_the_primary_beyond_it(
    pair: Pair, served: Served
) -> None:
    headers = served.world.headers(Role.coordinator)
    await _caught_up(pair)
    r = await served.client.get(LEDGER, headers=headers)
    assert r.headers["X-Read-From"] == "replica"
    assert float(r.headers["X-Replica-Lag"]) == 0.0  # caught up and streaming
    assert KILN in _employers(r)
    stats = await served.client.get("/api/v1/stats", headers=headers)
    assert stats.status_code == 200, stats.text
    assert stats.headers["X-Read-From"] == "replica"

    # a fresh commit replayed, then replay paused: the standby stops at that moment
    await _exec(
        pair.dsn(pair.primary_port),
        "CREATE TABLE IF NOT EXISTS tick (at timestamptz); INSERT INTO tick VALUES (now())",
    )
    await _caught_up(pair)
    await _sql(pair.dsn(pair.replica_port), "SELECT pg_wal_replay_pause()")
    try:
        await _sql(
            pair.dsn(pair.primary_port, "lw"),
            "UPDATE employer SET name = '更名砖窑厂' WHERE name = $1",
            KILN,
        )
        await _received(pair)
        r = await served.client.get(LEDGER, headers=headers)
        # read on the standby: the rename is not there yet, and the lag says how stale
        assert r.headers["X-Read-From"] == "replica", r.headers
        assert KILN in _employers(r) and "更名砖窑厂" not in _employers(r)
        assert 0 < float(r.headers["X-Replica-Lag"]) <= BOUND

        await asyncio.sleep(BOUND + 0.5)  # now further behind than the bound
        r = await served.client.get(LEDGER, headers=headers)
        assert r.headers["X-Read-From"] == "primary"
        assert float(r.headers["X-Replica-Lag"]) > BOUND
        assert "更名砖窑厂" in _employers(r)
        # reads and writes that are not reports are on the primary all along
        me = await served.client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200 and "X-Read-From" not in me.headers
    finally:
        await _sql(pair.dsn(pair.replica_port), "SELECT pg_wal_replay_resume()")
    await _caught_up(pair)
    r = await served.client.get(LEDGER, headers=headers)
    assert r.headers["X-Read-From"] == "replica"
    assert "更名砖窑厂" in _employers(r)


async def _long_report(maker: object, seconds: float) -> None:
    """What a long report does to the server it reads: holds its tables' share locks
    for its whole transaction."""
    async with maker() as session:  # type: ignore[operator]
        conn = await session.connection()
        await conn.execute(sa.text("LOCK TABLE employer IN ACCESS SHARE MODE"))
        await conn.execute(sa.text("SELECT pg_sleep(:s)"), {"s": seconds})
        await session.rollback()


async def _exclusive_write(pair: Pair) -> float:
    """A write that needs the table to itself (as a migration or TRUNCATE does): the
    seconds it took, or inf when it gave up after its 1 s lock timeout."""
    conn = await asyncpg.connect(pair.dsn(pair.primary_port, "lw"))
    began = time.monotonic()
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL lock_timeout = '1s'")
            await conn.execute("LOCK TABLE employer IN ACCESS EXCLUSIVE MODE")
            await conn.execute("UPDATE employer SET name = name")
    except asyncpg.LockNotAvailableError:
        return float("inf")
    finally:
        await conn.close()
    return time.monotonic() - began


async def test_a_long_report_on_the_standby_does_not_hold_up_writes_on_the_primary(
    pair: Pair, served: Served
) -> None:
    runtime = served.runtime
    # the same long report on the primary does hold the write up: what is avoided
    report = asyncio.create_task(_long_report(runtime.sessionmaker, 3))
    await asyncio.sleep(0.5)
    assert await _exclusive_write(pair) == float("inf")
    await report

    report = asyncio.create_task(_long_report(runtime.replica_sessionmaker, 6))
    await asyncio.sleep(0.5)
    running_on = {
        port: await _sql(
            pair.dsn(port),
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'",
        )
        for port in (pair.primary_port, pair.replica_port)
    }
    assert running_on == {pair.primary_port: 0, pair.replica_port: 1}
    assert await _exclusive_write(pair) < 1.0
    tips = [
        await served.client.post("/public/v1/tips", json={"description": "砖窑厂拖欠工资三个月。"})
        for _ in range(5)
    ]
    assert [t.status_code for t in tips] == [201] * 5
    assert not report.done()  # all that while the report was still running
    await report


async def test_an_unreachable_standby_sends_reports_to_the_primary(
    pair: Pair, served: Served
) -> None:
    pair.pg_ctl("replica", "-m", "fast", "stop")
    try:
        r = await served.client.get(LEDGER, headers=served.world.headers(Role.coordinator))
        assert r.status_code == 200
        assert r.headers["X-Read-From"] == "primary"
        assert r.headers["X-Replica-Lag"] == "unavailable"
    finally:
        pair.pg_ctl(
            "replica",
            "-l",
            str(pair.folder / "replica.log"),
            "-o",
            _settings_line(pair.replica_port, pair.folder),
            "start",
        )
        served.runtime.extras.pop("replica_down_until", None)
    await _caught_up(pair)
    r = await served.client.get(LEDGER, headers=served.world.headers(Role.coordinator))
    assert r.headers["X-Read-From"] == "replica", r.headers


async def test_without_a_replica_reports_read_the_primary_and_say_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    """Both databases: LABOURWATCH_DATABASE_REPLICA_URL unset is today's behaviour."""
    await build_stats_world(world)
    r = await client.get(LEDGER, headers=world.headers(Role.coordinator))
    assert KILN in _employers(r)
    assert "X-Read-From" not in r.headers and "X-Replica-Lag" not in r.headers
