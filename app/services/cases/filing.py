"""Filing (立案) an assignment and extending its handling clock.

An enforcing agency that has accepted its share of a case files it: the share
gets a number from the agency's gap-free sequence (or the agency system's own
number) and a handling deadline by the clock the law gives that agency
(`app/domain/enforcement.py`). An extension is asked for by the officer and
decided by the agency's head (role `agency_lead`); both are audited and bump the
agency's queue.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.clock import now as clock_now
from app.domain.chinatime import china_date
from app.domain.enforcement import (
    HANDLING_CLOCKS,
    ClockUnit,
    HandlingClock,
    case_number,
    default_prefix,
)
from app.domain.lifecycles import EXTENSION, OPEN_STATES, transition
from app.domain.permissions import Actor, Permission
from app.domain.taxonomy import AgencyKind
from app.domain.workdays import add_working_days
from app.errors import Conflict, NotFound, unprocessable
from app.models.cases import Assignment, Case, Extension, NumberSequence
from app.models.enforcement_schemas import FilingPublic, HandlingClockPublic
from app.models.reference import Agency
from app.services.cases import queue
from app.services.cases.assignments import get_own_assignment
from app.services.core import access, dialect
from app.services.registry import workdays


async def next_number(session: AsyncSession, agency_id: uuid.UUID, year: int, kind: str) -> int:
    """The agency's next number of `kind` for `year`: one upsert that takes the row lock,
    so concurrent issuers queue on it and a rolled-back issue gives its number back."""
    stmt = dialect.insert(session, NumberSequence).values(
        agency_id=agency_id, year=year, kind=kind, last=1
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["agency_id", "year", "kind"], set_={"last": stmt.table.c["last"] + 1}
    ).returning(stmt.table.c["last"])
    return int((await session.exec(stmt)).scalar_one())


async def _deadline(session: AsyncSession, clock: HandlingClock, start: date, days: int) -> date:
    if clock.unit is ClockUnit.days:
        return start + timedelta(days=days)
    return add_working_days(await workdays.work_calendar(session, start.year), start, days)


def _clock_of(agency: Agency) -> HandlingClock:
    clock = HANDLING_CLOCKS.get(AgencyKind(agency.kind))
    if clock is None:
        raise Conflict(
            f"{agency.name} does not file administrative cases here"
            + (
                " (the police file through a criminal transfer)."
                if agency.kind == AgencyKind.police
                else "."
            )
        )
    return clock


def filing_public(a: Assignment, clock: HandlingClock) -> FilingPublic:
    if a.case_number is None or a.filed_at is None or a.investigate_by is None:
        raise ValueError("the assignment is not filed")
    return FilingPublic(
        assignment_id=a.id,
        number=a.case_number,
        external=a.case_number_external,
        filed_at=a.filed_at,
        investigate_by=a.investigate_by,
        clock=HandlingClockPublic(
            days=clock.days, unit=clock.unit, extension=clock.extension, basis=clock.basis
        ),
    )


async def _own(
    session: AsyncSession, actor: Actor, assignment_id: uuid.UUID | str
) -> tuple[Assignment, Case, Agency, HandlingClock]:
    a, case = await get_own_assignment(session, actor, assignment_id)
    agency = await session.get(Agency, a.agency_id)
    if agency is None:  # the assignment's foreign key makes this impossible
        raise NotFound(f"No assignment {a.id} for your agency.")
    return a, case, agency, _clock_of(agency)


async def _touch(session: AsyncSession, a: Assignment, now: datetime) -> None:
    seq = (await queue.bump_queues(session, [a.agency_id]))[a.agency_id]
    a.version, a.change_seq, a.updated_at = a.version + 1, seq, now
    session.add(a)


async def file_assignment(
    session: AsyncSession,
    actor: Actor,
    assignment_id: uuid.UUID | str,
    *,
    note: str = "",
    external_number: str | None = None,
    now: datetime | None = None,
) -> FilingPublic:
    """File an accepted assignment: 409 unless accepted, filed once, the case open, and the
    agency one that files. The clock starts on China's date of filing (not counted)."""
    now = now or clock_now()
    a, case, agency, clock = await _own(session, actor, assignment_id)
    if case.status not in OPEN_STATES:
        raise Conflict(f"The case is {case.status}; nothing more can be filed on it.")
    if a.status != "accepted":
        raise Conflict(f"The assignment is {a.status}; accept it before filing.")
    if a.case_number is not None:
        raise Conflict(f"The assignment is filed already, as {a.case_number}.")
    before = auditlog.snapshot(a)
    filed_on = china_date(now)
    if external_number is not None:
        number, external = external_number.strip(), True
    else:
        n = await next_number(session, agency.id, filed_on.year, "case")
        number = case_number(agency.number_prefix or default_prefix(agency.name), filed_on.year, n)
        external = False
    investigate_by = await _deadline(session, clock, filed_on, clock.days)
    # set only now: a query above would autoflush a duplicate number outside the savepoint
    await _touch(session, a, now)
    a.case_number, a.case_number_external = number, external
    a.filed_at, a.filed_by, a.investigate_by = now, actor.id[:64], investigate_by
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(f"Your agency already has a case numbered {number}.") from None
    auditlog.record(
        session,
        actor,
        "assignment.file",
        "assignment",
        a.id,
        before=before,
        after={**auditlog.snapshot(a), "note": note},
        jurisdiction_path=case.jurisdiction_path,
    )
    return filing_public(a, clock)


