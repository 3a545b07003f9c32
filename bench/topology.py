"""The deployed topology, run natively and broken on purpose.

What docker-compose.yml describes, started on this machine at one instant on an empty
PostgreSQL database: HAProxy (deploy/haproxy/haproxy.cfg, the file compose mounts) in
front of two API processes (`labourwatch serve`), the tip-line process
(`serve --only public`), two `labourwatch worker`s. Then:

1. throughput of tip intake through the balancer with one API process (the other put in
   maintenance through HAProxy's runtime API) and with two;
2. a tip flood from many client addresses (each client binds its own 127.0.0.x; HAProxy
   writes it into X-Forwarded-For, the processes trust HAProxy only) during which one
   API process is SIGKILLed and restarted. Checked afterwards: every tip answered 201 is
   in the database exactly once (by its receipt's keyed hash), clients saw only 201, 429
   or 503 problem+json, and the one client above its per-source limit got 429 while the
   others got only 201.

    .venv/bin/python bench/topology.py            # prints the figures, writes RESULTS.md
    .venv/bin/python bench/topology.py --seconds 8 --no-write

tests/e2e/test_topology.py runs a CI-sized flood with the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

if __package__ in (None, ""):  # run as a script: make `bench` and `app` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.security import derive_keys
from app.services.tipline.tip_privacy import receipt_hash

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HAPROXY_CFG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- topology:begin -->", "<!-- topology:end -->"
PG_SERVER = os.environ.get("LABOURWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432")

TIP = (
    '{"description":"羊二庄镇某砖厂使用童工，老板把工人的身份证都收走了，工资几个月没发。",'
    '"violation_types":["child_labour","wage_arrears"],"employer_name":"某砖厂",'
    '"address":"羊二庄镇东村东头"}'
).encode()
OK_STATUSES = {201, 429, 503}


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the topology ------------------------------------------------------------------------


@dataclass
class Topology:
    """The processes of docker-compose.yml on loopback; logs in `folder/<name>.log`."""

    env: dict[str, str]
    folder: Path
    haproxy: str
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def internal(self) -> str:
        return f"http://127.0.0.1:{self.ports['internal']}"

    @property
    def public(self) -> str:
        return f"http://127.0.0.1:{self.ports['public']}"

    @property
    def socket_path(self) -> Path:
        return self.folder / "haproxy.sock"

    def commands(self) -> dict[str, list[str]]:
        lw = str(BIN / "labourwatch")
        serve = [lw, "serve", "--host", "127.0.0.1", "--port"]
        return {
            "api1": [*serve, str(self.ports["api1"])],
            "api2": [*serve, str(self.ports["api2"])],
            "tipline": [*serve, str(self.ports["tipline"]), "--only", "public"],
            "worker1": [lw, "worker", "--interval", "2"],
            "worker2": [lw, "worker", "--interval", "2"],
            "haproxy": [self.haproxy, "-db", "-f", str(HAPROXY_CFG)],
        }

    def balancer_env(self) -> dict[str, str]:
        return {
            **self.env,
            "LW_API1": f"127.0.0.1:{self.ports['api1']}",
            "LW_API2": f"127.0.0.1:{self.ports['api2']}",
            "LW_TIPLINE": f"127.0.0.1:{self.ports['tipline']}",
            "LW_BIND_INTERNAL": f"127.0.0.1:{self.ports['internal']}",
            "LW_BIND_PUBLIC": f"127.0.0.1:{self.ports['public']}",
            "LW_HAPROXY_SOCKET": str(self.socket_path),
        }

    def launch(self, name: str) -> None:
        env = self.balancer_env() if name == "haproxy" else self.env
        with (self.folder / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                self.commands()[name], env=env, cwd=self.folder, stdout=log, stderr=log
            )

    def start(self, timeout: float = 180) -> float:
        """Everything at once; return the seconds until the balancer serves both sides."""
        for name in ("api1", "api2", "tipline", "internal", "public"):
            self.ports[name] = free_port()
        started = time.monotonic()
        for name in self.commands():
            self.launch(name)
        self.wait_ready(["api1", "api2", "tipline"], timeout)
        deadline = time.monotonic() + timeout
        while not (self.backend_up("api", "api1") and self.backend_up("api", "api2")):
            assert time.monotonic() < deadline, "HAProxy never saw both API processes up"
            time.sleep(0.1)
        while not self.backend_up("tipline", "tipline"):
            assert time.monotonic() < deadline, "HAProxy never saw the tip-line up"
            time.sleep(0.1)
        return time.monotonic() - started

    def wait_ready(self, names: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        waiting = list(names)
        while waiting:
            for name in list(waiting):
                proc = self.procs[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.log(name)[-2000:]}")
                path = "/public/v1/violation-types" if name == "tipline" else "/readyz"
                try:
                    r = httpx.get(f"http://127.0.0.1:{self.ports[name]}{path}", timeout=2)
                    if r.status_code == 200:
                        waiting.remove(name)
                except httpx.TransportError:
                    pass
            assert time.monotonic() < deadline, f"{waiting} not ready in {timeout:.0f} s"
            time.sleep(0.1)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def haproxy_command(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(self.socket_path))
            s.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def backend_up(self, backend: str, server: str) -> bool:
        try:
            state = self.haproxy_command(f"show servers state {backend}")
        except OSError:
            return False
        for line in state.splitlines():
            parts = line.split()
            # fields: be_id be_name srv_id srv_name srv_addr srv_op_state ...; 2 = running
            if len(parts) > 5 and parts[3] == server:
                return parts[5] == "2"
        return False

    def set_state(self, backend: str, server: str, state: str) -> None:
        self.haproxy_command(f"set server {backend}/{server} state {state}")

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait()

    def restart(self, name: str, timeout: float = 120) -> None:
        self.launch(name)
        self.wait_ready([name], timeout)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def tracebacks(self) -> list[str]:
        return [name for name in self.commands() if "Traceback" in self.log(name)]


@contextmanager
def running(env: dict[str, str], folder: Path, haproxy: str) -> Iterator[Topology]:
    topology = Topology(env, folder, haproxy)
    try:
        topology.start()
        yield topology
    finally:
        topology.stop()


def app_env(database_url: str, secret: str, *, source_rate: str) -> dict[str, str]:
    """What compose gives every labourwatch process, with this run's database and limits.

    HAProxy reaches the processes from 127.0.0.1: that peer alone is trusted to name the
    client in X-Forwarded-For. Pools are small: 5 processes share the server's
    max_connections with everyone else on this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    env.update(
        {
            "LABOURWATCH_DATABASE_URL": database_url,
            "LABOURWATCH_SECRET_KEY": secret,
            "LABOURWATCH_TRUSTED_PROXIES": "127.0.0.1",
            "LABOURWATCH_TIP_INTAKE_SOURCE_RATE": source_rate,
            "LABOURWATCH_TIP_INTAKE_GLOBAL_RATE": "10000000/minute",
            "LABOURWATCH_DB_POOL_SIZE": "10",
            "LABOURWATCH_LOG_LEVEL": "WARNING",
        }
    )
    return env


