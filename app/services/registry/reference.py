"""Jurisdictions, agencies, violation types and routing rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor
from app.domain.taxonomy import (
    AGENCY_KIND_ZH,
    LEVEL_DEPTH,
    VIOLATION_TYPES,
    AgencyKind,
    JurisdictionLevel,
    Severity,
)
from app.errors import Conflict, NotFound, unprocessable
from app.models.base import utcnow
from app.models.reference import (
    Agency,
    Jurisdiction,
    RoutingRule,
    RoutingRuleVersion,
    ViolationType,
)
from app.services.core import access
from app.services.core.pagination import after, clamp, encode_cursor
from app.services.registry.routing import path_ids

NATIONAL_NAME = "全国"


async def _root_in_area(session: AsyncSession, actor: Actor) -> uuid.UUID:
    """The national root's id when it is in the actor's area; else 422 on `parent_id`."""
    root = await national_root(session)
    try:
        if root is not None:
            return (await access.get_jurisdiction(session, actor, root.id)).id
    except NotFound:
        pass
    raise unprocessable(
        ["body", "parent_id"],
        "Without parent_id a place sits under the "
        "national root, which is outside your area: name its parent.",
    )


async def create_jurisdiction(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    level: JurisdictionLevel,
    parent_id: uuid.UUID | None,
) -> Jurisdiction:
    """A place under `parent_id`, a place in the actor's area at a higher level. Without
    `parent_id` it sits directly under the national root (a province, say), which only an
    actor whose area includes the root may do; the root itself is made once, at seeding."""
    jid = uuid.uuid4()
    if parent_id is None and actor.kind != "system":
        if level is JurisdictionLevel.national:
            raise unprocessable(["body", "level"], "The national root exists already.")
        parent_id = await _root_in_area(session, actor)
    if parent_id is None:
        path, depth = f"/{jid}/", 0
    else:
        parent = await access.get_jurisdiction(session, actor, parent_id)
        if LEVEL_DEPTH[level] <= LEVEL_DEPTH[JurisdictionLevel(parent.level)]:
            raise unprocessable(
                ["body", "level"], f"A {level.value} cannot sit under a {parent.level}."
            )
        path, depth = f"{parent.path}{jid}/", parent.depth + 1
    taken = (
        await session.exec(
            select(Jurisdiction.id).where(
                Jurisdiction.parent_id == parent_id, Jurisdiction.name == name
            )
        )
    ).first()
    if taken:
        raise Conflict(f"{name} exists already under this parent.", existing_id=str(taken))
    place = Jurisdiction(
        id=jid, name=name, level=level.value, parent_id=parent_id, path=path, depth=depth
    )
    session.add(place)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "jurisdiction.create",
        "jurisdiction",
        jid,
        after=auditlog.snapshot(place),
        jurisdiction_path=path,
    )
    return place


async def list_jurisdictions(
    session: AsyncSession,
    actor: Actor | None,
    *,
    parent_id: uuid.UUID | None = None,
    level: JurisdictionLevel | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[Jurisdiction], str | None]:
    """Ordered by path, so a page walks the tree depth-first. `actor=None` is the public view."""
    n = clamp(limit)
    query = select(Jurisdiction)
    if actor is not None:
        query = query.where(access.jurisdiction_scope(actor))
    if parent_id is not None:
        query = query.where(Jurisdiction.parent_id == parent_id)
    if level is not None:
        query = query.where(Jurisdiction.level == level.value)
    query = query.where(after([col(Jurisdiction.path)], cursor, [str]))
    rows = list((await session.exec(query.order_by(col(Jurisdiction.path)).limit(n + 1))).all())
    more = len(rows) > n
    rows = rows[:n]
    return rows, encode_cursor(rows[-1].path) if more else None


async def jurisdiction_path_names(session: AsyncSession, place: Jurisdiction) -> list[Jurisdiction]:
    ids = path_ids(place.path)
    rows = (await session.exec(select(Jurisdiction).where(col(Jurisdiction.id).in_(ids)))).all()
    return sorted(rows, key=lambda j: j.depth)


async def create_agency(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str | None,
    kind: AgencyKind,
    jurisdiction_id: uuid.UUID,
) -> Agency:
    place = await access.get_jurisdiction(session, actor, jurisdiction_id)
    taken = (
        await session.exec(
            select(Agency.id).where(Agency.kind == kind.value, Agency.jurisdiction_id == place.id)
        )
    ).first()
    if taken:
        raise Conflict(f"{place.name} already has a {kind.value} agency.", existing_id=str(taken))
    agency = Agency(
        name=name or f"{place.name}{AGENCY_KIND_ZH[kind]}",
        kind=kind.value,
        jurisdiction_id=place.id,
    )
    session.add(agency)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "agency.create",
        "agency",
        agency.id,
        after=auditlog.snapshot(agency),
        jurisdiction_path=place.path,
    )
    return agency


async def list_agencies(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: AgencyKind | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[Agency], str | None]:
    n = clamp(limit)
    query = select(Agency).join(Jurisdiction, col(Agency.jurisdiction_id) == col(Jurisdiction.id))
    query = query.where(access.jurisdiction_scope(actor))
    if kind is not None:
        query = query.where(Agency.kind == kind.value)
    if jurisdiction_id is not None:
        query = query.where(Agency.jurisdiction_id == jurisdiction_id)
    query = query.where(
        after([col(Agency.created_at), col(Agency.id)], cursor, [type(utcnow()), uuid.UUID])
    )
    rows = list(
        (
            await session.exec(query.order_by(col(Agency.created_at), col(Agency.id)).limit(n + 1))
        ).all()
    )
    more = len(rows) > n
    rows = rows[:n]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id) if more else None


async def list_violation_types(session: AsyncSession) -> Sequence[ViolationType]:
    order = {v.code: i for i, v in enumerate(VIOLATION_TYPES)}
    rows = (await session.exec(select(ViolationType))).all()
    return sorted(rows, key=lambda v: order.get(v.code, len(order)))


async def seed_reference_data(session: AsyncSession) -> int:
    """Insert the DESIGN.md violation types and routing rules that are missing.

    Never updates an existing row: once installed, the database copy is the
    one in force, and an admin's edits survive every restart and upgrade.
    """
    have = set((await session.exec(select(ViolationType.code))).all())
    added = 0
    for spec in VIOLATION_TYPES:
        if spec.code in have:
            continue
        session.add(
            ViolationType(
                code=spec.code,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                category=spec.category.value,
                severity=spec.severity.value,
            )
        )
        added += 1
    await session.flush()
    have_rules = set((await session.exec(select(RoutingRule.violation_type))).all())
    for spec in VIOLATION_TYPES:
        if spec.code in have_rules:
            continue
        also = [k.value for k in spec.also]
        session.add(
            RoutingRule(
                violation_type=spec.code,
                lead=spec.lead.value,
                also=also,
                severity=spec.severity.value,
                version=1,
            )
        )
        session.add(
            RoutingRuleVersion(
                violation_type=spec.code,
                version=1,
                lead=spec.lead.value,
                also=also,
                severity=spec.severity.value,
            )
        )
    await session.flush()
    return added


async def national_root(session: AsyncSession) -> Jurisdiction | None:
    """The one place without a parent (全国), once seeded."""
    return (
        await session.exec(
            select(Jurisdiction).where(
                col(Jurisdiction.parent_id).is_(None), Jurisdiction.level == "national"
            )
        )
    ).first()


async def ensure_root_office(session: AsyncSession, actor: Actor) -> Agency:
    """The national root and its coordinator office, made once."""
    root = await national_root(session)
    if root is None:
        root = await create_jurisdiction(
            session, actor, name=NATIONAL_NAME, level=JurisdictionLevel.national, parent_id=None
        )
    office = (
        await session.exec(
            select(Agency).where(
                Agency.jurisdiction_id == root.id, Agency.kind == AgencyKind.coordinator.value
            )
        )
    ).first()
    if office is None:
        office = await create_agency(
            session,
            actor,
            name="整治非法用工专项行动领导小组办公室",
            kind=AgencyKind.coordinator,
            jurisdiction_id=root.id,
        )
    return office


def severity_of(value: str) -> Severity:
    return Severity(value)
