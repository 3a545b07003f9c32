"""The deployed topology run natively, one API process killed mid-flood (CI-sized).

What docker-compose.yml describes, started at one instant on an empty PostgreSQL
database: HAProxy with deploy/haproxy/haproxy.cfg in front of two API processes, the
tip-line process and two workers (bench/topology.py, which also measures throughput).
Tips flood in through the balancer from 9 client addresses; one API process is
SIGKILLed and restarted. Every tip answered 201 is then in the database exactly once,
clients saw only 201, 429 or 503 problem+json, and the per-source limit counted each
client (from X-Forwarded-For, set by HAProxy, trusted from it alone): the one above its
limit got 429 while the others got only 201.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from bench.topology import Topology, app_env, kill_flood
from tests import needs
from tests.e2e.serving import serve_environment

LIMIT = 20
"""Tips per minute from one client address: the heavy client sends 8× this, the others
half of it."""


def test_a_killed_api_process_behind_haproxy_loses_no_tip_and_shows_no_raw_error(
    tmp_path: Path,
) -> None:
    haproxy = needs.haproxy()
    with serve_environment("postgresql") as base_env:
        url = base_env["LABOURWATCH_DATABASE_URL"]
        secret = base_env["LABOURWATCH_SECRET_KEY"]
        env = app_env(url, secret, source_rate=f"{LIMIT}/minute")
        topology = Topology(env, tmp_path, haproxy)
        try:
            topology.start()
            report = kill_flood(
                topology,
                database_url=url,
                secret=secret,
                seconds=10,
                source_limit=LIMIT,
                normal_sources=8,
            )
            # the public side: the tip-line's paths only
            assert httpx.get(f"{topology.public}/public/v1/violation-types").status_code == 200
            hidden = httpx.get(f"{topology.public}/api/v1/me")
            assert hidden.status_code == 404
            assert hidden.headers["content-type"] == "application/problem+json"
        finally:
            topology.stop()

    flood = report.flood
    assert flood.odd == []  # only 201, 429 and 503 problem+json; no raw 502, no reset
    assert flood.statuses[201] > 0
    counts = report.counts
    assert counts["found_once"] == counts["answered"] == flood.statuses[201]
    assert counts["missing"] == counts["duplicated"] == 0
    # per client: the one above its limit is refused, the others are not held up by it
    assert report.heavy.statuses[429] > 0
    assert all(r.statuses[429] == 0 and r.statuses[201] > 0 for r in report.others)
    assert report.tracebacks == []
    assert report.back_after < 120
