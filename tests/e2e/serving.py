"""A real `labourwatch serve --demo` process on loopback, for the end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx

from tests.conftest import PG_SERVER

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def psql(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(f"{PG_SERVER}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def serving(
    env: dict[str, str],
    folder: Path,
    *args: str,
    timeout: float = 90,
    started: list[subprocess.Popen[bytes]] | None = None,
) -> Iterator[str]:
    """`labourwatch serve *args` on a free loopback port with `env`, run in `folder`
    (its log in folder/serve.log); yield the base URL once /readyz answers 200.
    The process is appended to `started` for a test that watches it."""
    with serving_together(env, [folder], *args, timeout=timeout, started=started) as [base]:
        yield base


@contextmanager
def serving_together(
    env: dict[str, str],
    folders: list[Path],
    *args: str,
    timeout: float = 90,
    started: list[subprocess.Popen[bytes]] | None = None,
) -> Iterator[list[str]]:
    """One `labourwatch serve *args` per folder, all started at once on their own free
    ports (each logs to its folder/serve.log); yield the base URLs once every one of
    them answers /readyz 200. Any process that exits first fails the test."""
    procs: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for folder in folders:
            port = free_port()
            log_path = folder / "serve.log"
            with log_path.open("w") as log:
                procs.append(
                    (
                        subprocess.Popen(
                            [str(BIN / "labourwatch"), "serve", *args, "--port", str(port)],
                            cwd=folder,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        ),
                        f"http://127.0.0.1:{port}",
                        log_path,
                    )
                )
                if started is not None:
                    started.append(procs[-1][0])
        deadline = time.monotonic() + timeout
        waiting = list(procs)
        while waiting:
            for proc, base, log_path in list(waiting):
                assert proc.poll() is None, f"serve exited: {log_path.read_text()[-2000:]}"
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        waiting.remove((proc, base, log_path))
                except httpx.TransportError:
                    pass
            assert time.monotonic() < deadline, f"serve did not come up in {timeout:.0f} s"
            if waiting:
                time.sleep(0.2)
        yield [base for _proc, base, _log in procs]
    finally:
        for proc, _base, _log in procs:
            proc.terminate()
        for proc, _base, _log in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def serve_environment(
    backend: str, extra_env: dict[str, str] | None = None
) -> Iterator[dict[str, str]]:
    """The environment for `labourwatch serve` on `backend`, without the caller's
    LABOURWATCH_* settings: SQLite is left to the embedded default of the folder served
    in; PostgreSQL gets a new empty database and a key, the database dropped afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    env.update(extra_env or {})
    dbname = None
    if backend == "postgresql":
        dbname = f"lw_e2e_{secrets.token_hex(4)}"
        psql(f'CREATE DATABASE "{dbname}"')
        env["LABOURWATCH_DATABASE_URL"] = (
            PG_SERVER.replace("postgresql://", "postgresql+asyncpg://") + f"/{dbname}"
        )
        env["LABOURWATCH_SECRET_KEY"] = secrets.token_urlsafe(40)
    try:
        yield env
    finally:
        if dbname:
            psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@contextmanager
def running_serve(
    backend: str,
    folder: Path,
    extra_env: dict[str, str] | None = None,
    started: list[subprocess.Popen[bytes]] | None = None,
) -> Iterator[tuple[str, dict[str, str]]]:
    """Start `serve --demo` on `backend` in `folder`; yield (base URL, its environment).

    SQLite uses the embedded default in `folder`; PostgreSQL a throwaway database,
    dropped afterwards.
    """
    with (
        serve_environment(backend, extra_env) as env,
        serving(env, folder, "--demo", started=started) as base,
    ):
        yield base, env
