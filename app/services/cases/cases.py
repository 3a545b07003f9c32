"""Cases: one open case per employer gathers its findings and tips, routed incrementally.

`file_case` is what inspections, tips and the office call. Reads are scoped
here: the office sees every case in its subtree; an agency sees a case only if
the case has an assignment for it (→ 404 otherwise).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.lifecycles import CASE, OPEN_STATES, CaseStatus, TransitionError, transition
from app.domain.permissions import Actor
from app.domain.routing import UMBRELLA_TYPE
from app.domain.taxonomy import SEVERITY_RANK, Severity
from app.errors import Conflict, NotFound
from app.models.base import utcnow
from app.models.cases import Assignment, Case, CaseSourceRecord
from app.models.employers import Employer
from app.models.reference import Jurisdiction
from app.services.cases import assignments, escalations, person_checks, queue
from app.services.core import access, case_visibility, dialect
from app.services.registry import routing


@dataclass(frozen=True, slots=True)
class CaseSource:
    kind: Literal["finding", "tip", "manual"]
    id: uuid.UUID | None
    violation_types: tuple[str, ...]
    summary: str
    workers_affected: int | None = None
    amount_owed: Decimal | None = None


def case_scope(actor: Actor) -> ColumnElement[bool]:
    """The cases `actor` may see at all."""
    if actor.kind == "system":
        return sa.true()
    if actor.is_office:
        return access.in_area(actor, Case.jurisdiction_path)
    # Its own share, and only inside its own area: once the employer moves away
    # (`follow_employer`), the old county's agencies read nothing more of the case.
    return sa.and_(
        access.in_area(actor, Case.jurisdiction_path),
        sa.exists().where(
            col(Assignment.case_id) == col(Case.id), access.own_agency(actor, Assignment.agency_id)
        ),
    )


async def get_case(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | str, *, for_update: bool = False
) -> Case:
    cid = access.as_uuid(case_id, "case")
    query = select(Case).where(Case.id == cid, case_scope(actor))
    if for_update and dialect.is_postgres(session):
        query = query.with_for_update(of=Case)
    found = (await session.exec(query)).first()
    if found is None:
        raise NotFound(f"No case {cid} in your area.")
    return found


async def case_status(session: AsyncSession, case_id: uuid.UUID | None) -> str | None:
    """The status of a case, unscoped (for the tip-line's public status)."""
    if case_id is None:
        return None
    return (await session.exec(select(Case.status).where(Case.id == case_id))).first()


async def open_case_id(session: AsyncSession, employer_id: uuid.UUID) -> uuid.UUID | None:
    return (
        await session.exec(
            select(Case.id).where(
                Case.employer_id == employer_id, col(Case.status).in_(OPEN_STATES)
            )
        )
    ).first()


async def _employer(
    session: AsyncSession, actor: Actor, employer_id: uuid.UUID, *, scoped: bool = True
) -> tuple[Employer, str]:
    row = (
        await session.exec(
            select(Employer, Jurisdiction.path)
            .join(Jurisdiction, col(Jurisdiction.id) == col(Employer.jurisdiction_id))
            .where(
                Employer.id == employer_id,
                access.jurisdiction_scope(actor) if scoped else sa.true(),
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"No employer {employer_id} in your area.")
    return row[0], row[1]


async def _open_case(session: AsyncSession, employer_id: uuid.UUID) -> Case | None:
    query = select(Case).where(Case.employer_id == employer_id, col(Case.status).in_(OPEN_STATES))
    if dialect.is_postgres(session):
        query = query.with_for_update(of=Case)
    return (await session.exec(query)).first()


async def _open_or_create(
    session: AsyncSession, actor: Actor, employer: Employer, path: str, description: str
) -> tuple[Case, bool]:
    found = await _open_case(session, employer.id)
    if found is not None:
        return found, False
    case = Case(employer_id=employer.id, description=description, jurisdiction_path=path)
    try:
        async with session.begin_nested():
            session.add(case)
            await session.flush()
    except IntegrityError:
        # Another request opened the employer's case first: add to that one.
        found = await _open_case(session, employer.id)
        if found is None:
            raise
        return found, False
    auditlog.record(
        session,
        actor,
        "case.open",
        "case",
        case.id,
        after=auditlog.snapshot(case),
        jurisdiction_path=path,
    )
    return case, True


def _max_severity(a: str, b: str) -> str:
    return max(Severity(a), Severity(b), key=SEVERITY_RANK.__getitem__).value


async def _unrestricted_severity(session: AsyncSession, case: Case) -> None:
    """The severity of what agencies outside the protective-umbrella share see: the case's
    types less those only restricted assignments carry (`case_visibility`)."""
    shares = (await session.exec(select(Assignment).where(Assignment.case_id == case.id))).all()
    hidden = case_visibility.hidden_types(shares)
    shown = await routing.severity_of(session, [t for t in case.violation_types if t not in hidden])
    case.unrestricted_severity = _max_severity(case.unrestricted_severity, shown.value)
    session.add(case)
    await session.flush()


def is_restricted(source: CaseSource, umbrella: bool) -> bool:
    """A source alleging a protective umbrella (保护伞) is shown only to those who see
    the restricted share: the office and the supervision agency handling it."""
    return umbrella or UMBRELLA_TYPE in source.violation_types


async def file_case(
    session: AsyncSession,
    actor: Actor,
    *,
    employer_id: uuid.UUID,
    sources: Sequence[CaseSource],
    umbrella: bool = False,
    employer_checked: bool = False,
) -> Case:
    """The employer's open case with `sources` added and routed; opened if there is none.

    New violation types add agencies; assignments already made are kept as they are.
    `employer_checked`: the caller has authorised the employer itself (a sealed team
    inspection), so it is not looked up again within `actor`'s own area.
    """
    if not sources or not any(s.violation_types for s in sources):
        raise ValueError("file_case needs at least one source with a violation type")
    employer, path = await _employer(session, actor, employer_id, scoped=not employer_checked)
    shown = next((s for s in sources if not is_restricted(s, umbrella)), None)
    case, created = await _open_or_create(
        session, actor, employer, path, (shown or sources[0]).summary
    )
    before = None if created else auditlog.snapshot(case)
    for s in sources:
        session.add(
            CaseSourceRecord(
                case_id=case.id,
                kind=s.kind,
                source_id=s.id,
                violation_types=list(s.violation_types),
                summary=s.summary,
                workers_affected=s.workers_affected,
                amount_owed=s.amount_owed,
                restricted=is_restricted(s, umbrella),
            )
        )
    types = sorted(set(case.violation_types) | {t for s in sources for t in s.violation_types})
    case.violation_types = types
    case.umbrella = case.umbrella or umbrella
    severity = await routing.severity_of(session, types)
    case.severity = _max_severity(case.severity, severity.value)
    case.version += 1
    case.updated_at = utcnow()
    session.add(case)
    await session.flush()
    await assignments.assign_case(session, actor, case, umbrella=umbrella)  # bumps queues
    await _unrestricted_severity(session, case)
    if before is not None:
        auditlog.record(
            session,
            actor,
            "case.add_sources",
            "case",
            case.id,
            before=before,
            after=auditlog.snapshot(case),
            jurisdiction_path=path,
        )
    return case


async def add_to_case(
    session: AsyncSession,
    actor: Actor,
    *,
    case_id: uuid.UUID,
    sources: Sequence[CaseSource],
    umbrella: bool = False,
) -> Case:
    """Add sources to a given open case (a tip linked to it) and route what is new.

    404 outside the caller's scope; 409 if the case is closed or dismissed.
    """
    case = await get_case(session, actor, case_id, for_update=True)
    if case.status not in OPEN_STATES:
        raise Conflict(f"The case is {case.status}; reopen it first or open a new one.")
    return await file_case(
        session, actor, employer_id=case.employer_id, sources=sources, umbrella=umbrella
    )


async def follow_employer(
    session: AsyncSession,
    actor: Actor,
    *,
    employer_id: uuid.UUID,
    employer_name: str,
    old_path: str,
    new_path: str,
) -> Case | None:
    """The employer moved to another place: its open case moves with it.

    One rule, whatever wrote the move (the API or an import): the case's place becomes
    the employer's new one, so the new county's office and agencies hold it and the old
    county's no longer read it (an agency sees a case only inside its own subtree, see
    `case_scope`). Pending and accepted assignments of agencies that do not cover the new
    place are withdrawn and the case is routed anew there; pending rectifications pass to
    the new agency of the same kind. Both offices are told by an escalation each
    (`case_moved_out`, `case_moved_in`). Closed cases stay where they were decided.
    """
    if old_path == new_path:
        return None
    case = await _open_case(session, employer_id)
    if case is None:
        return None
    before = auditlog.snapshot(case)
    now = utcnow()
    case.jurisdiction_path = new_path
    case.version += 1
    case.updated_at = now
    session.add(case)
    await session.flush()
    covering = {uuid.UUID(a.id) for a in await routing.agencies_on(session, new_path)}
    on_case = (
        await session.exec(select(Assignment.agency_id).where(Assignment.case_id == case.id))
    ).all()
    await assignments.withdraw_assignments(
        session, actor, case, agency_ids=[a for a in on_case if a not in covering]
    )
    await assignments.assign_case(session, actor, case, now=now)
    await assignments.hand_over_rectifications(session, actor, case)
    auditlog.record(
        session,
        actor,
        "case.move",
        "case",
        case.id,
        before=before,
        after=auditlog.snapshot(case),
        jurisdiction_path=new_path,
    )
    names = await routing.place_names(session, [old_path, new_path])
    detail = f"{employer_name}: {names[old_path]} → {names[new_path]}"
    for kind, path in (("case_moved_out", old_path), ("case_moved_in", new_path)):
        await escalations.record_escalation(
            session,
            actor,
            kind=kind,
            subject_id=case.id,
            case_id=case.id,
            agency_id=None,
            jurisdiction_path=path,
            deadline_at=now,
            detail=detail,
        )
    return case


async def _move(
    session: AsyncSession, actor: Actor, case: Case, action: str, why: str | None, **changes: object
) -> Case:
    try:
        target = transition(CASE, case.status, action, reason=why)
    except TransitionError as exc:
        raise Conflict(
            f"{exc}; allowed: {', '.join(CASE.actions(case.status)) or 'nothing'}."
        ) from None
    before = auditlog.snapshot(case)
    case.status = target
    for key, value in changes.items():
        setattr(case, key, value)
    case.version += 1
    case.updated_at = utcnow()
    session.add(case)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict("The employer has another open case; add to that one instead.") from None
    auditlog.record(
        session,
        actor,
        f"case.{action}",
        "case",
        case.id,
        before=before,
        after=auditlog.snapshot(case),
        jurisdiction_path=case.jurisdiction_path,
    )
    if not (
        target == CaseStatus.dismissed
        and await assignments.withdraw_assignments(session, actor, case)
    ):
        await queue.bump_case_queues(session, case.id)  # their queues show the case's status
    return case


async def close_case(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | str, *, summary: str
) -> Case:
    """Only when every assignment is concluded (declined ones aside, once re-routed), no
    rectification is pending and every child or vulnerable person on the case has been
    handed over (`person_checks`); otherwise 409 naming what is still open."""
    case = await get_case(session, actor, case_id, for_update=True)
    blockers = await assignments.close_blockers(session, case.id)
    handover = person_checks.handover_blocker(await person_checks.not_handed_over(session, case.id))
    if handover is not None:
        blockers.append(handover)
    if blockers:
        raise Conflict("The case cannot close yet: " + "; ".join(blockers) + ".", blockers=blockers)
    if case.status == CaseStatus.open:
        raise Conflict("The case cannot close yet: no assignment has been accepted.")
    return await _move(session, actor, case, "close", summary, summary=summary, closed_at=utcnow())


async def dismiss_case(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | str, *, reason: str
) -> Case:
    """Its pending and accepted assignments are withdrawn; reopening does not revive them."""
    case = await get_case(session, actor, case_id, for_update=True)
    return await _move(session, actor, case, "dismiss", reason, reason=reason, closed_at=utcnow())


async def reopen_case(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | str, *, reason: str
) -> Case:
    case = await get_case(session, actor, case_id, for_update=True)
    return await _move(session, actor, case, "reopen", reason, reason=reason, closed_at=None)
