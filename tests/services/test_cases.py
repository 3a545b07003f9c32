"""file_case: one open case per employer, incremental routing, severity, the database guard."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, Role
from app.errors import NotFound
from app.models.cases import Assignment, Case, CaseSourceRecord
from app.services.cases import cases
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World


async def _assignments(db: TestDatabase, case_id: uuid.UUID) -> dict[uuid.UUID, Assignment]:
    async with transaction(db.sessionmaker) as session:
        rows = (await session.exec(select(Assignment).where(Assignment.case_id == case_id))).all()
        return {a.agency_id: a for a in rows}


async def test_new_findings_add_agencies_and_keep_existing_assignments(
    db: TestDatabase, world: World
) -> None:
    employer = await make_employer(db, world)
    first = await file(db, employer, "wage_arrears")
    before = await _assignments(db, first)
    assert set(before) == {world.agency(AgencyKind.labour).id}
    second = await file(db, employer, "child_labour", kind="finding", source_id=uuid.uuid4())
    assert second == first
    after = await _assignments(db, first)
    assert set(after) == {
        world.agency(k).id for k in (AgencyKind.labour, AgencyKind.police, AgencyKind.civil_affairs)
    }
    labour = world.agency(AgencyKind.labour).id
    assert after[labour].id == before[labour].id and after[labour].reason == before[labour].reason
    async with transaction(db.sessionmaker) as session:
        case = await session.get(Case, first)
        assert case is not None
        assert case.severity == "critical"
        assert case.violation_types == ["child_labour", "wage_arrears"]
        kinds = (
            await session.exec(
                select(CaseSourceRecord.kind).where(CaseSourceRecord.case_id == first)
            )
        ).all()
        assert sorted(kinds) == ["finding", "manual"]


async def test_the_database_refuses_a_second_open_case_for_an_employer(
    db: TestDatabase, world: World
) -> None:
    employer = await make_employer(db, world)
    case_id = await file(db, employer, "wage_arrears")
    with pytest.raises(IntegrityError):
        async with transaction(db.sessionmaker) as session:
            session.add(Case(employer_id=employer, jurisdiction_path="/x/", status="in_progress"))
            await session.flush()
    async with transaction(db.sessionmaker) as session:
        await session.exec(sa.update(Case).where(col(Case.id) == case_id).values(status="closed"))
    assert await file(db, employer, "wage_arrears") != case_id


async def test_an_employer_outside_the_callers_area_is_not_found(
    db: TestDatabase, world: World
) -> None:
    employer = await make_employer(db, world, "foreign")
    from app.services.registry.accounts import actor_from_token

    actor = actor_from_token(db.settings, world.tokens[("home", Role.coordinator)])
    with pytest.raises(NotFound):
        async with transaction(db.sessionmaker) as session:
            await cases.file_case(
                session,
                actor,
                employer_id=employer,
                sources=[cases.CaseSource("manual", None, ("wage_arrears",), "欠薪")],
            )
    async with transaction(db.sessionmaker) as session:
        assert await cases.open_case_id(session, employer) is None
        case = await cases.file_case(
            session,
            SYSTEM_ACTOR,
            employer_id=employer,
            sources=[cases.CaseSource("manual", None, ("wage_arrears",), "欠薪")],
        )
        assert case.jurisdiction_path == world.places["foreign"].path
