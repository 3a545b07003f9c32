"""CPU per request of one hot path, in process, without a server or wrk; optionally profiled.

    .venv/bin/python bench/profile_path.py tips --db pg            # µs of CPU per tip
    .venv/bin/python bench/profile_path.py tips --db sqlite --profile
    .venv/bin/python bench/profile_path.py queue --db pg --profile  # a page of 50
    .venv/bin/python bench/profile_path.py ref-tips --db pg        # the raw reference

The app (or a reference app of `bench/refs`) is called as ASGI directly, 32 requests
at a time, so what is measured is the app's own CPU per request (process time), which
other work on a shared machine disturbs far less than requests per second. With
`--profile`, cProfile (timed by process CPU) prints where that time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import SECRET, app_env, pg_database, run_cli
from bench.scenarios.seed import add_assignments, seed_demo

# The body bench/post_tip.lua sends.
TIP_BYTES = (
    '{"description":"羊二庄镇某砖厂使用童工，约有五六个孩子，看起来不到十六岁，每天干活十几个小时，'
    "老板把工人的身份证都收走了，晚上有人看守不让出门，工资几个月没发。厂子在村东头，"
    '旁边有个大烟囱。请尽快来查。","violation_types":["child_labour","id_document_detention",'
    '"restriction_of_liberty","wage_arrears"],"employer_name":"某砖厂","address":"羊二庄镇东村东头"}'
).encode()

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def call(
    app: App, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> int:
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"content-length", str(len(body)).encode()), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


class Lifespan:
    def __init__(self, app: App) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def __aenter__(self) -> None:
        self.task = asyncio.ensure_future(
            self.app({"type": "lifespan", "state": {}}, self.inbox.get, self.outbox.put)
        )
        await self.inbox.put({"type": "lifespan.startup"})
        msg = await self.outbox.get()
        assert msg["type"] == "lifespan.startup.complete", msg

    async def __aexit__(self, *exc: object) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        await self.task


async def drive(
    app: App, make: Callable[[int], tuple[str, str, list[tuple[bytes, bytes]], bytes]], n: int
) -> tuple[float, float, dict[int, int]]:
    counts: dict[int, int] = {}
    queue = iter(range(n))

    async def worker() -> None:
        for i in queue:
            status = await call(app, *make(i))
            counts[status] = counts.get(status, 0) + 1

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(32)))
    return time.perf_counter() - wall, time.process_time() - cpu, counts


def tip_request(i: int) -> tuple[str, str, list[tuple[bytes, bytes]], bytes]:
    headers = [
        (b"content-type", b"application/json"),
        (b"idempotency-key", f"prof-{os.getpid()}-{time.time_ns()}-{i}".encode()),
    ]
    return "POST", "/public/v1/tips", headers, TIP_BYTES


def ref_tip_request(i: int) -> tuple[str, str, list[tuple[bytes, bytes]], bytes]:
    return "POST", "/tips", [(b"content-type", b"application/json")], TIP_BYTES


async def measure(app: App, make: Any, n: int, profile: bool, label: str) -> None:
    async with Lifespan(app):
        await drive(app, make, 200)  # warm-up
        profiler = None
        if profile:
            # CPU time, not wall time: waiting on the database is not what is looked for.
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        wall, cpu, counts = await drive(app, make, n)
        if profiler is not None:
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(40)
            stats.sort_stats("cumulative").print_stats(80)
    print(
        f"{label}: {n} requests, {cpu / n * 1e6:.0f} µs CPU each, "
        f"{n / wall:.0f}/s in process, statuses {counts}"
    )


def settings_env(url: str) -> None:
    os.environ.update(app_env(url))
    os.environ["LABOURWATCH_SECRET_KEY"] = SECRET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["tips", "ref-tips", "queue", "ref-queue", "queue-304"])
    parser.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--size", type=int, default=1000, help="assignments in the queue")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db == "pg":
            ctx: Any = pg_database()
        else:
            from contextlib import nullcontext

            ctx = nullcontext(f"sqlite+aiosqlite:///{tmp}/app.db")
        with ctx as url:
            if args.what.startswith("ref-"):
                ref_url = url.replace("+asyncpg", "").replace("+aiosqlite", "")
                os.environ["REF_DATABASE_URL"] = ref_url
                if args.what == "ref-tips":
                    from bench.refs.raw_insert import app as ref

                    asyncio.run(measure(ref, ref_tip_request, args.n, args.profile, args.what))
                    return 0
                seeded = seed_demo(url)
                agency = seeded.agencies["officer.police"]
                add_assignments(url, agency, args.size)
                os.environ["REF_AGENCY_ID"] = str(agency)
                import importlib

                ref_queue = importlib.import_module("bench.refs.raw_queue")
                ref_queue.AGENCY = agency

                def ref_page(i: int) -> tuple[str, str, list[tuple[bytes, bytes]], bytes]:
                    return "GET", "/queue?limit=50", [], b""

                asyncio.run(measure(ref_queue.app, ref_page, args.n, args.profile, args.what))
                return 0
            settings_env(url)
            from app.config import Settings
            from app.main import create_app

            if args.what == "tips":
                run_cli([sys.executable, "-m", "app.cli", "migrate"], app_env(url))
                app: Any = create_app(Settings())
                asyncio.run(measure(app, tip_request, args.n, args.profile, args.what))
                return 0
            seeded = seed_demo(url)
            if args.db == "pg":
                add_assignments(url, seeded.agencies["officer.police"], args.size)
            auth = (b"authorization", f"Bearer {seeded.tokens['officer.police']}".encode())
            app = create_app(Settings())
            etag: list[bytes] = []

            def page(i: int) -> tuple[str, str, list[tuple[bytes, bytes]], bytes]:
                headers = [auth, *([(b"if-none-match", etag[0])] if etag else [])]
                return "GET", "/api/v1/queue?limit=50", headers, b""

            if args.what == "queue-304":
                etag.append(asyncio.run(_etag(app, auth)))
            asyncio.run(measure(app, page, args.n, args.profile, args.what))
    return 0


async def _etag(app: App, auth: tuple[bytes, bytes]) -> bytes:
    found: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            found.extend(v for k, v in message["headers"] if k == b"etag")

    async with Lifespan(app):
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/api/v1/queue",
            "raw_path": b"/api/v1/queue",
            "query_string": b"limit=50",
            "root_path": "",
            "headers": [(b"host", b"bench"), auth],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 8000),
            "scheme": "http",
            "http_version": "1.1",
            "asgi": {"version": "3.0"},
            "state": {},
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        await app(scope, receive, send)
    return found[0]


if __name__ == "__main__":
    raise SystemExit(main())
