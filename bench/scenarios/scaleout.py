"""Scale-out: tip intake with 2 uvicorn workers, and with a `labourwatch worker` alongside."""

from __future__ import annotations

from bench.harness import LW, Row, app_env, pg_database, process, serve_cmd, server
from bench.scenarios.common import POST_TIP, Plan
from bench.scenarios.seed import seed_demo


def scale_out(plan: Plan, one_worker: Row | None = None) -> list[Row]:
    """Each compared with 1 worker measured right before, on the same database: the
    machine's load drifts over a session too much to compare with an earlier figure."""
    rows: list[Row] = []
    with pg_database() as url:
        seed_demo(url)
        env = app_env(url)
        with server(serve_cmd(), env=env) as base:
            ref = plan.measure(
                "POST /public/v1/tips, 1 worker (scale-out baseline)",
                base + "/public/v1/tips",
                script=POST_TIP,
            )
        rows.append(Row(ref.name, ref))
        with server(serve_cmd(workers=2), env=env) as base:
            fig = plan.measure(
                "POST /public/v1/tips, 2 workers (PostgreSQL)",
                base + "/public/v1/tips",
                script=POST_TIP,
            )
        rows.append(
            Row(
                fig.name,
                fig,
                ref,
                note="ratio against 1 worker; 2 cores shared with wrk and PostgreSQL",
            )
        )
        with server(serve_cmd(), env=env) as base, process([LW, "worker", "--interval", "1"], env):
            fig = plan.measure(
                "POST /public/v1/tips, 1 API + 1 `labourwatch worker`",
                base + "/public/v1/tips",
                script=POST_TIP,
            )
        rows.append(
            Row(
                fig.name,
                fig,
                ref,
                note="ratio against the API alone; the worker sweeps every second",
            )
        )
    return rows
