"""Contacts are erased after the retention once the tip's case closed (PIPL), audited."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.db import transaction
from app.domain.permissions import PUBLIC_ACTOR
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.cases import Case
from app.models.employers import Employer
from app.models.tips import Tip
from app.services.tipline import tips
from app.services.tipline.tip_contacts import erase_expired_contacts
from tests.conftest import TestDatabase
from tests.factories import World


async def _tip(db: TestDatabase, world: World, **changes: object) -> Tip:
    async with transaction(db.sessionmaker) as s:
        done = await tips.submit_tip(
            s,
            PUBLIC_ACTOR,
            settings=db.settings,
            channel="web",
            description="砖厂",
            jurisdiction_id=world.places["home"].id,
            contact={"phone": "13600000000"},
        )
        tip = done.tip
        for k, v in changes.items():
            setattr(tip, k, v)
        s.add(tip)
    return tip


async def _closed_case(db: TestDatabase, world: World, days_ago: int) -> Case:
    async with transaction(db.sessionmaker) as s:
        employer = Employer(
            name="某砖厂", industry="brick_kiln", jurisdiction_id=world.places["home"].id
        )
        s.add(employer)
        await s.flush()
        case = Case(
            employer_id=employer.id,
            status="closed",
            jurisdiction_path="/",
            closed_at=utcnow() - timedelta(days=days_ago),
        )
        s.add(case)
    return case


async def test_old_closed_and_rejected_tips_lose_their_contact(
    db: TestDatabase, world: World
) -> None:
    long_ago = utcnow() - timedelta(days=181)
    old_case = await _closed_case(db, world, 181)
    recent_case = await _closed_case(db, world, 10)
    erased = [
        await _tip(db, world, status="triaged", case_id=old_case.id),
        await _tip(db, world, status="rejected", reason="无", triaged_at=long_ago),
    ]
    kept = [
        await _tip(db, world, status="triaged", case_id=recent_case.id),
        await _tip(db, world),
        await _tip(db, world, status="rejected", reason="无", triaged_at=utcnow()),
    ]
    async with transaction(db.sessionmaker) as s:
        assert await erase_expired_contacts(s, db.settings) == 2
    async with transaction(db.sessionmaker) as s:
        assert await erase_expired_contacts(s, db.settings) == 0  # idempotent
    await db.seal_audit()
    async with db.sessionmaker() as s:
        for t in erased:
            row = await s.get(Tip, t.id)
            assert row is not None and row.contact is None and row.contact_erased_at
        for t in kept:
            row = await s.get(Tip, t.id)
            assert row is not None and row.contact is not None
        audited = (
            await s.exec(
                select(AuditEntry.entity_id).where(AuditEntry.action == "tip.contact_erased")
            )
        ).all()
    assert sorted(audited) == sorted(str(t.id) for t in erased)
