"""Twenty officers press "accept" on one assignment at once: exactly one wins.

Two worker sweeps escalating each overdue item exactly once are covered by
tests/services/test_worker_escalations.py
(test_overdue_assignments_escalate_exactly_once_with_two_workers and the
rectification and tip variants), so they are not repeated here.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import sqlalchemy as sa
from sqlmodel import col

from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.models.audit import AuditEntry
from app.models.cases import Assignment
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World

ACCEPTS = 20


async def test_twenty_simultaneous_accepts_of_one_assignment_have_one_winner(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employer = await make_employer(db, world)
    case_id = await file(db, employer, "id_document_detention", "wage_arrears")
    police = world.agency(AgencyKind.police)
    async with transaction(db.sessionmaker) as session:
        found = await session.exec(
            sa.select(col(Assignment.id)).where(  # type: ignore[call-overload]
                col(Assignment.case_id) == case_id, col(Assignment.agency_id) == police.id
            )
        )
        aid = found.scalar_one()
    officers = [world.headers(Role.agency_officer)]
    officers += [
        (await world.add_user(Role.agency_officer, AgencyKind.police))[1] for _ in range(3)
    ]
    url = f"/api/v1/assignments/{aid}/accept"
    results = await asyncio.gather(
        *(client.post(url, headers=officers[i % len(officers)]) for i in range(ACCEPTS))
    )
    codes = Counter(r.status_code for r in results)
    assert codes == {200: 1, 409: ACCEPTS - 1}, codes
    assert all(
        r.headers["content-type"].startswith("application/problem+json")
        for r in results
        if r.status_code == 409
    )
    await db.seal_audit()
    async with transaction(db.sessionmaker) as session:
        row = await session.get(Assignment, aid)
        accepts = (
            await session.exec(
                sa.select(  # type: ignore[call-overload]
                    sa.func.count()
                )
                .select_from(AuditEntry)
                .where(
                    col(AuditEntry.entity_id) == str(aid), col(AuditEntry.action).like("%accept%")
                )
            )
        ).scalar_one()
    assert row is not None and row.status == "accepted"
    assert accepts == 1
