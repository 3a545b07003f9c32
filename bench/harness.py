"""Servers on loopback and wrk against them: the measuring parts every scenario uses."""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("LABOURWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


@dataclass
class Figure:
    name: str
    runs: list[Run]

    @property
    def rps(self) -> float:
        return statistics.median(r.rps for r in self.runs)

    @property
    def spread(self) -> float:
        """(max − min) / median of requests per second, over the runs."""
        values = [r.rps for r in self.runs]
        return (max(values) - min(values)) / self.rps if self.rps else 0.0

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    ready: str = "/healthz",
    port: int | None = None,
    cwd: Path | None = None,
) -> Iterator[str]:
    """Start a server process on loopback; yield its base URL; stop it afterwards."""
    with started_server(args, env=env, ready=ready, port=port, cwd=cwd) as (base, _proc):
        yield base


@contextmanager
def started_server(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    ready: str = "/healthz",
    port: int | None = None,
    cwd: Path | None = None,
    inherit_env: bool = True,
    within: float = 90,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`server`, yielding the process too. `env` is added to this process's environment,
    or is the whole of it with `inherit_env=False`; ready means `ready` answered below
    500 within `within` seconds."""
    port = port or free_port()
    full_env = {**os.environ, **(env or {})} if inherit_env else dict(env or {})
    cmd = [a.replace("{port}", str(port)) for a in args]
    log = open(os.devnull, "w")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, env=full_env, cwd=cwd or ROOT, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + within
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early: {' '.join(cmd)}")
            try:
                if httpx.get(base + ready, timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready: {' '.join(cmd)}")
            time.sleep(0.1)
        yield base, proc
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not gone in 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def uvicorn_cmd(app: str, *, workers: int = 1) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


_LAT = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str,
    *,
    seconds: int = 10,
    connections: int = 32,
    threads: int = 2,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
) -> Run:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {m.group(1): float(m.group(2)) * _UNIT[m.group(3)] for m in _LAT.finditer(out)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return Run(
        rps=rps,
        p50_ms=lat.get("50", 0.0),
        p99_ms=lat.get("99", 0.0),
        non_2xx=int(bad.group(1)) if bad else 0,
    )


def measure(
    name: str, url: str, *, runs: int = 3, warmup: int = 2, seconds: int = 10, **kw: object
) -> Figure:
    """Median of `runs` wrk runs after a warm-up, each `seconds` long."""
    wrk(url, seconds=warmup, **kw)  # type: ignore[arg-type]
    return Figure(
        name,
        [
            wrk(url, seconds=seconds, **kw)  # type: ignore[arg-type]
            for _ in range(runs)
        ],
    )


@contextmanager
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database; yields its asyncpg URL for SQLAlchemy."""
    import asyncio

    import asyncpg

    name = f"lw_bench_{secrets.token_hex(4)}"

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


def run_on_a_database(
    parser: argparse.ArgumentParser, run: Callable[[str, argparse.Namespace], Awaitable[None]]
) -> None:
    """A bench script's entry: `--database URL` keeps and reuses that database (generated
    on the first run, measured on every run); without it, a throwaway one."""
    import asyncio

    parser.add_argument(
        "--database",
        help="keep and reuse this PostgreSQL URL (postgresql+asyncpg://…): generated on the "
        "first run, measured on every run; default: a throwaway database",
    )
    options = parser.parse_args()
    if options.database:
        asyncio.run(run(options.database, options))
    else:
        with pg_database() as database_url:
            asyncio.run(run(database_url, options))


# --- the app under test, its settings, and figures compared with references ---------------

SECRET = "bench-secret-key-" + "x" * 40
GENEROUS = "10000000/minute"
LW = str(BIN / "labourwatch")
PY = sys.executable


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """Settings for a benchmarked app: rate limits far above anything wrk can send.

    The tip-line's intake limits exist to slow floods; left at their defaults they
    would turn most of a benchmark into 429s and flatter the figure.
    """
    return {
        "LABOURWATCH_DATABASE_URL": database_url,
        "LABOURWATCH_SECRET_KEY": SECRET,
        "LABOURWATCH_TIP_INTAKE_GLOBAL_RATE": GENEROUS,
        "LABOURWATCH_TIP_INTAKE_SOURCE_RATE": GENEROUS,
        "LABOURWATCH_LOG_LEVEL": os.environ.get("BENCH_APP_LOG_LEVEL", "WARNING"),
        **extra,
    }


def serve_cmd(*, workers: int = 1) -> list[str]:
    return [LW, "serve", "--host", "127.0.0.1", "--port", "{port}", "--workers", str(workers)]


def run_cli(args: Sequence[str], env: dict[str, str], timeout: float = 600) -> str:
    out = subprocess.run(
        list(args),
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-2000:]}")
    return out.stdout + out.stderr


@contextmanager
def process(args: Sequence[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A background process (e.g. `labourwatch worker`) for the duration of a block."""
    proc = subprocess.Popen(
        list(args),
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        stop(proc)


@dataclass
class Row:
    """One line of the results table: a figure, what it is compared with, and the verdict."""

    name: str
    figure: Figure | None
    reference: Figure | None = None
    target_ratio: float | None = None
    target_p99_ms: float | None = None
    note: str = ""
    value: str = ""
    checked: bool | None = None  # the verdict of a figure quoted from a script's output
    ref_value: str = ""  # a script's reference figure, as it printed it
    goal: str = ""  # a script's target, as words (its verdict is `checked`)

    @property
    def ratio(self) -> float | None:
        if self.figure is None or self.reference is None or not self.reference.rps:
            return None
        return self.figure.rps / self.reference.rps

    @property
    def met(self) -> bool | None:
        if self.checked is not None:
            return self.checked
        checks: list[bool] = []
        if self.target_ratio is not None and self.ratio is not None:
            checks.append(self.ratio >= self.target_ratio)
        if self.target_p99_ms is not None and self.figure is not None:
            checks.append(self.figure.p99_ms <= self.target_p99_ms)
        return all(checks) if checks else None

    @property
    def target(self) -> str:
        parts = []
        if self.target_ratio is not None:
            parts.append(f"≥ {self.target_ratio:.2g}×")
        if self.target_p99_ms is not None:
            parts.append(f"p99 ≤ {self.target_p99_ms:g} ms")
        if self.goal:
            parts.append(self.goal)
        return ", ".join(parts)
