"""The employer registry: create, read, search, update. Every write is audited.

Reads are scoped to the caller's jurisdiction subtree; an employer elsewhere is
a 404. A USCC is normalised (spaces, case) and must pass GB 32100-2015.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import clock
from app.domain.employer_flags import (
    SAFETY_PERMIT_INDUSTRIES,
    EmployerFlag,
    employer_flags,
)
from app.domain.lifecycles import InspectionStatus
from app.domain.permissions import Actor, Permission
from app.domain.taxonomy import Industry, LicenceKind
from app.domain.uscc import normalise_uscc, uscc_error
from app.errors import Conflict, NotFound, unprocessable
from app.models.base import utcnow
from app.models.employers import (
    Employer,
    EmployerCreate,
    EmployerPublic,
    EmployerUpdate,
    Licence,
    LicenceIn,
    LicencePublic,
)
from app.models.inspection_schemas import InspectionKind
from app.models.inspections import Campaign, Inspection
from app.models.reference import Jurisdiction
from app.models.schemas import location_of
from app.services.cases import cases, queue
from app.services.core import access
from app.services.core.pagination import after, clamp, encode_cursor
from app.services.employers.employer_changes import (
    EmployerChange,
    fields_of,
    licences_of,
    snapshot,
)


async def check_uscc(
    session: AsyncSession,
    raw: str | None,
    *,
    loc: Sequence[str],
    exclude_id: uuid.UUID | None = None,
) -> str | None:
    """The normalised code, or None when blank; 422 when invalid, 409 when taken."""
    if raw is None or not raw.strip():
        return None
    code = normalise_uscc(raw)
    problem = uscc_error(code)
    if problem is not None:
        raise unprocessable(loc, f"Not a valid unified social credit code: {problem}.")
    query = select(Employer.id).where(Employer.uscc == code)
    if exclude_id is not None:
        query = query.where(Employer.id != exclude_id)
    taken = (await session.exec(query)).first()
    if taken is not None:
        raise Conflict(
            f"The USCC {code} is registered already, to employer {taken}.", existing_id=str(taken)
        )
    return code


async def get_employer(
    session: AsyncSession, actor: Actor, employer_id: str | uuid.UUID
) -> Employer:
    """The employer, if it lies in the caller's jurisdiction subtree; else NotFound."""
    eid = access.as_uuid(employer_id, "employer")
    row = (
        await session.exec(
            select(Employer).where(
                Employer.id == eid,
                col(Employer.jurisdiction_id).in_(access.jurisdiction_ids_in_scope(actor)),
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"No employer {eid} in your area.")
    return row


async def employer_views(
    session: AsyncSession, employers: Sequence[Employer], on: date | None = None
) -> list[EmployerPublic]:
    """Employers with their licences and flags, in two queries whatever their number."""
    by_employer: dict[uuid.UUID, list[Licence]] = defaultdict(list)
    if employers:
        rows = (
            await session.exec(
                select(Licence)
                .where(col(Licence.employer_id).in_([e.id for e in employers]))
                .order_by(col(Licence.kind))
            )
        ).all()
        for lic in rows:
            by_employer[lic.employer_id].append(lic)
    day = on or clock.today()  # licences expire by China's calendar
    out = []
    for e in employers:
        held = by_employer.get(e.id, [])
        out.append(
            EmployerPublic(
                id=e.id,
                name=e.name,
                uscc=e.uscc,
                industry=Industry(e.industry),
                jurisdiction_id=e.jurisdiction_id,
                address=e.address,
                workers=e.workers,
                location=location_of(e),
                licences=[LicencePublic.model_validate(lic) for lic in held],
                flags=employer_flags(
                    e.industry, [(lic.kind, lic.valid_until) for lic in held], day
                ),
                created_at=e.created_at,
                updated_at=e.updated_at,
            )
        )
    return out


async def view_employer(
    session: AsyncSession, actor: Actor, employer_id: str | uuid.UUID
) -> EmployerPublic:
    access.require(actor, Permission.employers_read)
    return (await employer_views(session, [await get_employer(session, actor, employer_id)]))[0]


async def _flush_unique(session: AsyncSession, code: str | None) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(f"The USCC {code} was registered meanwhile; search for it.") from None


async def create_employer(
    session: AsyncSession, actor: Actor, *, data: EmployerCreate
) -> EmployerPublic:
    access.require(actor, Permission.employers_write)
    place = await access.get_jurisdiction(session, actor, data.jurisdiction_id)
    code = await check_uscc(session, data.uscc, loc=("body", "uscc"))
    employer = Employer(
        name=data.name,
        uscc=code,
        industry=data.industry.value,
        jurisdiction_id=place.id,
        address=data.address,
        workers=data.workers,
        lat=data.location.lat if data.location else None,
        lon=data.location.lon if data.location else None,
    )
    session.add(employer)
    for lic in data.licences:
        session.add(
            Licence(
                employer_id=employer.id,
                kind=lic.kind.value,
                number=lic.number,
                valid_until=lic.valid_until,
            )
        )
    await _flush_unique(session, code)
    created = snapshot(fields_of(employer), licences_of(data.licences))
    EmployerChange(employer.id, None, created).audit(session, actor, place.path)
    return (await employer_views(session, [employer]))[0]


async def update_employer(
    session: AsyncSession, actor: Actor, employer_id: str | uuid.UUID, *, changes: EmployerUpdate
) -> EmployerPublic:
    """Partial: fields not sent stay. Moving an employer needs both places in scope."""
    access.require(actor, Permission.employers_write)
    employer = await get_employer(session, actor, employer_id)
    held = list(
        (await session.exec(select(Licence).where(Licence.employer_id == employer.id))).all()
    )
    before = snapshot(fields_of(employer), licences_of(held))
    sent = changes.model_fields_set
    old_path = (
        await session.exec(
            select(Jurisdiction.path).where(Jurisdiction.id == employer.jurisdiction_id)
        )
    ).one()
    place = await access.get_jurisdiction(
        session,
        actor,
        changes.jurisdiction_id
        if changes.jurisdiction_id is not None and "jurisdiction_id" in sent
        else employer.jurisdiction_id,
    )
    for field in ("name", "industry", "address", "jurisdiction_id"):
        value = getattr(changes, field)
        if field in sent and value is None:
            raise unprocessable(("body", field), f"{field} cannot be removed.")
    if "uscc" in sent:
        employer.uscc = await check_uscc(
            session, changes.uscc, loc=("body", "uscc"), exclude_id=employer.id
        )
    if changes.name is not None:
        employer.name = changes.name
    if changes.industry is not None:
        employer.industry = changes.industry.value
    if changes.address is not None:
        employer.address = changes.address
    if "workers" in sent:
        employer.workers = changes.workers
    if "location" in sent:
        employer.lat = changes.location.lat if changes.location else None
        employer.lon = changes.location.lon if changes.location else None
    employer.jurisdiction_id = place.id
    employer.updated_at = utcnow()
    session.add(employer)
    if changes.licences is not None:
        held = await _replace_licences(session, employer.id, held, changes.licences)
    await _flush_unique(session, employer.uscc)
    change = EmployerChange(employer.id, before, snapshot(fields_of(employer), licences_of(held)))
    if change.renamed:
        await queue.bump_employer_queues(session, [employer.id])
    if change.moved_from is not None:
        await cases.follow_employer(
            session,
            actor,
            employer_id=employer.id,
            employer_name=employer.name,
            old_path=old_path,
            new_path=place.path,
        )
    change.audit(session, actor, place.path)
    return (await employer_views(session, [employer]))[0]


async def _replace_licences(
    session: AsyncSession, employer_id: uuid.UUID, held: list[Licence], wanted: Sequence[LicenceIn]
) -> list[Licence]:
    by_kind = {lic.kind: lic for lic in held}
    keep: list[Licence] = []
    for w in wanted:
        lic = by_kind.pop(w.kind.value, None) or Licence(
            employer_id=employer_id, kind=w.kind.value, number=w.number
        )
        lic.number, lic.valid_until = w.number, w.valid_until
        session.add(lic)
        keep.append(lic)
    for gone in by_kind.values():
        await session.delete(gone)
    return keep


VISITED = (InspectionStatus.submitted.value, InspectionStatus.signed.value)
SELF_CHECK = InspectionKind.self_check.value


def visited_in(campaign_id: uuid.UUID, *, self_check: bool = False) -> Any:
    """Employer ids a campaign visited, for `IN` / `NOT IN`: an enforcement or follow-up
    inspection of it, submitted or signed (one awaiting signatures was still a visit).
    With `self_check`, those that checked themselves (自查自纠) instead."""
    kind = col(Inspection.kind)
    return select(Inspection.employer_id).where(
        Inspection.campaign_id == campaign_id,
        col(Inspection.status).in_(VISITED),
        kind == SELF_CHECK if self_check else kind != SELF_CHECK,
    )


async def _campaign_id(session: AsyncSession, actor: Actor, campaign_id: uuid.UUID) -> uuid.UUID:
    """A campaign run in the caller's area or above it; otherwise NotFound."""
    found = (
        await session.exec(
            select(Campaign.id)
            .join(Jurisdiction, col(Jurisdiction.id) == col(Campaign.jurisdiction_id))
            .where(Campaign.id == campaign_id, access.in_or_above(actor))
        )
    ).first()
    if found is None:
        raise NotFound(f"No campaign {campaign_id} in your area.")
    return found


def _has_licence(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return sa.exists().where(col(Licence.employer_id) == col(Employer.id), *conditions)


def flag_condition(flag: EmployerFlag, on: date) -> ColumnElement[bool]:
    """The SQL twin of `employer_flags`: true for employers carrying `flag` on day `on`."""
    if flag is EmployerFlag.no_business_licence:
        return ~_has_licence(col(Licence.kind) == LicenceKind.business.value)
    if flag is EmployerFlag.licence_expired:
        return _has_licence(col(Licence.valid_until) < on)
    return sa.and_(
        col(Employer.industry).in_([i.value for i in SAFETY_PERMIT_INDUSTRIES]),
        ~_has_licence(
            col(Licence.kind) == LicenceKind.safety.value,
            sa.or_(col(Licence.valid_until).is_(None), col(Licence.valid_until) >= on),
        ),
    )


async def list_employers(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    uscc: str | None = None,
    industry: Industry | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    flag: EmployerFlag | None = None,
    not_inspected_in: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[EmployerPublic], str | None]:
    """Oldest first. `q` is a substring of the name; `jurisdiction_id` takes its subtree;
    `not_inspected_in` keeps those that campaign has not visited (`visited_in`)."""
    access.require(actor, Permission.employers_read)
    n = clamp(limit)
    query = select(Employer).where(
        col(Employer.jurisdiction_id).in_(access.jurisdiction_ids_in_scope(actor))
    )
    if jurisdiction_id is not None:
        place = await access.get_jurisdiction(session, actor, jurisdiction_id)
        query = query.where(
            col(Employer.jurisdiction_id).in_(
                select(Jurisdiction.id)
                .where(col(Jurisdiction.path).startswith(place.path, autoescape=True))
                .scalar_subquery()
            )
        )
    if q:
        query = query.where(col(Employer.name).contains(q, autoescape=True))
    if uscc:
        query = query.where(Employer.uscc == normalise_uscc(uscc))
    if industry is not None:
        query = query.where(Employer.industry == industry.value)
    day = clock.today()
    if flag is not None:
        query = query.where(flag_condition(flag, day))
    if not_inspected_in is not None:
        campaign_id = await _campaign_id(session, actor, not_inspected_in)
        query = query.where(col(Employer.id).not_in(visited_in(campaign_id)))
    keys = [col(Employer.created_at), col(Employer.id)]
    query = query.where(after(keys, cursor, [datetime, uuid.UUID]))
    rows = list((await session.exec(query.order_by(*keys).limit(n + 1))).all())
    more = len(rows) > n
    rows = rows[:n]
    nxt = encode_cursor(rows[-1].created_at, rows[-1].id) if more else None
    return await employer_views(session, rows, day), nxt
