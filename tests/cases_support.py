"""Helpers for the case, queue and worker tests: employers inserted directly, cases filed."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
import sqlalchemy as sa
from sqlmodel import col

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.models.cases import Assignment
from app.models.employers import Employer
from app.services.cases.cases import CaseSource, file_case
from tests.conftest import TestDatabase
from tests.factories import World


async def make_employer(
    db: TestDatabase,
    world: World,
    place: str = "home",
    name: str = "黄骅市旺达砖厂",
    uscc: str | None = None,
) -> uuid.UUID:
    async with transaction(db.sessionmaker) as session:
        employer = Employer(
            name=name,
            industry="brick_kiln",
            uscc=uscc,
            jurisdiction_id=world.places[place].id,
            address="村东",
        )
        session.add(employer)
        await session.flush()
        return employer.id


async def file(
    db: TestDatabase,
    employer_id: uuid.UUID,
    *types: str,
    umbrella: bool = False,
    kind: str = "manual",
    source_id: uuid.UUID | None = None,
) -> uuid.UUID:
    async with transaction(db.sessionmaker) as session:
        case = await file_case(
            session,
            SYSTEM_ACTOR,
            employer_id=employer_id,
            sources=[CaseSource(kind, source_id, tuple(types), "发现问题")],  # type: ignore[arg-type]
            umbrella=umbrella,
        )
        return case.id


async def set_due(db: TestDatabase, assignment_id: uuid.UUID | str, due_at: datetime) -> None:
    async with transaction(db.sessionmaker) as session:
        await session.exec(
            sa.update(Assignment)
            .where(col(Assignment.id) == uuid.UUID(str(assignment_id)))
            .values(due_at=due_at)
        )


async def serve_decision(
    client: httpx.AsyncClient, headers: dict[str, str], assignment_id: str, amount: int | str
) -> str:
    """What a fine needs first: the assignment filed, a penalty notice and then a decision
    for `amount`, each served. Returns the decision's number."""
    await client.post(f"/api/v1/assignments/{assignment_id}/file", headers=headers, json={})
    number = ""
    for kind in ("penalty_notice", "penalty_decision"):
        r = await client.post(
            f"/api/v1/assignments/{assignment_id}/documents",
            headers=headers,
            json={
                "kind": kind,
                "facts": "拖欠工资",
                "fine_amount": str(amount),
                "legal_basis": ["《劳动保障监察条例》第二十六条"],
            },
        )
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        served = await client.post(
            f"/api/v1/documents/{r.json()['id']}/service",
            headers=headers,
            json={
                "served_on": r.json()["issued_on"],
                "method": "direct",
                "recipient": "法定代表人",
            },
        )
        assert served.status_code == 200, served.text
    return number