async def request_extension(
    session: AsyncSession,
    actor: Actor,
    assignment_id: uuid.UUID | str,
    *,
    days: int,
    reason: str,
    now: datetime | None = None,
) -> Extension:
    """Once per assignment (a rejected request may be made again), within the law's cap."""
    now = now or clock_now()
    a, case, agency, clock = await _own(session, actor, assignment_id)
    if a.investigate_by is None or a.status != "accepted":
        raise Conflict("Only a filed assignment still being handled can be extended.")
    if clock.extension == 0:
        raise Conflict(
            f"{clock.basis} gives {agency.name} no extension of its {clock.days}-day clock."
        )
    if days > clock.extension:
        raise Conflict(f"{clock.basis}: at most {clock.extension} more.")
    taken = (
        await session.exec(
            select(Extension.status).where(
                Extension.assignment_id == a.id, col(Extension.status) != "rejected"
            )
        )
    ).first()
    if taken is not None:
        raise Conflict(f"An extension is {taken} already; the law allows one.")
    ext = Extension(
        assignment_id=a.id,
        days=days,
        reason=reason,
        requested_by=actor.id[:64],
        requested_at=now,
        investigate_by_before=a.investigate_by,
    )
    session.add(ext)
    await _touch(session, a, now)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "extension.request",
        "extension",
        ext.id,
        after=auditlog.snapshot(ext),
        jurisdiction_path=case.jurisdiction_path,
    )
    return ext


async def decide_extension(
    session: AsyncSession,
    actor: Actor,
    extension_id: uuid.UUID | str,
    *,
    approve: bool,
    reason: str,
    now: datetime | None = None,
) -> Extension:
    """The agency's head (负责人, `agency_lead`) of the same agency decides; 404 for any
    other agency, 409 once decided. A rejection needs a reason."""
    now = now or clock_now()
    access.require(actor, Permission.enforcement_approve)
    eid = access.as_uuid(extension_id, "extension")
    ext = await session.get(Extension, eid)
    if ext is None:
        raise NotFound(f"No extension {eid} for your agency.")
    try:
        a, case, _agency, clock = await _own(session, actor, ext.assignment_id)
    except NotFound:
        raise NotFound(f"No extension {eid} for your agency.") from None
    if ext.status != "pending":
        raise Conflict(f"The extension is {ext.status} already.")
    if not approve and not reason.strip():
        raise unprocessable(["body", "reason"], "A rejection needs a reason.")
    before = auditlog.snapshot(ext)
    ext.status = transition(
        EXTENSION, ext.status, "approve" if approve else "reject", reason=reason
    )
    ext.decided_by, ext.decided_at, ext.decision_reason = actor.id[:64], now, reason
    if approve and a.investigate_by is not None:
        ext.investigate_by_after = await _deadline(session, clock, a.investigate_by, ext.days)
        a.investigate_by = ext.investigate_by_after
    session.add(ext)
    await _touch(session, a, now)
    await session.flush()
    auditlog.record(
        session,
        actor,
        f"extension.{ext.status}",
        "extension",
        ext.id,
        before=before,
        after=auditlog.snapshot(ext),
        jurisdiction_path=case.jurisdiction_path,
    )
    return ext
