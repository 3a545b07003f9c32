"""The worker's deadline sweeps: each missed deadline escalated exactly once, even when
several workers sweep at the same time (PostgreSQL; SQLite runs one worker)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from app.db import transaction
from app.domain.taxonomy import AgencyKind
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.cases import Assignment, Case, Escalation, Rectification
from app.models.employers import Employer
from app.worker import JOBS, sweep
from tests.cases_support import file, make_employer, set_due
from tests.conftest import TestDatabase
from tests.factories import World


async def _escalations(db: TestDatabase) -> list[Escalation]:
    async with transaction(db.sessionmaker) as session:
        return list((await session.exec(select(Escalation))).all())


async def _sweeps(db: TestDatabase) -> list[dict[str, int]]:
    """Two workers at once on PostgreSQL; one on SQLite."""
    if db.is_postgres:
        return list(
            await asyncio.gather(
                sweep(db.settings, db.sessionmaker), sweep(db.settings, db.sessionmaker)
            )
        )
    return [await sweep(db.settings, db.sessionmaker)]


async def _overdue_case(db: TestDatabase, world: World) -> list[Assignment]:
    case_id = await file(db, await make_employer(db, world), "child_labour")
    async with transaction(db.sessionmaker) as session:
        rows = list(
            (await session.exec(select(Assignment).where(Assignment.case_id == case_id))).all()
        )
    for a in rows:
        await set_due(db, a.id, utcnow() - timedelta(hours=2))
    return rows


async def test_overdue_assignments_escalate_exactly_once_with_two_workers(
    db: TestDatabase, world: World
) -> None:
    assert {
        "purge_idempotency",
        "escalate_assignments",
        "escalate_rectifications",
        "escalate_triage",
    } <= set(JOBS)
    overdue = await _overdue_case(db, world)
    await file(db, await make_employer(db, world, name="按时厂"), "wage_arrears")
    done = await _sweeps(db)
    assert sum(d["escalate_assignments"] for d in done) == len(overdue) == 3
    found = await _escalations(db)
    assert sorted(e.subject_id for e in found) == sorted(a.id for a in overdue)
    assert {e.kind for e in found} == {"assignment_overdue"}
    again = await sweep(db.settings, db.sessionmaker)
    assert again["escalate_assignments"] == 0 and len(await _escalations(db)) == 3
    await db.seal_audit()
    async with transaction(db.sessionmaker) as session:
        audited = (
            await session.exec(
                select(AuditEntry).where(AuditEntry.action == "escalation.assignment_overdue")
            )
        ).all()
    assert len(audited) == 3


async def test_a_rectification_past_its_deadline_is_escalated_once(
    fixed_day: date, db: TestDatabase, world: World
) -> None:
    case_id = await file(db, await make_employer(db, world), "wage_arrears")
    async with transaction(db.sessionmaker) as session:
        a = (await session.exec(select(Assignment).where(Assignment.case_id == case_id))).one()
        a.status = "accepted"
        session.add(a)
        late = Rectification(
            case_id=case_id,
            assignment_id=a.id,
            ordered_on=fixed_day - timedelta(days=20),
            deadline=fixed_day - timedelta(days=1),
        )
        on_time = Rectification(
            case_id=case_id, assignment_id=a.id, ordered_on=fixed_day, deadline=fixed_day
        )
        session.add_all([late, on_time])
    done = await _sweeps(db)
    assert sum(d["escalate_rectifications"] for d in done) == 1
    found = await _escalations(db)
    assert [(e.kind, e.subject_id, e.agency_id) for e in found] == [
        ("rectification_overdue", late.id, world.agency(AgencyKind.labour).id)
    ]
    async with transaction(db.sessionmaker) as session:
        statuses = dict((await session.exec(select(Rectification.id, Rectification.status))).all())
    assert statuses == {late.id: "escalated", on_time.id: "ordered"}


async def test_dismissed_cases_do_not_escalate(db: TestDatabase, world: World) -> None:
    overdue = await _overdue_case(db, world)
    async with transaction(db.sessionmaker) as session:
        await session.exec(
            sa.update(Case).where(col(Case.id) == overdue[0].case_id).values(status="dismissed")
        )
    done = await sweep(db.settings, db.sessionmaker)
    assert done["escalate_assignments"] == 0
    assert await _escalations(db) == []


async def test_a_tip_not_triaged_in_time_is_escalated_once(db: TestDatabase, world: World) -> None:
    from app.models.tips import Tip

    async with transaction(db.sessionmaker) as session:
        late = Tip(
            receipt_hash="a" * 64,
            channel="phone",
            description="窑厂有童工",
            scope_path=world.places["home"].path,
            triage_due_at=utcnow() - timedelta(hours=1),
        )
        fresh = Tip(
            receipt_hash="b" * 64,
            channel="phone",
            description="欠薪",
            scope_path=world.places["home"].path,
            triage_due_at=utcnow() + timedelta(hours=1),
        )
        session.add_all([late, fresh])
    done = await _sweeps(db)
    assert sum(d["escalate_triage"] for d in done) == 1
    assert [(e.kind, e.subject_id, e.jurisdiction_path) for e in await _escalations(db)] == [
        ("triage_overdue", late.id, world.places["home"].path)
    ]
    assert (await sweep(db.settings, db.sessionmaker))["escalate_triage"] == 0


async def test_a_sweep_reaches_new_overdue_tips_past_a_thousand_already_escalated(
    db: TestDatabase, world: World
) -> None:
    from app.models.tips import Tip

    path, long_ago = world.places["home"].path, utcnow() - timedelta(days=30)
    async with transaction(db.sessionmaker) as session:
        old = [
            Tip(
                receipt_hash=f"{i:064x}",
                channel="phone",
                description="旧举报",
                scope_path=path,
                triage_due_at=long_ago,
            )
            for i in range(1000)
        ]
        session.add_all(old)
        session.add_all(
            [
                Escalation(
                    kind="triage_overdue",
                    subject_id=t.id,
                    jurisdiction_path=path,
                    deadline_at=long_ago,
                )
                for t in old
            ]
        )
        new = Tip(
            receipt_hash="f" * 64,
            channel="phone",
            description="新举报",
            scope_path=path,
            triage_due_at=utcnow() - timedelta(minutes=5),
        )
        session.add(new)
    assert (await sweep(db.settings, db.sessionmaker))["escalate_triage"] == 1
    async with transaction(db.sessionmaker) as session:
        assert (
            await session.exec(select(Escalation.kind).where(Escalation.subject_id == new.id))
        ).all() == ["triage_overdue"]


async def test_a_sweep_reaches_new_overdue_assignments_past_a_thousand_already_escalated(
    db: TestDatabase, world: World
) -> None:
    labour, path = world.agency(AgencyKind.labour).id, world.places["home"].path
    long_ago = utcnow() - timedelta(days=30)
    async with transaction(db.sessionmaker) as session:
        employers = [
            Employer(
                name=f"厂{i}", industry="other", address="", jurisdiction_id=world.places["home"].id
            )
            for i in range(1001)
        ]
        session.add_all(employers)
        await session.flush()
        cases = [
            Case(employer_id=e.id, violation_types=["wage_arrears"], jurisdiction_path=path)
            for e in employers
        ]
        session.add_all(cases)
        await session.flush()
        rows = [
            Assignment(
                case_id=c.id,
                agency_id=labour,
                role="lead",
                reason="wage_arrears",
                due_at=long_ago + timedelta(seconds=i),
            )
            for i, c in enumerate(cases)
        ]
        rows[-1].due_at = utcnow() - timedelta(minutes=5)
        session.add_all(rows)
        await session.flush()
        session.add_all(
            [
                Escalation(
                    kind="assignment_overdue",
                    subject_id=a.id,
                    case_id=a.case_id,
                    jurisdiction_path=path,
                    deadline_at=a.due_at,
                )
                for a in rows[:-1]
            ]
        )
    assert (await sweep(db.settings, db.sessionmaker))["escalate_assignments"] == 1
    async with transaction(db.sessionmaker) as session:
        assert (
            await session.exec(select(Escalation.kind).where(Escalation.subject_id == rows[-1].id))
        ).all() == ["assignment_overdue"]
