"""Erasure of persons' identity after the retention, and what published text must not hold.

PIPL 第19条: personal information is kept no longer than its purpose needs. The
name, ID number, phone, birth date and hometown go; the figures stay.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.permissions import SYSTEM_ACTOR
from app.models.base import utcnow
from app.models.cases import Case
from app.models.inspections import Inspection
from app.models.persons import Person
from app.services.core.sealing import keys_of, open_json

ERASE_BATCH = 500
ERASED_NAME = "（已删除）"


async def erase_expired_identities(session: AsyncSession, settings: Settings) -> int:
    """Worker job: `person_retention_days` after a case closed (or was dismissed), or an
    inspection whose roster reached no case was signed, its persons' name, ID number,
    phone, birth date and hometown are erased; roles, amounts, hand-overs and aftercare
    stay for the statistics. Audited per person; safe with several workers (SKIP LOCKED,
    idempotent)."""
    days = settings.person_retention_days
    cutoff = utcnow() - timedelta(days=days)
    ended = select(Case.id).where(
        col(Case.status).in_(("closed", "dismissed")), col(Case.closed_at) < cutoff
    )
    # an inspection roster that never reached a case: from the day the inspection was signed
    sealed = select(Inspection.id).where(col(Inspection.signed_at) < cutoff)
    expired = sa.or_(
        col(Person.case_id).in_(ended),
        sa.and_(col(Person.case_id).is_(None), col(Person.inspection_id).in_(sealed)),
    )
    persons = list(
        (
            await session.exec(
                select(Person)
                .where(col(Person.identity_erased_at).is_(None), expired)
                .limit(ERASE_BATCH)
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    now = utcnow()
    for p in persons:
        p.name, p.identity, p.id_number_hash = ERASED_NAME, None, None
        p.id_number_masked = p.phone_masked = p.hometown = None
        p.birth_date, p.notes, p.identity_erased_at = None, "", now
        session.add(p)
        auditlog.record(
            session,
            SYSTEM_ACTOR,
            "person.identity_erased",
            "person",
            p.id,
            after={"retention_days": days},
            jurisdiction_path=p.jurisdiction_path,
        )
    await session.flush()
    return len(persons)


async def names_and_numbers(
    session: AsyncSession, settings: Settings, case_id: uuid.UUID
) -> tuple[list[str], list[str]]:
    """The names and ID numbers of the case's persons, opened only to be refused in
    published text (`reports/disclosures.py`)."""
    keys = keys_of(settings)
    names: list[str] = []
    numbers: list[str] = []
    for pid, name, sealed in (
        await session.exec(
            select(Person.id, Person.name, Person.identity).where(
                Person.case_id == case_id, col(Person.identity_erased_at).is_(None)
            )
        )
    ).all():
        names.append(name)
        if sealed is not None:
            number = open_json(keys, sealed, context=pid.bytes).get("id_number")
            numbers += [number] if number else []
    return names, numbers