# --- the flood ---------------------------------------------------------------------------


@dataclass
class SourceResult:
    source: str
    statuses: Counter[int] = field(default_factory=Counter)
    receipts: list[str] = field(default_factory=list)
    odd: list[str] = field(default_factory=list)
    """Answers other than 201, 429 or 503 problem+json, and transport errors."""
    latencies: list[float] = field(default_factory=list)


async def _flood_sources(
    base: str, sources: list[tuple[str, int, int]], seconds: float
) -> list[SourceResult]:
    """Each (address, at most n tips, requests in flight) sends from its own address
    until `seconds` are over or its n are sent."""
    deadline = time.monotonic() + seconds

    async def one_source(address: str, most: int, concurrency: int) -> SourceResult:
        result = SourceResult(address)
        sent = 0
        transport = httpx.AsyncHTTPTransport(local_address=address, retries=0)
        async with httpx.AsyncClient(
            transport=transport,
            base_url=base,
            timeout=30,
            headers={"Content-Type": "application/json"},
        ) as client:

            async def sender() -> None:
                nonlocal sent
                while time.monotonic() < deadline and sent < most:
                    sent += 1
                    began = time.perf_counter()
                    try:
                        r = await client.post("/public/v1/tips", content=TIP)
                    except httpx.HTTPError as exc:
                        result.odd.append(f"{type(exc).__name__}: {exc}")
                        continue
                    result.latencies.append(time.perf_counter() - began)
                    result.statuses[r.status_code] += 1
                    ctype = r.headers.get("content-type", "")
                    if r.status_code == 201:
                        result.receipts.append(r.json()["receipt"])
                    elif r.status_code not in OK_STATUSES or (
                        r.status_code == 503 and ctype != "application/problem+json"
                    ):
                        result.odd.append(f"{r.status_code} {ctype}: {r.text[:200]}")

            await asyncio.gather(*(sender() for _ in range(concurrency)))
        return result

    return list(await asyncio.gather(*(one_source(a, n, c) for a, n, c in sources)))


