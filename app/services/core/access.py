"""The one place that scopes reads by the actor's jurisdiction subtree and agency.

Anything outside an actor's scope is reported as NotFound, never Forbidden, so
that the existence of another county's employer or another agency's case does
not leak. Missing permissions are Forbidden.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import Actor, Permission
from app.errors import Forbidden, NotFound
from app.models.reference import Agency, Jurisdiction


def require(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden(f"Your role may not do this ({permission.value}).")


def user_id_of(actor: Actor) -> uuid.UUID | None:
    """The person behind the actor; None for a service account or the system."""
    if actor.kind != "user":
        return None
    try:
        return uuid.UUID(actor.id)
    except ValueError:
        return None


def in_subtree(actor: Actor, path: str | None) -> bool:
    if actor.kind == "system":
        return True
    if not actor.jurisdiction_path or not path:
        return False
    return path.startswith(actor.jurisdiction_path)


def in_area(actor: Actor, path: Any) -> ColumnElement[bool]:
    """The row's jurisdiction path (`path`, a column) lies in the actor's subtree: every
    scoped read of a place-bound record filters with this (everything for the system,
    nothing for an actor without a place)."""
    if actor.kind == "system":
        return sa.true()
    if not actor.jurisdiction_path:
        return sa.false()
    return col(path).startswith(actor.jurisdiction_path, autoescape=True)


def above_area(actor: Actor, path: Any) -> ColumnElement[bool]:
    """The place at `path` (a column) is the actor's own or one above it (a city-wide
    campaign is reported on by each county in it)."""
    return sa.literal(actor.jurisdiction_path or "").startswith(col(path))


def agency_of(actor: Actor) -> uuid.UUID | None:
    """The actor's own agency; None for an office account, the system or the public."""
    return actor.agency_id


def is_own_agency(actor: Actor, agency_id: uuid.UUID | str | None) -> bool:
    """`agency_id` is the actor's own agency (a record held by one agency is read and
    changed by that agency only; everyone else gets 404)."""
    if actor.agency_id is None or agency_id is None:
        return False
    return str(agency_id) == str(actor.agency_id)


def own_agency(actor: Actor, column: Any) -> ColumnElement[bool]:
    """`column` (an agency id) is the actor's own agency; nothing without one."""
    aid = agency_of(actor)
    return sa.false() if aid is None else col(column) == aid


def home_place(actor: Actor) -> tuple[uuid.UUID, str] | None:
    """The jurisdiction an account belongs to (id and path), if it has one."""
    if actor.kind in ("user", "service") and actor.jurisdiction_id and actor.jurisdiction_path:
        return actor.jurisdiction_id, actor.jurisdiction_path
    return None


async def chosen_or_own_jurisdiction(
    session: AsyncSession, actor: Actor, jurisdiction_id: str | uuid.UUID | None
) -> Jurisdiction:
    """The jurisdiction a report asks for, or else the actor's own; 404 outside its area
    (and when it names none and has none)."""
    chosen = jurisdiction_id if jurisdiction_id is not None else actor.jurisdiction_id
    if chosen is None:
        raise NotFound("Name a jurisdiction: you have none of your own.")
    return await get_jurisdiction(session, actor, chosen)


def own_path(actor: Actor) -> str | None:
    """The actor's own jurisdiction path ("" for the system: the whole country), for
    records stamped with where they were made and reads that default to one's own area."""
    return "" if actor.kind == "system" else actor.jurisdiction_path


def own_jurisdiction_id(actor: Actor) -> uuid.UUID | None:
    """The actor's own jurisdiction, the default place of a report or an entry."""
    return actor.jurisdiction_id


def is_national(actor: Actor) -> bool:
    """The system, or an account of the root (national) jurisdiction: national tables (the
    routing table, the working-day calendar) are changed only at that level."""
    if actor.kind == "system":
        return True
    return len([p for p in (actor.jurisdiction_path or "").strip("/").split("/") if p]) == 1


def jurisdiction_scope(actor: Actor) -> ColumnElement[bool]:
    """A condition on Jurisdiction: the actor's node and everything under it."""
    return in_area(actor, Jurisdiction.path)


def in_or_above(actor: Actor) -> ColumnElement[bool]:
    """A condition on Jurisdiction: the actor's subtree or a place above it — where a
    campaign the actor reports on may be run (a city-wide one is worked by each county)."""
    above = sa.literal(actor.jurisdiction_path or "").startswith(col(Jurisdiction.path))
    return sa.or_(jurisdiction_scope(actor), above)


def jurisdiction_ids_in_scope(actor: Actor) -> Any:
    """A subquery of the jurisdiction ids the actor may see, for `column.in_(...)`."""
    return select(Jurisdiction.id).where(jurisdiction_scope(actor)).scalar_subquery()


def as_uuid(value: str | uuid.UUID, what: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise NotFound(f"No {what} {value!s:.64}.") from None


async def get_jurisdiction(
    session: AsyncSession, actor: Actor, jurisdiction_id: str | uuid.UUID
) -> Jurisdiction:
    jid = as_uuid(jurisdiction_id, "jurisdiction")
    row = (
        await session.exec(
            select(Jurisdiction).where(Jurisdiction.id == jid, jurisdiction_scope(actor))
        )
    ).first()
    if row is None:
        raise NotFound(f"No jurisdiction {jid} in your area.")
    return row


async def get_agency(session: AsyncSession, actor: Actor, agency_id: str | uuid.UUID) -> Agency:
    aid = as_uuid(agency_id, "agency")
    row = (
        await session.exec(
            select(Agency)
            .join(Jurisdiction, col(Agency.jurisdiction_id) == col(Jurisdiction.id))
            .where(Agency.id == aid, jurisdiction_scope(actor))
        )
    ).first()
    if row is None:
        raise NotFound(f"No agency {aid} in your area.")
    return row
