"""Persons on a case: recorded, listed masked, revealed with a reason, erased in time.

Who sees them: the office whose area holds the case, and the agencies on the case
that work with people — labour (wages), civil affairs (rescue and return), police,
the trade union (aftercare). Any other agency on the case gets 404, as if there were
none; an agency not on the case does not see the case at all (`cases.case_scope`).
What of the case an agency sees is decided by `case_visibility`, so the umbrella
rule holds here as on every read path.

The ID number and phone are sealed (`core/sealing.py`) and shown masked; the audit
log gets the role, the figures and the masked number, never a name or a number.
An age under 16 — from the ID number, the birth date or the estimate — makes the
person a child whatever role was entered (禁止使用童工规定 第2条).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog, clock
from app.config import Settings
from app.domain.id_numbers import (
    IdNumberError,
    age_on,
    mask,
    mask_phone,
    parse_id_number,
    role_for,
)
from app.domain.lifecycles import OPEN_STATES
from app.domain.permissions import Actor, Permission
from app.domain.taxonomy import AgencyKind
from app.errors import Conflict, Forbidden, NotFound, unprocessable
from app.models.base import utcnow
from app.models.cases import Assignment, Case
from app.models.persons import (
    Person,
    PersonCreate,
    PersonRevealed,
    PersonUpdate,
)
from app.security import Keys, keyed_hash
from app.services.cases import cases
from app.services.core import access, case_visibility
from app.services.core.sealing import keys_of, open_json, seal_json

PEOPLE_KINDS = frozenset(
    {
        AgencyKind.labour,
        AgencyKind.civil_affairs,
        AgencyKind.police,
        AgencyKind.union,
        AgencyKind.coordinator,
    }
)
MIN_REASON = 5


async def sees_persons(session: AsyncSession, actor: Actor, case: Case) -> bool:
    """`case` is one the actor may read; whether its persons are shown too."""
    if case_visibility.sees_every_case_whole(actor):
        return True
    if actor.agency_kind not in PEOPLE_KINDS or access.agency_of(actor) is None:
        return False
    shares = (await session.exec(select(Assignment).where(Assignment.case_id == case.id))).all()
    seen = case_visibility.sight(actor, case, shares)
    return any(access.is_own_agency(actor, a.agency_id) for a in seen.assignments)


async def case_for_persons(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | str, *, for_update: bool = False
) -> Case:
    case = await cases.get_case(session, actor, case_id, for_update=for_update)
    if not await sees_persons(session, actor, case):
        raise NotFound(f"No case {case.id} in your area.")
    return case


async def get_person(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID | str
) -> tuple[Person, Case]:
    pid = access.as_uuid(person_id, "person")
    person = await session.get(Person, pid)
    if person is None or person.case_id is None:
        raise NotFound(f"No person {pid} on a case you may see.")
    try:
        case = await case_for_persons(session, actor, person.case_id)
    except NotFound:
        raise NotFound(f"No person {pid} on a case you may see.") from None
    return person, case


def require_kind(actor: Actor, kinds: frozenset[AgencyKind], what: str) -> None:
    """The office may record anything; an agency only what it does."""
    if case_visibility.sees_every_case_whole(actor) or actor.agency_kind in kinds:
        return
    names = ", ".join(sorted(k.value for k in kinds))
    raise Forbidden(f"Only the office or {names} record {what}.")


def require_open(case: Case) -> None:
    if case.status not in OPEN_STATES:
        raise Conflict(f"The case is {case.status}; nothing more can be recorded on it.")


@dataclass(frozen=True, slots=True)
class Identity:
    """What a person's details become before they are stored."""

    role: str
    birth_date: date | None
    sex: str | None
    hometown: str | None
    id_number: str | None
    id_hash: str | None

    @property
    def flagged_child(self) -> bool:
        return self.role == "child"


def id_hash(keys: Keys, number: str) -> str:
    return keyed_hash(keys.identity, "id\0" + number)


def identify(keys: Keys, data: PersonCreate, today: date) -> Identity:
    """The ID number checked (422 `id_number` when wrong) and what it says."""
    born, hometown = data.birth_date, data.hometown
    sex: str | None = data.sex
    number = None
    if data.id_number:
        try:
            found = parse_id_number(data.id_number, today)
        except IdNumberError as exc:
            raise unprocessable(["body", "id_number"], f"Not a valid ID number: {exc}.") from None
        number, born, sex = found.number, found.birth_date, sex or found.sex
        hometown = hometown or found.province
    age = age_on(born, today) if born is not None else data.age
    return Identity(
        role=role_for(data.role, age),
        birth_date=born,
        sex=sex,
        hometown=hometown,
        id_number=number,
        id_hash=id_hash(keys, number) if number else None,
    )


@dataclass(frozen=True, slots=True)
class Holder:
    """Where persons are recorded: a case, or an inspection not yet on one (逐人核查)."""

    case_id: uuid.UUID | None
    inspection_id: uuid.UUID | None
    jurisdiction_path: str

    @classmethod
    def of_case(cls, case: Case, inspection_id: uuid.UUID | None = None) -> Holder:
        return cls(case.id, inspection_id, case.jurisdiction_path)