def _flood_process(
    base: str, sources: list[tuple[str, int, int]], seconds: float
) -> list[SourceResult]:
    return asyncio.run(_flood_sources(base, sources, seconds))


@dataclass
class Flood:
    results: list[SourceResult]
    seconds: float

    def by_source(self) -> dict[str, SourceResult]:
        return {r.source: r for r in self.results}

    @property
    def statuses(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for r in self.results:
            total.update(r.statuses)
        return total

    @property
    def receipts(self) -> list[str]:
        return [x for r in self.results for x in r.receipts]

    @property
    def odd(self) -> list[str]:
        return [x for r in self.results for x in r.odd]

    @property
    def created_per_second(self) -> float:
        return self.statuses[201] / self.seconds

    def latency_ms(self, q: float) -> float:
        values = sorted(x for r in self.results for x in r.latencies)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(q * len(values)))] * 1000

    def summary(self) -> str:
        s = self.statuses
        return (
            f"{s[201]} × 201, {s[429]} × 429, {s[503]} × 503 in {self.seconds:.1f} s: "
            f"{self.created_per_second:,.0f} tips/s, p50 {self.latency_ms(0.5):.0f} ms, "
            f"p99 {self.latency_ms(0.99):.0f} ms"
        )


def sources(count: int, first: int = 10) -> list[str]:
    """Loopback client addresses 127.0.0.<first>… (all of 127/8 is this machine's)."""
    return [f"127.0.0.{first + n}" for n in range(count)]


def flood(
    base: str,
    plan: list[tuple[str, int, int]],
    *,
    seconds: float,
    processes: int = 2,
    during: list[tuple[float, object]] | None = None,
) -> Flood:
    """The flood of `plan` (address, most tips, requests in flight), split over
    `processes` client processes (one Python process would be the bottleneck); `during`
    holds (second, callable) to run while it goes on."""
    parts = [plan[n::processes] for n in range(processes)]
    timers = [threading.Timer(at, fn) for at, fn in during or []]  # type: ignore[arg-type]
    began = time.monotonic()
    with ProcessPoolExecutor(processes) as pool:
        futures = [pool.submit(_flood_process, base, part, seconds) for part in parts if part]
        for timer in timers:
            timer.start()
        results = [r for f in futures for r in f.result()]
    for timer in timers:
        timer.join()
    return Flood(results, time.monotonic() - began)


# --- checks ------------------------------------------------------------------------------


def database_counts(database_url: str, secret: str, receipts: list[str]) -> dict[str, int]:
    """How many tips the database holds, and how many times each answered receipt."""
    keys = derive_keys(secret)
    hashes = [receipt_hash(keys, r) or "" for r in receipts]
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")

    async def run() -> dict[str, int]:
        conn = await asyncpg.connect(dsn)
        try:
            total = await conn.fetchval("SELECT count(*) FROM tip")
            rows = await conn.fetch(
                "SELECT receipt_hash, count(*) AS n FROM tip "
                "WHERE receipt_hash = ANY($1::text[]) GROUP BY receipt_hash",
                hashes,
            )
        finally:
            await conn.close()
        found = {r["receipt_hash"]: r["n"] for r in rows}
        return {
            "tips": int(total),
            "answered": len(hashes),
            "found_once": sum(1 for h in hashes if found.get(h) == 1),
            "missing": sum(1 for h in hashes if h not in found),
            "duplicated": sum(1 for h in hashes if found.get(h, 0) > 1),
        }

    return asyncio.run(run())


