"""Persons as the API shows them: masked identity, owed, paid and outstanding, totals."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import clock
from app.domain.id_numbers import age_on
from app.domain.permissions import Actor
from app.models.cases import Case
from app.models.persons import (
    AftercarePublic,
    Handover,
    PaymentPublic,
    Person,
    PersonAftercare,
    PersonList,
    PersonPayment,
    PersonPublic,
    PersonTotals,
)
from app.services.cases.person_checks import ZERO, paid_by_person
from app.services.cases.persons import case_for_persons, sees_persons


def person_view(
    person: Person,
    paid: dict[str, Decimal],
    payments: list[PersonPayment],
    aftercare: list[PersonAftercare],
    today: date,
) -> PersonPublic:
    total_paid = sum(paid.values(), ZERO)
    owed = person.amount_owed
    age = age_on(person.birth_date, today) if person.birth_date else person.age_estimated
    return PersonPublic(
        id=person.id,
        case_id=person.case_id,
        inspection_id=person.inspection_id,
        role=person.role,
        role_entered=person.role_entered,
        flagged_child=person.role == "child" and person.role_entered != "child",
        name=person.name,
        id_number=person.id_number_masked,
        phone=person.phone_masked,
        sex=person.sex,
        birth_date=person.birth_date,
        age=age,
        hometown=person.hometown,
        amount_owed=owed,
        owed_period=person.owed_period,
        paid=total_paid,
        outstanding=max((owed or ZERO) - total_paid, ZERO),
        outstanding_reason=person.outstanding_reason,
        notes=person.notes,
        handover=Handover(kind=person.handover_kind, to=person.handover_to, on=person.handover_on)
        if person.handover_kind
        else None,
        documents_returned_on=person.documents_returned_on,
        identity_erased=person.identity_erased_at is not None,
        payments=[
            PaymentPublic(
                id=p.id,
                amount=p.amount,
                paid_on=p.paid_on,
                source=p.source,
                note=p.note,
                created_at=p.created_at,
            )
            for p in payments
        ],
        aftercare=[
            AftercarePublic(id=a.id, kind=a.kind, agency_id=a.agency_id, on=a.given_on, note=a.note)
            for a in aftercare
        ],
    )


async def views_of(
    session: AsyncSession, persons: list[Person], today: date | None = None
) -> list[PersonPublic]:
    ids = [p.id for p in persons]
    paid = await paid_by_person(session, ids)
    payments: dict[uuid.UUID, list[PersonPayment]] = {}
    care: dict[uuid.UUID, list[PersonAftercare]] = {}
    if ids:
        for pay in (
            await session.exec(
                select(PersonPayment)
                .where(col(PersonPayment.person_id).in_(ids))
                .order_by(col(PersonPayment.paid_on), col(PersonPayment.created_at))
            )
        ).all():
            payments.setdefault(pay.person_id, []).append(pay)
        for entry in (
            await session.exec(
                select(PersonAftercare)
                .where(col(PersonAftercare.person_id).in_(ids))
                .order_by(col(PersonAftercare.given_on), col(PersonAftercare.created_at))
            )
        ).all():
            care.setdefault(entry.person_id, []).append(entry)
    day = today or clock.today()
    return [
        person_view(p, paid.get(p.id, {}), payments.get(p.id, []), care.get(p.id, []), day)
        for p in persons
    ]


def totals_of(views: list[PersonPublic]) -> PersonTotals:
    by_source: dict[str, Decimal] = {"employer": ZERO, "advance_fund": ZERO, "guarantee": ZERO}
    for v in views:
        for pay in v.payments:
            by_source[pay.source] = by_source.get(pay.source, ZERO) + pay.amount
    return PersonTotals(
        persons=len(views),
        workers=sum(1 for v in views if v.role == "worker"),
        children=sum(1 for v in views if v.role == "child"),
        vulnerable=sum(1 for v in views if v.role == "vulnerable"),
        owed=sum((v.amount_owed or ZERO for v in views), ZERO),
        paid=sum((v.paid for v in views), ZERO),
        outstanding=sum((v.outstanding for v in views), ZERO),
        paid_by_source=by_source,
        not_handed_over=sum(
            1 for v in views if v.role in ("child", "vulnerable") and v.handover is None
        ),
    )


async def list_persons(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | str, *, role: str | None = None
) -> PersonList:
    """Every person on the case (a case holds tens, a large site a few hundred), with the
    case's totals: owed, paid by source, outstanding, not yet handed over."""
    case = await case_for_persons(session, actor, case_id)
    query = select(Person).where(Person.case_id == case.id)
    persons = list(
        (await session.exec(query.order_by(col(Person.created_at), col(Person.id)))).all()
    )
    views = await views_of(session, persons)
    totals = totals_of(views)
    if role is not None:
        views = [v for v in views if v.role == role]
    return PersonList(items=views, totals=totals)


async def case_totals(session: AsyncSession, actor: Actor, case: Case) -> PersonTotals | None:
    """The case view's summary of its persons (no identity at all): None for a reader who
    does not see them, and for a case that records none."""
    if not await sees_persons(session, actor, case):
        return None
    found = list((await session.exec(select(Person).where(Person.case_id == case.id))).all())
    return totals_of(await views_of(session, found)) if found else None


async def person_public(session: AsyncSession, person: Person) -> PersonPublic:
    return (await views_of(session, [person]))[0]
