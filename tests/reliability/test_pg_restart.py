"""PostgreSQL stopped and started again in the middle of a tip burst.

A real `labourwatch serve` process runs against a throwaway PostgreSQL cluster
of its own (its own name and a free port; the shared server on 5432 is never touched). Clients fire
tips with Idempotency-Keys; the cluster is stopped mid-burst and started again.
While it is down clients get 503 problem+json (never a 500, never a hang);
afterwards they retry every tip not answered 201 with the same key. Then every
tip answered 201 is in the database exactly once, and the service recovered
without a restart. Runs only where `pg_createcluster` can be used (Debian's
postgresql-common as root); skipped elsewhere, saying why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.e2e.serving import free_port, serving

# A name and port of its own per run: several test runs may share the machine.
CLUSTER = f"lwchaos{os.getpid()}"
SECRET = "chaos-secret-key-that-is-long-enough-0123456789"
SENDERS = 8


def _version() -> str | None:
    if shutil.which("pg_createcluster") is None or os.geteuid() != 0:
        return None
    versions = sorted(Path("/etc/postgresql").glob("*"), key=lambda p: p.name)
    return versions[-1].name if versions else None


def _pg(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, timeout=120)


PORT = free_port()


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    version = _version()
    if version is None:
        pytest.skip("needs Debian's pg_createcluster, run as root, for a throwaway cluster")
    subprocess.run(["pg_dropcluster", "--stop", version, CLUSTER], capture_output=True)
    _pg("pg_createcluster", version, CLUSTER, "-p", str(PORT), "--", "--auth=trust")
    try:
        _pg("pg_ctlcluster", version, CLUSTER, "start")

        async def create() -> None:
            conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{PORT}/postgres")
            await conn.execute("CREATE DATABASE lw")
            await conn.close()

        asyncio.run(create())
        yield version
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, CLUSTER], capture_output=True)


@pytest.fixture(scope="module")
def service(cluster: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        **os.environ,
        "LABOURWATCH_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{PORT}/lw",
        "LABOURWATCH_SECRET_KEY": SECRET,
        "LABOURWATCH_LOG_LEVEL": "WARNING",
        "LABOURWATCH_TIP_INTAKE_GLOBAL_RATE": "1000000/minute",
        "LABOURWATCH_TIP_INTAKE_SOURCE_RATE": "1000000/minute",
    }
    with serving(env, tmp_path_factory.mktemp("chaos")) as base:
        yield base


class Burst:
    def __init__(self, base: str) -> None:
        self.base = base
        self.sent: dict[str, int] = {}  # key → last status
        self.statuses: list[tuple[str, int, str]] = []
        self.running = True

    @staticmethod
    def body(key: str) -> dict[str, object]:
        return {"description": f"砖厂拖欠工资 {key}", "violation_types": ["wage_arrears"]}

    async def post(self, client: httpx.AsyncClient, key: str) -> int:
        r = await client.post(
            self.base + "/public/v1/tips", json=self.body(key), headers={"Idempotency-Key": key}
        )
        self.sent[key] = r.status_code
        self.statuses.append((key, r.status_code, r.headers.get("content-type", "")))
        return r.status_code

    async def sender(self, client: httpx.AsyncClient) -> None:
        while self.running:
            await self.post(client, uuid.uuid4().hex)
            await asyncio.sleep(0.01)


async def _run(base: str, version: str) -> Burst:
    burst = Burst(base)
    async with httpx.AsyncClient(timeout=10) as client:
        tasks = [asyncio.create_task(burst.sender(client)) for _ in range(SENDERS)]
        await asyncio.sleep(1.5)
        await asyncio.to_thread(_pg, "pg_ctlcluster", version, CLUSTER, "stop", "-m", "fast")
        await asyncio.sleep(2.0)
        await asyncio.to_thread(_pg, "pg_ctlcluster", version, CLUSTER, "start")
        await asyncio.sleep(2.0)
        burst.running = False
        await asyncio.gather(*tasks)
        deadline = time.monotonic() + 30
        while (
            failed := [k for k, s in burst.sent.items() if s != 201]
        ) and time.monotonic() < deadline:
            for key in failed:  # clients retry with the same key
                await burst.post(client, key)
            await asyncio.sleep(0.5)
        burst.ready = (await client.get(base + "/readyz")).status_code  # type: ignore[attr-defined]
    return burst


async def _stored(prefix: str) -> list[str]:
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{PORT}/lw")
    try:
        rows = await conn.fetch(
            "SELECT description FROM tip WHERE description LIKE $1", prefix + "%"
        )
        return [r["description"] for r in rows]
    finally:
        await conn.close()


def test_tips_survive_a_database_restart_mid_burst(cluster: str, service: str) -> None:
    burst = asyncio.run(_run(service, cluster))
    codes = {code for _, code, _ in burst.statuses}
    assert 500 not in codes, [s for s in burst.statuses if s[1] == 500][:3]
    assert codes <= {201, 503}, codes
    down = [s for s in burst.statuses if s[1] == 503]
    assert down, "the outage was not seen: no 503 while the database was stopped"
    assert all(ct.startswith("application/problem+json") for _, _, ct in down)
    assert all(code == 201 for code in burst.sent.values()), "a retried tip never got in"
    assert burst.ready == 200  # type: ignore[attr-defined]
    stored = asyncio.run(_stored("砖厂拖欠工资 "))
    assert len(stored) == len(set(stored)), "a retry created a duplicate"
    assert set(stored) == {Burst.body(k)["description"] for k in burst.sent}