def build_person(
    keys: Keys, actor: Actor, holder: Holder, data: PersonCreate, who: Identity
) -> Person:
    person = Person(
        case_id=holder.case_id,
        inspection_id=holder.inspection_id,
        jurisdiction_path=holder.jurisdiction_path,
        role=who.role,
        role_entered=data.role,
        name=data.name,
        id_number_hash=who.id_hash,
        id_number_masked=mask(who.id_number) if who.id_number else None,
        phone_masked=mask_phone(data.phone) if data.phone else None,
        sex=who.sex,
        birth_date=who.birth_date,
        age_estimated=data.age if who.birth_date is None else None,
        hometown=who.hometown,
        amount_owed=data.amount_owed,
        owed_period=data.owed_period,
        notes=data.notes,
        created_by=actor.id[:64],
    )
    sealed = {k: v for k, v in (("id_number", who.id_number), ("phone", data.phone)) if v}
    person.identity = seal_json(keys, sealed, context=person.id.bytes) if sealed else None
    return person


def audit_view(person: Person) -> dict[str, Any]:
    """What the audit log keeps of a person: never the name or a number in clear."""
    return {
        "case_id": str(person.case_id),
        "role": person.role,
        "role_entered": person.role_entered,
        "id_number": person.id_number_masked,
        "amount_owed": str(person.amount_owed) if person.amount_owed is not None else None,
        "outstanding_reason": person.outstanding_reason,
        "handover_kind": person.handover_kind,
        "documents_returned_on": str(person.documents_returned_on or "") or None,
    }


async def find_existing(
    session: AsyncSession, holder: Holder, who: Identity, name: str
) -> Person | None:
    """The same person already on the case (or the inspection's roster, before it has a
    case): same ID number, or same name and birth date."""
    on = (
        col(Person.case_id) == holder.case_id
        if holder.case_id is not None
        else sa.and_(
            col(Person.inspection_id) == holder.inspection_id, col(Person.case_id).is_(None)
        )
    )
    if who.id_hash is not None:
        found = (
            await session.exec(select(Person).where(on, Person.id_number_hash == who.id_hash))
        ).first()
        if found is not None:
            return found
    if who.birth_date is None:
        return None
    return (
        await session.exec(
            select(Person).where(on, Person.name == name, Person.birth_date == who.birth_date)
        )
    ).first()


async def attach_inspection_persons(
    session: AsyncSession, actor: Actor, inspection_id: uuid.UUID, case: Case
) -> int:
    """A signed inspection's roster joins the case its findings went to; a person on the
    case already (same ID number, or name and birth date) stays on the roster only."""
    roster = (
        await session.exec(
            select(Person).where(
                Person.inspection_id == inspection_id, col(Person.case_id).is_(None)
            )
        )
    ).all()
    holder = Holder.of_case(case)
    moved = 0
    for person in roster:
        who = Identity(
            person.role, person.birth_date, person.sex, None, None, person.id_number_hash
        )
        if await find_existing(session, holder, who, person.name) is not None:
            continue
        person.case_id, person.jurisdiction_path = case.id, case.jurisdiction_path
        session.add(person)
        await session.flush()
        moved += 1
        auditlog.record(
            session,
            actor,
            "person.attach",
            "person",
            person.id,
            after=audit_view(person) | {"inspection_id": str(inspection_id)},
            jurisdiction_path=case.jurisdiction_path,
        )
    return moved


async def add_person(
    session: AsyncSession,
    actor: Actor,
    *,
    settings: Settings,
    case_id: uuid.UUID | str,
    data: PersonCreate,
    today: date | None = None,
) -> Person:
    """409 when the person is on the case already (same ID number, or name and birth date)."""
    access.require(actor, Permission.persons_write)
    case = await case_for_persons(session, actor, case_id, for_update=True)
    require_open(case)
    keys = keys_of(settings)
    who = identify(keys, data, today or clock.today())
    existing = await find_existing(session, Holder.of_case(case), who, data.name)
    if existing is not None:
        raise Conflict(
            f"This person is on the case already ({existing.id}).", person_id=str(existing.id)
        )
    person = build_person(keys, actor, Holder.of_case(case), data, who)
    session.add(person)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "person.create",
        "person",
        person.id,
        after=audit_view(person),
        jurisdiction_path=case.jurisdiction_path,
    )
    return person


async def update_person(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID | str, *, data: PersonUpdate
) -> Person:
    """Only the fields sent change; `outstanding_reason: ""` clears a reason."""
    access.require(actor, Permission.persons_write)
    person, case = await get_person(session, actor, person_id)
    require_open(case)
    before = audit_view(person)
    for key, value in data.model_dump(exclude_unset=True).items():
        if key == "outstanding_reason":
            value = value or None
        if key == "notes" and value is None:
            value = ""
        setattr(person, key, value)
    person.updated_at = utcnow()
    session.add(person)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "person.update",
        "person",
        person.id,
        before=before,
        after=audit_view(person),
        jurisdiction_path=case.jurisdiction_path,
    )
    return person


async def reveal_person(
    session: AsyncSession,
    actor: Actor,
    *,
    settings: Settings,
    person_id: uuid.UUID | str,
    reason: str,
) -> PersonRevealed:
    """The ID number and phone in clear; the reason and who asked are audited."""
    access.require(actor, Permission.persons_reveal)
    if len((reason or "").strip()) < MIN_REASON:
        raise unprocessable(
            ["body", "reason"],
            f"Give a reason of at least {MIN_REASON} characters; it is kept in the audit log.",
        )
    person, case = await get_person(session, actor, person_id)
    opened: dict[str, Any] = {}
    if person.identity is not None:
        opened = open_json(keys_of(settings), person.identity, context=person.id.bytes)
    auditlog.record(
        session,
        actor,
        "person.identity_revealed",
        "person",
        person.id,
        after={"reason": reason.strip()},
        jurisdiction_path=case.jurisdiction_path,
    )
    return PersonRevealed(
        id=person.id,
        name=person.name,
        id_number=opened.get("id_number"),
        phone=opened.get("phone"),
        identity_erased=person.identity_erased_at is not None,
    )
