"""Public tip intake, the real path, against a validate-and-INSERT reference on the same DB."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.harness import Row, app_env, pg_database, serve_cmd, server, uvicorn_cmd
from bench.scenarios.common import POST_TIP, Plan
from bench.scenarios.seed import seed_demo

NOTE = (
    "server started with LABOURWATCH_TIP_INTAKE_GLOBAL_RATE and "
    "LABOURWATCH_TIP_INTAKE_SOURCE_RATE = 10000000/minute, so no request is limited"
)


def _pair(plan: Plan, app_url: str, ref_url: str, label: str) -> tuple[Row, Row]:
    with (
        server(
            uvicorn_cmd("bench.refs.raw_insert:app"), env={"REF_DATABASE_URL": ref_url}
        ) as ref_base,
        server(serve_cmd(), env=app_env(app_url)) as base,
    ):
        ref, fig = plan.pair(
            (f"reference: validate + INSERT ({label})", ref_base + "/tips", {"script": POST_TIP}),
            (f"POST /public/v1/tips ({label})", base + "/public/v1/tips", {"script": POST_TIP}),
        )
    return Row(ref.name, ref), Row(
        fig.name, fig, ref, 0.5, 50.0 if label == "PostgreSQL" else None, NOTE
    )


def tip_intake_pg(plan: Plan) -> list[Row]:
    with pg_database() as url, pg_database() as ref_db:
        return list(_pair(plan, url, ref_db.replace("+asyncpg", ""), "PostgreSQL"))


def tip_intake_sqlite(plan: Plan) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        app_db = Path(tmp) / "app.db"
        ref_db = Path(tmp) / "ref.db"
        return list(_pair(plan, f"sqlite+aiosqlite:///{app_db}", f"sqlite:///{ref_db}", "SQLite"))


def form_page(plan: Plan) -> list[Row]:
    """The reporting form (GET /), which every tipster of a flood loads first; shown
    against the bare endpoint, no target."""
    with pg_database() as url:
        seed_demo(url)
        with (
            server(uvicorn_cmd("bench.refs.bare:app"), ready="/ping") as bare_base,
            server(serve_cmd(), env=app_env(url)) as base,
        ):
            bare, fig = plan.pair(
                ("reference: bare FastAPI GET (form)", bare_base + "/ping", {}),
                ("GET / — the reporting form, demo county (PostgreSQL)", base + "/", {}),
            )
    return [
        Row(bare.name, bare),
        Row(fig.name, fig, bare, note="the form's lists are kept in the process for 30 s"),
    ]
