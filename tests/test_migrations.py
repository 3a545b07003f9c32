"""Migrations build the schema from nothing, tear it down again, and match the models."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

import app.models
from app.db import create_engine, create_sessionmaker, transaction
from app.migrate import downgrade, upgrade
from app.models.cases import Assignment, Case
from app.models.employers import Employer
from app.models.reference import Agency, Jurisdiction
from app.services.registry.reference import seed_reference_data
from tests.conftest import BACKENDS, PG_SERVER, _admin_pg, make_settings


@pytest.fixture(params=BACKENDS)
async def empty_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    if request.param == "postgresql":
        name = f"lw_mig_{secrets.token_hex(4)}"
        await _admin_pg(f'CREATE DATABASE "{name}"')
        url = PG_SERVER.replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
        engine = create_engine(make_settings(url))
        try:
            yield engine
        finally:
            await engine.dispose()
            await _admin_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        engine = create_engine(make_settings(f"sqlite+aiosqlite:///{tmp_path}/m.db"))
        yield engine
        await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def test_upgrade_to_head_then_downgrade_to_base(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine)
    tables = await _tables(empty_engine)
    assert set(app.models.metadata.tables) <= tables
    await downgrade(empty_engine, "base")
    assert await _tables(empty_engine) <= {"alembic_version"}
    await upgrade(empty_engine)  # and up again: downgrades leave nothing behind
    assert set(app.models.metadata.tables) <= await _tables(empty_engine)


async def test_models_and_migrations_do_not_drift(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine)

    def diff(conn: sa.Connection) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, app.models.metadata))

    async with empty_engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == [], f"models differ from migrations: {changes}"


async def test_0012_gives_old_umbrella_cases_a_severity_without_the_hidden_part(
    empty_engine: AsyncEngine,
) -> None:
    """A case of wage arrears (high) and official misconduct (critical, held only by a
    restricted share) reads `high` to local agencies once upgraded; a plain case keeps its
    severity."""
    await upgrade(empty_engine, "0010")
    async with transaction(create_sessionmaker(empty_engine)) as session:
        await seed_reference_data(session)  # the routing table: wage arrears high, 保护伞 critical
    at = datetime(2026, 7, 12, tzinfo=UTC)
    place, employer = uuid.uuid4(), uuid.uuid4()
    labour, supervision = uuid.uuid4(), uuid.uuid4()
    umbrella, plain = uuid.uuid4(), uuid.uuid4()
    columns = Case.__table__.c  # type: ignore[attr-defined]
    case = sa.table(
        "case",
        *(
            sa.column(c, columns[c].type)
            for c in (
                "id",
                "employer_id",
                "status",
                "severity",
                "description",
                "umbrella",
                "opened_at",
                "jurisdiction_path",
                "version",
                "updated_at",
                "violation_types",
            )
        ),
    )
    # Only the columns revision 0010 has: later revisions add more to the models.
    acols = Assignment.__table__.c  # type: ignore[attr-defined]
    assignment = sa.table(
        "assignment",
        *(
            sa.column(c, acols[c].type)
            for c in (
                "id",
                "case_id",
                "agency_id",
                "role",
                "status",
                "due_at",
                "reason",
                "rule_version",
                "violation_types",
                "restricted",
                "version",
                "change_seq",
                "created_at",
                "updated_at",
            )
        ),
    )
    async with empty_engine.begin() as conn:
        await conn.execute(
            sa.insert(Jurisdiction.__table__).values(  # type: ignore[attr-defined]
                id=place, name="黄骅市", level="county", path=f"/{place}/", depth=1, created_at=at
            )
        )
        await conn.execute(
            sa.insert(Employer.__table__).values(  # type: ignore[attr-defined]
                id=employer,
                name="砖厂",
                industry="brick_kiln",
                jurisdiction_id=place,
                address="",
                created_at=at,
                updated_at=at,
            )
        )
        await conn.execute(
            sa.insert(Agency.__table__),
            [  # type: ignore[attr-defined]
                {"id": a, "name": kind, "kind": kind, "jurisdiction_id": place, "created_at": at}
                for a, kind in ((labour, "labour"), (supervision, "supervision"))
            ],
        )
        await conn.execute(
            sa.insert(case),
            [
                {
                    "id": cid,
                    "employer_id": employer,
                    "status": status,
                    "severity": "critical",
                    "violation_types": types,
                    "description": "",
                    "umbrella": False,
                    "opened_at": at,
                    "jurisdiction_path": f"/{place}/",
                    "version": 1,
                    "updated_at": at,
                }
                for cid, status, types in (
                    (umbrella, "open", ["official_misconduct", "wage_arrears"]),
                    (plain, "closed", ["wage_arrears"]),
                )
            ],
        )
        await conn.execute(
            sa.insert(assignment),
            [
                {
                    "id": uuid.uuid4(),
                    "case_id": cid,
                    "agency_id": agency,
                    "role": "lead",
                    "status": "pending",
                    "due_at": at,
                    "reason": "",
                    "rule_version": 1,
                    "violation_types": types,
                    "restricted": restricted,
                    "version": 1,
                    "change_seq": 1,
                    "created_at": at,
                    "updated_at": at,
                }
                for cid, agency, types, restricted in (
                    (umbrella, labour, ["wage_arrears"], False),
                    (umbrella, supervision, ["official_misconduct"], True),
                    (plain, labour, ["wage_arrears"], False),
                )
            ],
        )
    await upgrade(empty_engine)
    async with empty_engine.connect() as conn:
        got = dict(
            (await conn.execute(sa.text('SELECT id, unrestricted_severity FROM "case"'))).all()
        )
    assert {uuid.UUID(str(k)): v for k, v in got.items()} == {umbrella: "high", plain: "critical"}
    await downgrade(empty_engine, "0010")  # and back: the column goes, the cases stay
    async with empty_engine.connect() as conn:
        assert (await conn.execute(sa.text('SELECT count(*) FROM "case"'))).scalar() == 2
