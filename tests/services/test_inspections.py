"""Inspection services: every write is audited; only a person inspects; signatures are unique."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlmodel import col, select

from app.db import transaction
from app.domain.permissions import Actor
from app.domain.taxonomy import AgencyKind, Role
from app.errors import Conflict, Forbidden
from app.models.audit import AuditEntry
from app.models.employers import Employer
from app.models.inspection_schemas import Headcount, InspectionKind
from app.models.inspections import InspectionSignature
from app.services.inspections import inspection_signing, inspections
from tests.conftest import TestDatabase
from tests.factories import World

KILN = Headcount(total=19, local=14, migrant=5, contracts_signed=10)


def _actor(world: World, user_id: uuid.UUID, kind: str = "user") -> Actor:
    home = world.places["home"]
    return Actor(
        kind=kind,
        id=str(user_id),
        name="x",
        role=Role.inspector,
        agency_id=world.agency(AgencyKind.labour).id,
        agency_kind=AgencyKind.labour,
        jurisdiction_id=home.id,
        jurisdiction_path=home.path,
    )


async def _employer(db: TestDatabase, world: World) -> uuid.UUID:
    async with transaction(db.sessionmaker) as session:
        e = Employer(name="砖窑厂", industry="brick_kiln", jurisdiction_id=world.places["town"].id)
        session.add(e)
    return e.id


async def test_every_write_leaves_an_audit_entry(db: TestDatabase, world: World) -> None:
    actor = _actor(world, world.user(Role.inspector).id)
    employer = await _employer(db, world)
    async with transaction(db.sessionmaker) as session:
        insp = await inspections.create_inspection(
            session,
            actor,
            employer_id=employer,
            kind=InspectionKind.self_check,
            visited_on=date(2026, 7, 12),
            headcount=KILN,
        )
        await inspections.add_finding(
            session, actor, insp.id, violation_type="wage_arrears", description="欠薪"
        )
        await inspections.update_inspection(session, actor, insp.id, visited_on=date(2026, 7, 13))
        await inspection_signing.submit_inspection(session, actor, insp.id)
        detail = await inspection_signing.sign_inspection(session, actor, insp.id)
    assert detail.inspection.status == "signed"
    await db.seal_audit()
    async with transaction(db.sessionmaker) as session:
        actions = (
            await session.exec(
                select(AuditEntry.action)
                .where(
                    col(AuditEntry.action).startswith("inspection.")
                    | col(AuditEntry.action).startswith("finding.")
                )
                .order_by(col(AuditEntry.seq))
            )
        ).all()
    assert list(actions) == [
        "inspection.create",
        "finding.create",
        "inspection.update",
        "inspection.submit",
        "inspection.sign",
        "inspection.seal",
    ]


async def test_a_service_account_cannot_inspect(db: TestDatabase, world: World) -> None:
    actor = _actor(world, uuid.uuid4(), kind="service")
    employer = await _employer(db, world)
    with pytest.raises(Forbidden):
        async with transaction(db.sessionmaker) as session:
            await inspections.create_inspection(
                session,
                actor,
                employer_id=employer,
                kind=InspectionKind.self_check,
                visited_on=date(2026, 7, 12),
                headcount=KILN,
            )


async def test_one_signature_per_person_is_kept_with_its_time(
    db: TestDatabase, world: World
) -> None:
    actor = _actor(world, world.user(Role.inspector).id)
    employer = await _employer(db, world)
    async with transaction(db.sessionmaker) as session:
        insp = await inspections.create_inspection(
            session,
            actor,
            employer_id=employer,
            kind=InspectionKind.self_check,
            visited_on=date(2026, 7, 12),
            headcount=KILN,
        )
        await inspection_signing.submit_inspection(session, actor, insp.id)
        await inspection_signing.sign_inspection(session, actor, insp.id)
    with pytest.raises(Conflict):
        async with transaction(db.sessionmaker) as session:
            await inspection_signing.sign_inspection(session, actor, insp.id)
    async with transaction(db.sessionmaker) as session:
        sigs = (
            await session.exec(
                select(InspectionSignature).where(InspectionSignature.inspection_id == insp.id)
            )
        ).all()
    assert len(sigs) == 1 and sigs[0].signed_at.tzinfo is not None
