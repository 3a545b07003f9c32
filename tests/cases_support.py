"""Helpers for the case, queue and worker tests: employers inserted directly, cases filed."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.models.cases import Assignment
from app.models.employers import Employer
from app.services.cases import CaseSource, file_case
from tests.conftest import TestDatabase
from tests.factories import World


async def make_employer(db: TestDatabase, world: World, place: str = "home",
                        name: str = "黄骅市旺达砖厂") -> uuid.UUID:
    async with transaction(db.sessionmaker) as session:
        employer = Employer(name=name, industry="brick_kiln",
                            jurisdiction_id=world.places[place].id, address="村东")
        session.add(employer)
        await session.flush()
        return employer.id


async def file(db: TestDatabase, employer_id: uuid.UUID, *types: str,
               umbrella: bool = False, kind: str = "manual",
               source_id: uuid.UUID | None = None) -> uuid.UUID:
    async with transaction(db.sessionmaker) as session:
        case = await file_case(session, SYSTEM_ACTOR, employer_id=employer_id, sources=[
            CaseSource(kind, source_id, tuple(types), "发现问题")],  # type: ignore[arg-type]
            umbrella=umbrella)
        return case.id


async def set_due(db: TestDatabase, assignment_id: uuid.UUID | str, due_at: datetime) -> None:
    async with transaction(db.sessionmaker) as session:
        await session.exec(sa.update(Assignment)
                           .where(col(Assignment.id) == uuid.UUID(str(assignment_id)))
                           .values(due_at=due_at))
