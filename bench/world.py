"""What the path benches share: a migrated throwaway database, places made through the
service, an actor for a place or an agency, bulk SQL on a bare asyncpg connection,
timing and peak memory.

Places and agencies go through `services/registry/reference.py` (a few hundred at most:
their paths and audit entries are the real ones); everything counted in thousands is
inserted set-based (`INSERT … SELECT generate_series`) or with COPY, never through the
API.
"""

from __future__ import annotations

import contextlib
import resource
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import SessionMaker, create_engine, create_sessionmaker, transaction
from app.domain.permissions import SYSTEM_ACTOR, Actor
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.migrate import upgrade
from app.models.reference import Agency, Jurisdiction
from app.services.registry import reference

SECRET = SecretStr("bench-only-secret-not-for-use-0123456789")


def settings_for(url: str, **extra: Any) -> Settings:
    return Settings(database_url=url, secret_key=SECRET, **extra)


async def migrated(url: str, **extra: Any) -> tuple[AsyncEngine, SessionMaker]:
    """The app's own engine (pool, timeouts) on a database migrated to the head."""
    engine = create_engine(settings_for(url, **extra))
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    async with transaction(maker) as session:
        await reference.seed_reference_data(session)
    return engine, maker


async def places(
    maker: SessionMaker,
    parent: Jurisdiction | None,
    children: Sequence[tuple[str, JurisdictionLevel]],
) -> list[Jurisdiction]:
    """Places under `parent` (the national root when None and `children` names it)."""
    out = []
    async with transaction(maker) as session:
        for name, level in children:
            out.append(
                await reference.create_jurisdiction(
                    session,
                    SYSTEM_ACTOR,
                    name=name,
                    level=level,
                    parent_id=parent.id if parent else None,
                )
            )
    return out


async def chain(
    maker: SessionMaker, names: Sequence[tuple[str, JurisdictionLevel]]
) -> list[Jurisdiction]:
    """全国 → … each under the one before."""
    out: list[Jurisdiction] = []
    for name, level in names:
        out += await places(maker, out[-1] if out else None, [(name, level)])
    return out


HEBEI = (
    ("全国", JurisdictionLevel.national),
    ("河北省", JurisdictionLevel.province),
    ("沧州市", JurisdictionLevel.city),
    ("黄骅市", JurisdictionLevel.county),
)


async def agency(maker: SessionMaker, kind: AgencyKind, place: Jurisdiction) -> Agency:
    async with transaction(maker) as session:
        return await reference.create_agency(
            session, SYSTEM_ACTOR, name=None, kind=kind, jurisdiction_id=place.id
        )


def actor(
    role: Role, place: Jurisdiction, agency: Agency | None = None, user_id: uuid.UUID | None = None
) -> Actor:
    """The caller as the API's token would make it: the office (no agency) or an agency's
    staff, at `place`."""
    return Actor(
        kind="user",
        id=str(user_id or uuid.uuid4()),
        name="bench",
        role=role,
        agency_id=agency.id if agency else None,
        agency_kind=AgencyKind(agency.kind) if agency else None,
        jurisdiction_id=place.id,
        jurisdiction_path=place.path,
        username="bench",
    )


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def bulk(url: str, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Set-based seeding in one transaction on a bare connection, each statement timed;
    then VACUUM ANALYZE, as a database that has lived a while has statistics."""
    conn = await asyncpg.connect(dsn(url), command_timeout=1800)
    try:
        async with conn.transaction():
            for sql, args in statements:
                started = time.perf_counter()
                await conn.execute(sql, *args)
                what = " ".join(sql.split()[:3])
                print(f"  {what:<40} {time.perf_counter() - started:6.1f} s", flush=True)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def timed(fn: Callable[[], Awaitable[Any]], runs: int = 3) -> tuple[float, list[float]]:
    """Median seconds of `runs` calls after one warm-up (caches, prepared statements),
    and every call's time, warm-up first."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:]), times


def ms(times: Sequence[float]) -> str:
    return ", ".join(f"{t * 1000:.0f}" for t in times)


def peak_rss_mb() -> float:
    """The process's peak resident memory (VmHWM), since start or the last reset."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets VmHWM to the present RSS."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
