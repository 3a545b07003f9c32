"""A demo database to measure against, and N assignments in one agency's queue, set-based.

seed_demo(url) → Seeded(tokens by demo username, agency ids by username)
add_assignments(url, agency_id, n) → INSERT … SELECT generate_series (1M in ~a minute)
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from pydantic import SecretStr
from sqlmodel import select

from app.config import Settings
from app.db import create_engine, create_sessionmaker, transaction
from app.models.accounts import User
from app.services.demo.demo import load_demo
from app.services.registry.accounts import token_for_user
from app.services.registry.reference import seed_reference_data
from bench.harness import LW, SECRET, app_env, run_cli


@dataclass
class Seeded:
    tokens: dict[str, str]
    agencies: dict[str, uuid.UUID]


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, secret_key=SecretStr(SECRET), access_token_minutes=24 * 60)


async def _load(url: str) -> Seeded:
    settings = settings_for(url)
    engine = create_engine(settings)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            await seed_reference_data(session)
            await load_demo(session, settings)
        tokens: dict[str, str] = {}
        agencies: dict[str, uuid.UUID] = {}
        async with transaction(create_sessionmaker(engine)) as session:
            for user in (await session.exec(select(User))).all():
                tokens[user.username] = (await token_for_user(session, settings, user))[0]
                agencies[user.username] = user.agency_id
        return Seeded(tokens, agencies)
    finally:
        await engine.dispose()


def seed_demo(url: str) -> Seeded:
    """`labourwatch migrate` with the bench's env, then the demo county in one transaction."""
    run_cli([LW, "migrate"], app_env(url))
    return asyncio.run(_load(url))


EMPLOYER = """
INSERT INTO employer (id, name, uscc, industry, jurisdiction_id, address, workers,
                      created_at, updated_at)
SELECT $1, 'bench employer', NULL, 'manufacturing', a.jurisdiction_id, '', NULL, now(), now()
FROM agency a WHERE a.id = $2
"""
CASES = """
INSERT INTO "case" (id, employer_id, status, severity, violation_types, description, umbrella,
                    opened_at, jurisdiction_path, version, updated_at)
SELECT md5($3 || g::text)::uuid, $1, 'closed', 'normal', '["wage_arrears"]', '', false,
       now() - make_interval(secs => $2 - g), j.path, 1, now()
FROM generate_series(1, $2) g, agency a JOIN jurisdiction j ON j.id = a.jurisdiction_id
WHERE a.id = $4
"""
ASSIGNMENTS = """
INSERT INTO assignment (id, case_id, agency_id, role, status, due_at, reason, rule_version,
                        violation_types, restricted, version, change_seq, created_at, updated_at)
SELECT md5('a' || $3 || g::text)::uuid, md5($3 || g::text)::uuid, $1, 'lead', 'pending',
       now() + interval '3 days', 'routed by rule wage_arrears', 1, '["wage_arrears"]', false,
       1, 0, now() - make_interval(secs => $2 - g), now()
FROM generate_series(1, $2) g
"""


async def _bulk(url: str, agency_id: uuid.UUID, n: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tag = uuid.uuid4().hex[:8]
        employer = uuid.uuid4()
        async with conn.transaction():
            await conn.execute(EMPLOYER, employer, agency_id)
            await conn.execute(CASES, employer, n, tag, agency_id)
            await conn.execute(ASSIGNMENTS, agency_id, n, tag)
            await conn.execute(
                "UPDATE agency_queue_state SET version = version + 1 WHERE agency_id = $1",
                agency_id,
            )
        await conn.execute("VACUUM ANALYZE assignment")
        await conn.execute('VACUUM ANALYZE "case"')
    finally:
        await conn.close()


def add_assignments(url: str, agency_id: uuid.UUID, n: int) -> None:
    """n closed cases of one employer, each assigned to `agency_id` (PostgreSQL only)."""
    asyncio.run(_bulk(url, agency_id, n))
