"""What is done for a person: wages paid, hand-over, ID documents returned, aftercare.

Each is recorded by the agency whose work it is (the office may record any):
wages by labour (劳动保障监察: 责令支付, 工资清算); hand-over by civil affairs, the police
or labour (救助管理, 护送返乡/接领返乡); ID documents returned by labour or the police
(劳动合同法 第84条); aftercare (善后安置) by the agency that gives it.

A child or vulnerable person left without a hand-over for `person_handover_days`
is escalated to the office once (`handover_overdue`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.permissions import SYSTEM_ACTOR, Actor, Permission
from app.domain.taxonomy import AgencyKind
from app.errors import Conflict
from app.models.base import utcnow
from app.models.cases import Case, Escalation
from app.models.persons import (
    AftercareCreate,
    HandoverCreate,
    PaymentCreate,
    Person,
    PersonAftercare,
    PersonPayment,
)
from app.services.cases import escalations
from app.services.cases.person_checks import RESCUED_ROLES
from app.services.cases.persons import audit_view, get_person, require_kind, require_open
from app.services.core import access, dialect

K = AgencyKind
PAYS = frozenset({K.labour})
HANDS_OVER = frozenset({K.civil_affairs, K.police, K.labour})
RETURNS_DOCUMENTS = frozenset({K.labour, K.police})
AFTERCARE_BY: dict[str, frozenset[AgencyKind]] = {
    "medical": frozenset({K.civil_affairs, K.union}),
    "legal_aid": frozenset({K.labour, K.union, K.civil_affairs}),
    "job_placement": frozenset({K.labour}),
    "union_follow_up": frozenset({K.union}),
}
HANDOVER_SWEEP = 1000
HANDOVER_OVERDUE = "handover_overdue"
ROLE_ZH = {"child": "儿童", "vulnerable": "需救助人员"}


async def record_payment(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID | str, *, data: PaymentCreate
) -> PersonPayment:
    """Paying more than is owed is refused (409): the ledger must add up."""
    access.require(actor, Permission.persons_write)
    person, case = await get_person(session, actor, person_id)
    require_kind(actor, PAYS, "wage payments")
    require_open(case)
    if dialect.is_postgres(session):  # two payments at once must not both fit
        await session.refresh(person, with_for_update=True)
    if person.amount_owed is not None:
        paid = (
            await session.exec(
                select(col(PersonPayment.amount)).where(PersonPayment.person_id == person.id)
            )
        ).all()
        already = sum((Decimal(str(a)) for a in paid), Decimal(0))
        if already + data.amount > person.amount_owed:
            raise Conflict(
                f"That would pay {already + data.amount:.2f} against {person.amount_owed:.2f} "
                "owed; correct the amount owed first."
            )
    payment = PersonPayment(
        person_id=person.id,
        case_id=case.id,
        amount=data.amount,
        paid_on=data.paid_on,
        source=data.source,
        note=data.note,
        created_by=actor.id[:64],
    )
    session.add(payment)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "person.payment",
        "person",
        person.id,
        after={"amount": str(data.amount), "paid_on": str(data.paid_on), "source": data.source},
        jurisdiction_path=case.jurisdiction_path,
    )
    return payment


async def _change(
    session: AsyncSession, actor: Actor, person: Person, case: Case, action: str
) -> Person:
    person.updated_at = utcnow()
    session.add(person)
    await session.flush()
    auditlog.record(
        session,
        actor,
        action,
        "person",
        person.id,
        after=audit_view(person) | {"handover_on": str(person.handover_on or "") or None},
        jurisdiction_path=case.jurisdiction_path,
    )
    return person


async def record_handover(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID | str, *, data: HandoverCreate
) -> Person:
    """Once: a second hand-over of the same person is a conflict (a correction goes
    through the office)."""
    access.require(actor, Permission.persons_write)
    person, case = await get_person(session, actor, person_id)
    require_kind(actor, HANDS_OVER, "hand-overs")
    require_open(case)
    if person.handover_kind is not None:
        raise Conflict(f"Already handed over ({person.handover_kind}, {person.handover_on}).")
    person.handover_kind, person.handover_to, person.handover_on = data.kind, data.to, data.on
    return await _change(session, actor, person, case, "person.handover")


async def record_documents_returned(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID | str, *, on: date
) -> Person:
    access.require(actor, Permission.persons_write)
    person, case = await get_person(session, actor, person_id)
    require_kind(actor, RETURNS_DOCUMENTS, "returned ID documents")
    require_open(case)
    person.documents_returned_on = on
    return await _change(session, actor, person, case, "person.documents_returned")


async def record_aftercare(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID | str, *, data: AftercareCreate
) -> PersonAftercare:
    """Aftercare may follow the case's closing (善后 outlasts the case)."""
    access.require(actor, Permission.persons_write)
    person, case = await get_person(session, actor, person_id)
    require_kind(actor, AFTERCARE_BY[data.kind], f"{data.kind} aftercare")
    entry = PersonAftercare(
        person_id=person.id,
        kind=data.kind,
        agency_id=access.agency_of(actor),
        given_on=data.on,
        note=data.note,
        created_by=actor.id[:64],
    )
    session.add(entry)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "person.aftercare",
        "person",
        person.id,
        after={"kind": data.kind, "on": str(data.on)},
        jurisdiction_path=case.jurisdiction_path,
    )
    return entry


async def escalate_handover_overdue(
    session: AsyncSession, settings: Settings, *, now: datetime | None = None
) -> int:
    """Children and vulnerable persons on an open case waiting longer than
    `person_handover_days` for a hand-over: one escalation each to the office."""
    now = now or utcnow()
    wait = timedelta(days=settings.person_handover_days)
    rows = (
        await session.exec(
            select(Person, col(Case.jurisdiction_path))
            .join(Case, col(Case.id) == col(Person.case_id))
            .where(
                col(Person.role).in_(RESCUED_ROLES),
                col(Person.handover_kind).is_(None),
                col(Person.created_at) < now - wait,
                col(Case.status).in_(("open", "in_progress")),
                sa.not_(
                    sa.exists().where(
                        col(Escalation.kind) == HANDOVER_OVERDUE,
                        col(Escalation.subject_id) == col(Person.id),
                    )
                ),
            )
            .order_by(col(Person.created_at), col(Person.id))
            .limit(HANDOVER_SWEEP)
        )
    ).all()
    done = 0
    days = settings.person_handover_days
    for person, path in rows:
        done += await escalations.record_escalation(
            session,
            SYSTEM_ACTOR,
            kind=HANDOVER_OVERDUE,
            subject_id=person.id,
            case_id=person.case_id,
            agency_id=None,
            jurisdiction_path=path,
            deadline_at=person.created_at + wait,
            detail=f"{ROLE_ZH.get(person.role, person.role)}超过{days}日未交接",
        )
    return done