@dataclass
class KillReport:
    flood: Flood
    counts: dict[str, int]
    heavy: SourceResult
    others: list[SourceResult]
    killed_at: float
    back_after: float
    tracebacks: list[str]


def kill_flood(
    topology: Topology,
    *,
    database_url: str,
    secret: str,
    seconds: float,
    source_limit: int,
    normal_sources: int = 16,
    concurrency: int = 3,
    victim: str = "api1",
) -> KillReport:
    """A flood through the internal frontend; `victim` SIGKILLed at a third of it and
    restarted. One source (127.0.0.9) sends far above `source_limit`, with 4× the
    requests in flight (so it passes its limit however slow the machine); the others
    stay under it (each at most half of it)."""
    heavy_address = "127.0.0.9"
    plan = [(heavy_address, source_limit * 8, concurrency * 4)] + [
        (a, source_limit // 2, concurrency) for a in sources(normal_sources)
    ]
    times: dict[str, float] = {}

    def kill_and_restart() -> None:
        times["killed"] = time.monotonic()
        topology.kill(victim)
        topology.restart(victim)
        times["back"] = time.monotonic()

    flood_result = flood(
        topology.internal,
        plan,
        seconds=seconds,
        during=[(seconds / 3, kill_and_restart)],
    )
    by = flood_result.by_source()
    return KillReport(
        flood=flood_result,
        counts=database_counts(database_url, secret, flood_result.receipts),
        heavy=by[heavy_address],
        others=[by[a] for a in sources(normal_sources)],
        killed_at=seconds / 3,
        back_after=times.get("back", float("nan")) - times.get("killed", float("nan")),
        tracebacks=topology.tracebacks(),
    )


# --- the bench ---------------------------------------------------------------------------


def throughput(topology: Topology, *, seconds: float, two: bool) -> Flood:
    """Tips/s through the balancer from 32 client addresses, 4 requests in flight each
    (128 connections), no limit reached."""
    topology.set_state("api", "api2", "ready" if two else "maint")
    time.sleep(0.5)
    plan = [(a, 10**9, 4) for a in sources(32)]
    flood(topology.internal, plan, seconds=1)  # warm-up
    return flood(topology.internal, plan, seconds=seconds)


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"lw_topology_{os.getpid()}_{int(time.time())}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(f"{PG_SERVER}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_SERVER.replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def machine_note() -> str:
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs shared with other work (load average {load} at the end); "
        "the client processes, HAProxy, 5 labourwatch processes and PostgreSQL all run on them"
    )


def write_section(text: str, path: Path = RESULTS) -> None:
    """Put the Topology section into RESULTS.md between its markers (bench/run.py keeps
    it when it rewrites the rest: `kept_section`)."""
    current = path.read_text() if path.exists() else ""
    block = f"{BEGIN}\n{text.rstrip()}\n{END}\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        current = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        current = current.rstrip("\n") + "\n\n" + block
    path.write_text(current)


