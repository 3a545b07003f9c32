"""Replicas started at the same instant on an empty database all come up.

Three real `labourwatch serve` processes race to migrate, seed the reference data
and (with --demo) load the demo county; the start-up lock makes them take turns,
so none dies on `alembic_version` or a seed row's unique key, and each row is
there once.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.domain.taxonomy import VIOLATION_TYPES
from app.services.demo.demo import DEMO_PASSWORD
from tests.e2e.serving import serve_environment, serving_together

REPLICAS = 3


def _folders(tmp_path: Path) -> list[Path]:
    folders = [tmp_path / f"replica-{n}" for n in range(REPLICAS)]
    for folder in folders:
        folder.mkdir()
    return folders


def _each_row_once(base: str, *, demo: bool) -> None:
    with httpx.Client(base_url=base, timeout=30) as c:
        codes = [t["code"] for t in c.get("/public/v1/violation-types").json()]
        assert sorted(codes) == sorted(v.code for v in VIOLATION_TYPES)
        if demo:
            towns = c.get(
                "/public/v1/jurisdictions", params={"level": "township", "limit": 50}
            ).json()["items"]
            assert len(towns) == 10
            token = c.post(
                "/api/v1/auth/token",
                data={
                    "grant_type": "password",
                    "username": "coordinator",
                    "password": DEMO_PASSWORD,
                },
            )
            assert token.status_code == 200, token.text


@pytest.mark.parametrize(
    ("demo", "pool"),
    [(True, "30"), (False, "1"), (True, "30")],
    ids=["run1-demo", "run2-pool-of-1", "run3-demo"],
)
def test_three_replicas_started_at_once_on_an_empty_postgres_all_serve(
    tmp_path: Path, demo: bool, pool: str
) -> None:
    """The lock is held on a connection of its own, so even a pool of one does the work."""
    folders = _folders(tmp_path)
    args = ("--demo",) if demo else ()
    with (
        serve_environment("postgresql", {"LABOURWATCH_DB_POOL_SIZE": pool}) as env,
        serving_together(env, folders, *args, timeout=180) as bases,
    ):
        for base in bases:
            assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
        _each_row_once(bases[0], demo=demo)
    for folder in folders:
        assert "Traceback" not in (folder / "serve.log").read_text()


def test_three_replicas_on_one_sqlite_file_all_serve(tmp_path: Path) -> None:
    """Not a deployment we recommend (SQLite is for one process), but it must not crash,
    and the key they generate is one: a token from one replica is good on the others."""
    folders = _folders(tmp_path)
    extra = {"LABOURWATCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"}
    with (
        serve_environment("sqlite", extra) as env,
        serving_together(env, folders, "--demo", timeout=180) as bases,
    ):
        for base in bases:
            assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
        _each_row_once(bases[0], demo=True)
        token = httpx.post(
            f"{bases[0]}/api/v1/auth/token",
            timeout=30,
            data={"grant_type": "password", "username": "coordinator", "password": DEMO_PASSWORD},
        ).json()["access_token"]
        for base in bases[1:]:
            me = httpx.get(
                f"{base}/api/v1/me", timeout=30, headers={"Authorization": f"Bearer {token}"}
            )
            assert me.status_code == 200, me.text
