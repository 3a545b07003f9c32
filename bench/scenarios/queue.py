"""Agency queues: an unchanged queue answered 304, and a page with 1,000 vs 1,000,000 rows."""

from __future__ import annotations

import httpx

from bench.harness import Figure, Row, app_env, pg_database, serve_cmd, server, uvicorn_cmd
from bench.scenarios.common import Plan
from bench.scenarios.seed import add_assignments, seed_demo

OFFICER = "officer.police"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def queue_304(plan: Plan) -> list[Row]:
    with pg_database() as url:
        seeded = seed_demo(url)
        headers = _auth(seeded.tokens[OFFICER])
        with (
            server(uvicorn_cmd("bench.refs.bare:app"), ready="/ping") as bare_base,
            server(serve_cmd(), env=app_env(url)) as base,
        ):
            first = httpx.get(base + "/api/v1/queue", headers=headers, timeout=10)
            first.raise_for_status()
            headers["If-None-Match"] = first.headers["etag"]
            check = httpx.get(base + "/api/v1/queue", headers=headers, timeout=10)
            assert check.status_code == 304, check.status_code
            bare, fig = plan.pair(
                ("reference: bare FastAPI GET", bare_base + "/ping", {}),
                (
                    "GET /api/v1/queue → 304 (PostgreSQL)",
                    base + "/api/v1/queue",
                    {"headers": headers},
                ),
            )
    return [Row(bare.name, bare), Row(fig.name, fig, bare, 0.5)]


def queue_pages(plan: Plan) -> list[Row]:
    """The same page with 1,000 and with 1,000,000 assignments (`--sizes`) in the
    agency's queue, each against the raw keyset page on the same database."""
    rows: list[Row] = []
    figures: dict[int, Figure] = {}
    for n in plan.sizes:
        with pg_database() as url:
            seeded = seed_demo(url)
            agency = seeded.agencies[OFFICER]
            add_assignments(url, agency, n)
            ref_env = {
                "REF_DATABASE_URL": url.replace("+asyncpg", ""),
                "REF_AGENCY_ID": str(agency),
            }
            headers = _auth(seeded.tokens[OFFICER])
            with (
                server(
                    uvicorn_cmd("bench.refs.raw_queue:app"), env=ref_env, ready="/queue?limit=1"
                ) as ref_base,
                server(serve_cmd(), env=app_env(url)) as base,
            ):
                r = httpx.get(base + "/api/v1/queue?limit=50", headers=headers, timeout=30)
                r.raise_for_status()
                assert len(r.json()["items"]) == 50, r.text[:300]
                ref, fig = plan.pair(
                    (
                        f"reference: raw asyncpg keyset page, {n:,}",
                        ref_base + "/queue?limit=50",
                        {},
                    ),
                    (
                        f"GET /api/v1/queue page of 50, {n:,} assignments",
                        base + "/api/v1/queue?limit=50",
                        {"headers": headers},
                    ),
                )
            figures[n] = fig
            rows += [Row(ref.name, ref), Row(fig.name, fig, ref, 0.8)]
    if 1_000 in figures and 1_000_000 in figures:
        small, big = figures[1_000], figures[1_000_000]
        rows.append(
            Row(
                "page at 1,000,000 vs at 1,000",
                big,
                small,
                1 / 1.5,
                note="target: within 1.5× of the 1,000 page (ratio ≥ 0.67)",
            )
        )
    return rows
