"""A real `labourwatch serve --demo` process, spoken to over HTTP."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.services.demo import DEMO_PASSWORD
from tests.conftest import BACKENDS, PG_SERVER


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _psql(sql: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(f"{PG_SERVER}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    dbname = None
    if request.param == "postgresql":
        dbname = f"lw_e2e_{secrets.token_hex(4)}"
        _psql(f'CREATE DATABASE "{dbname}"')
        env["LABOURWATCH_DATABASE_URL"] = (
            PG_SERVER.replace("postgresql://", "postgresql+asyncpg://") + f"/{dbname}")
        env["LABOURWATCH_SECRET_KEY"] = secrets.token_urlsafe(40)
    port = _free_port()
    exe = Path(sys.executable).parent / "labourwatch"
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([str(exe), "serve", "--demo", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited: {(tmp_path / 'serve.log').read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("serve did not come up in 60 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if dbname:
            _psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        if request.param == "sqlite":
            key = tmp_path / "labourwatch.db.secret"
            assert key.exists() and (key.stat().st_mode & 0o777) == 0o600


def test_demo_logins_get_tokens_and_me_answers(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as c:
        assert c.get("/readyz").json()["database"] == "ok"
        r = c.post("/api/v1/auth/token", data={
            "grant_type": "password", "username": "coordinator", "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        assert me.status_code == 200
        assert me.json()["jurisdiction"]["name"] == "黄骅市"
        assert me.json()["role"] == "coordinator"
        towns = c.get("/public/v1/jurisdictions", params={"level": "township", "limit": 50}).json()
        assert len(towns["items"]) == 10
        assert "labourwatch_http_requests_total" in c.get("/metrics").text
        bad = c.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and bad.headers["content-type"] == "application/problem+json"


def test_postgres_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    env["LABOURWATCH_DATABASE_URL"] = "postgresql+asyncpg://postgres@127.0.0.1/postgres"
    exe = Path(sys.executable).parent / "labourwatch"
    done = subprocess.run([str(exe), "migrate"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "LABOURWATCH_SECRET_KEY" in done.stderr
