"""A real `labourwatch serve --demo` process, spoken to over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.services.demo.demo import DEMO_PASSWORD
from tests.conftest import BACKENDS
from tests.e2e.serving import running_serve, serving


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with running_serve(request.param, tmp_path) as (base, _env):
        yield base
    if request.param == "sqlite":
        key = tmp_path / "labourwatch.db.secret"
        assert key.exists() and (key.stat().st_mode & 0o777) == 0o600


def test_demo_logins_get_tokens_and_me_answers(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as c:
        assert c.get("/readyz").json()["database"] == "ok"
        r = c.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": "coordinator", "password": DEMO_PASSWORD},
        )
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


def test_start_up_shows_the_logins_not_alembics_narration(server: str, tmp_path: Path) -> None:
    """What `serve --demo` prints before it answers: no INFO from Alembic's plugins or
    migration steps ahead of the demo logins, only what a user needs to read."""
    lines = (tmp_path / "serve.log").read_text(encoding="utf-8").splitlines()
    logins = next(i for i, line in enumerate(lines) if "Logins (password for all" in line)
    before = lines[:logins]
    assert [line for line in before if "alembic" in line] == []
    assert len(before) <= 4, before  # the generated key's warning, the seeding, a blank line
    assert any(line.strip().startswith("coordinator") for line in lines[logins:])


def test_postgres_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    env["LABOURWATCH_DATABASE_URL"] = "postgresql+asyncpg://postgres@127.0.0.1/postgres"
    exe = Path(sys.executable).parent / "labourwatch"
    done = subprocess.run(
        [str(exe), "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "LABOURWATCH_SECRET_KEY" in done.stderr


def test_serve_demo_on_a_fresh_sqlite_file_loads_the_campaign_before_it_answers(
    tmp_path: Path,
) -> None:
    """The README's first command in an empty folder: by the time /readyz answers, the
    whole campaign is there (inspections, tips, a published result) and the log has
    printed the logins and a receipt. How long that takes is a benchmark's figure
    (bench/demo_start_bench.py), not this test's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    with serving(env, tmp_path, "--demo") as base, httpx.Client(base_url=base, timeout=10) as c:
        r = c.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "password",
                "username": "coordinator",
                "password": DEMO_PASSWORD,
            },
        )
        office = {"Authorization": f"Bearer {r.json()['access_token']}"}
        campaign = c.get("/api/v1/campaigns", headers=office).json()["items"][0]
        total = c.get(
            "/api/v1/stats", params={"campaign_id": campaign["id"]}, headers=office
        ).json()["total"]
        published = c.get("/public/v1/disclosures").json()["items"]
    log = (tmp_path / "serve.log").read_text()
    assert "Demo county 黄骅市 loaded" in log and "receipt" in log
    assert total["employers_inspected"] > 0 and total["tips_received"] > 0
    assert len(published) == 1