def kept_section(path: Path = RESULTS) -> str:
    """The Topology section of RESULTS.md, for bench/run.py to keep."""
    current = path.read_text() if path.exists() else ""
    if BEGIN not in current or END not in current:
        return ""
    return BEGIN + current.split(BEGIN, 1)[1].split(END, 1)[0] + END + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of each flood")
    parser.add_argument("--rounds", type=int, default=3, help="alternated 1/2-API floods")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    haproxy = haproxy_binary()
    if haproxy is None:
        print("needs HAProxy: apt-get install haproxy", file=sys.stderr)
        return 2
    secret = "topology-bench-secret-" + "k" * 32
    limit = 30
    folder = ROOT / "bench" / ".topology"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.log"):
        old.unlink()
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    with fresh_database() as url:
        env = app_env(url, secret, source_rate=f"{limit}/minute")
        topology = Topology(env, folder, haproxy)
        try:
            up = topology.start()
            say(f"- all 6 processes started at once on an empty database; serving in {up:.1f} s")
            report = kill_flood(
                topology, database_url=url, secret=secret, seconds=args.seconds, source_limit=limit
            )
            topology.stop()
            # throughput: the same topology with no per-source limit in reach
            generous = {**env, "LABOURWATCH_TIP_INTAKE_SOURCE_RATE": "10000000/minute"}
            topology = Topology(generous, folder, haproxy)
            topology.start()
            # alternated, so the machine's drifting load (shared) falls on both alike
            ones: list[Flood] = []
            twos: list[Flood] = []
            for _ in range(args.rounds):
                ones.append(throughput(topology, seconds=args.seconds, two=False))
                twos.append(throughput(topology, seconds=args.seconds, two=True))
        finally:
            topology.stop()
    one = statistics.median(f.created_per_second for f in ones)
    two = statistics.median(f.created_per_second for f in twos)
    for label, runs, median in (("one API process", ones, one), ("two API processes", twos, two)):
        each = ", ".join(f"{f.created_per_second:,.0f}" for f in runs)
        p99 = statistics.median(f.latency_ms(0.99) for f in runs)
        say(
            f"- {label} behind HAProxy: median {median:,.0f} tips/s over {len(runs)} "
            f"alternated floods ({each}), p99 {p99:.0f} ms"
            + (f"; {two / one:.2f}× one" if runs is twos else "")
        )
    f = report.flood
    others_429 = sum(r.statuses[429] for r in report.others)
    say(
        f"- flood with api1 SIGKILLed at {report.killed_at:.0f} s and restarted "
        f"(serving again {report.back_after:.1f} s later): {f.summary()}"
    )
    c = report.counts
    say(
        f"- database: {c['answered']} tips answered 201, {c['found_once']} of them found exactly "
        f"once, {c['missing']} missing, {c['duplicated']} duplicated; {c['tips']} tips in all "
        f"({c['tips'] - c['answered']} committed but answered 503: the process died between "
        "commit and answer, and the client was told to send again)"
    )
    say(
        f"- per-source limit {limit}/minute: the source above it got "
        f"{report.heavy.statuses[201]} × 201 and {report.heavy.statuses[429]} × 429; the "
        f"{len(report.others)} others got {others_429} × 429"
    )
    say(f"- answers other than 201/429/503 problem+json: {len(f.odd)} {f.odd[:3]}")
    say(f"- processes with a traceback in their log: {report.tracebacks or 'none'}")
    say(f"- machine: {machine_note()}")
    verdict = (
        not f.odd
        and c["found_once"] == c["answered"]
        and report.heavy.statuses[429] > 0
        and others_429 == 0
    )
    say(f"- verdict: {'met' if verdict else '**missed**'}")
    if not args.no_write:
        write_section(
            "## Topology\n\n"
            "Generated by `.venv/bin/python bench/topology.py` "
            f"(floods of {args.seconds:.0f} s; HAProxy {haproxy_version(haproxy)}, "
            "deploy/haproxy/haproxy.cfg; clients are httpx from 32 loopback addresses, "
            "4 requests in flight each, in 2 processes). The machine's 2 cores are shared with "
            "other work, so these are floors, not capacities. A killed process forgets its "
            "in-memory per-source counts and its clients move to the other process while it "
            "is down, so a source may get past its limit once per such move.\n\n" + "\n".join(lines)
        )
    return 0 if verdict else 1


def haproxy_version(haproxy: str) -> str:
    out = subprocess.run([haproxy, "-v"], capture_output=True, text=True, check=False).stdout
    first = out.split()
    return first[2] if len(first) > 2 else "?"


if __name__ == "__main__":
    raise SystemExit(main())
