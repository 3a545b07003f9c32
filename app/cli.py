"""`labourwatch`: serve, migrate, create-admin, worker, export-openapi."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import ConfigError, Settings, get_settings
from app.logs import configure_logging

if TYPE_CHECKING:
    from app.services.demo.demo import LoadedDemo

log = logging.getLogger("labourwatch")
OPENAPI_DIR = Path(__file__).resolve().parent.parent / "openapi"


async def _prepare(settings: Settings, *, demo: bool) -> LoadedDemo | None:
    """Migrate to head, seed reference data, and load the demo when asked.

    Under the database's start-up lock: replicas started at once take turns, and
    the later ones find the work done."""
    from app.db import create_engine, create_sessionmaker, transaction
    from app.migrate import startup_lock, upgrade
    from app.services.demo.demo import load_demo
    from app.services.registry.reference import seed_reference_data

    engine = create_engine(settings)
    try:
        async with startup_lock(engine):
            await upgrade(engine)
            async with transaction(create_sessionmaker(engine)) as session:
                added = await seed_reference_data(session)
                if added:
                    log.info("seeded %d violation types and their routing rules", added)
                return await load_demo(session, settings) if demo else None
    finally:
        await engine.dispose()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.main import create_app, settle_heap

    started = time.monotonic()
    demo = asyncio.run(_prepare(settings, demo=args.demo))
    if demo is not None:
        _print_demo(demo, f"http://{args.host}:{args.port}", time.monotonic() - started)
    # X-Forwarded-For/-Proto are read from the trusted proxies only (uvicorn's own default
    # would trust 127.0.0.1); with none configured, the peer address is the client.
    trusted = settings.trusted_proxies
    common = {
        "host": args.host,
        "port": args.port,
        "access_log": False,
        "log_config": None,
        "server_header": False,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted,
    }
    if args.workers > 1:
        # Each worker process builds its own app from the environment (app/asgi.py).
        os.environ["LABOURWATCH_SIDE"] = args.only or "all"
        uvicorn.run("app.asgi:app", workers=args.workers, **common)
    else:
        app = create_app(settings, side=args.only or "all")
        settle_heap()
        uvicorn.run(app, **common)
    return 0


def _print_demo(demo: LoadedDemo, base: str, seconds: float) -> None:
    from app.services.demo.demo import DEMO_PASSWORD

    done = "loaded" if demo.played else "already loaded"
    print(
        f"\nDemo county 黄骅市 {done} ({seconds:.1f} s, with migrations): a campaign "
        "three weeks in. Logins (password for all: "
        f"{DEMO_PASSWORD}):",
        file=sys.stderr,
    )
    for login in demo.logins:
        print(f"  {login.username:<30} {login.role.value:<15} {login.agency}", file=sys.stderr)
    print(
        f"\nAPI: {base}/docs   tip-line API: {base}/public/docs   form: {base}/\n"
        f"campaign: {demo.campaign_id}\n"
        f"A tipster's receipt to look up at {base}/status : {demo.receipt}\n",
        file=sys.stderr,
    )


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import create_engine
    from app.migrate import startup_lock, upgrade

    async def run() -> None:
        engine = create_engine(settings)
        try:
            async with startup_lock(engine):
                await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print("database at the latest migration", file=sys.stderr)
    return 0


def cmd_create_admin(args: argparse.Namespace, settings: Settings) -> int:
    from app.db import create_engine, create_sessionmaker, transaction
    from app.domain.permissions import SYSTEM_ACTOR
    from app.errors import AppError
    from app.services.registry.accounts import create_admin

    password = os.environ.get("LABOURWATCH_ADMIN_PASSWORD") or getpass.getpass("Password: ")

    async def run() -> None:
        await _prepare(settings, demo=False)
        engine = create_engine(settings)
        try:
            async with transaction(create_sessionmaker(engine)) as session:
                await create_admin(session, SYSTEM_ACTOR, username=args.username, password=password)
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except AppError as exc:
        print(f"error: {exc.detail or exc.title}", file=sys.stderr)
        return 1
    print(f"admin {args.username} created", file=sys.stderr)
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from app.worker import run_worker

    # Started with the API processes on an empty database, a worker waits for the
    # migrations under the same start-up lock (or runs them), instead of failing its
    # first sweeps on tables that are not there yet.
    asyncio.run(_prepare(settings, demo=False))
    asyncio.run(run_worker(settings, once=args.once, interval=args.interval))
    return 0


def cmd_export_openapi(args: argparse.Namespace, settings: Settings) -> int:
    from app.openapi_export import export_documents

    for path in export_documents(Path(args.out), settings):
        print(f"wrote {path}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labourwatch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, seed and serve the API, tip-line and form")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load the Huanghua demo county")
    serve.add_argument("--only", choices=["internal", "public"], default=None)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="upgrade the database to the latest migration").set_defaults(
        func=cmd_migrate
    )
    admin = sub.add_parser("create-admin", help="create an admin (LABOURWATCH_ADMIN_PASSWORD)")
    admin.add_argument("--username", required=True)
    admin.set_defaults(func=cmd_create_admin)
    worker = sub.add_parser("worker", help="run background jobs (safe to run several)")
    worker.add_argument("--once", action="store_true", help="one sweep, then exit")
    worker.add_argument("--interval", type=float, default=30.0, help="seconds between sweeps")
    worker.set_defaults(func=cmd_worker)
    export = sub.add_parser("export-openapi", help="rewrite the files in openapi/")
    export.add_argument("--out", default=str(OPENAPI_DIR))
    export.set_defaults(func=cmd_export_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
        configure_logging(settings.log_level, json_lines=settings.log_json)
        settings.resolved_secret()
    except ConfigError as exc:
        print(f"labourwatch: {exc}", file=sys.stderr)
        return 2
    return int(args.func(args, settings))


if __name__ == "__main__":
    raise SystemExit(main())
