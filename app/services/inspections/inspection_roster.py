"""An inspection's worker roster (逐人核查): the team checks every worker on the visit.

Imported while the inspection is open (a signed one is sealed, 409), the persons wait
on the inspection until signing files its case, then join that case
(`persons.attach_inspection_persons`; an inspection without findings keeps its roster).
The roster is seen by the office, the inspection's own inspector and team, and the
agencies that work with people (labour, civil affairs, police, union) that may read
the inspection; anyone else gets 404.
"""

from __future__ import annotations

import uuid
from typing import IO

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.domain.permissions import Actor, Permission
from app.errors import Forbidden, NotFound
from app.models.persons import Person, PersonList, RosterResult
from app.services.cases import person_views, persons, roster_import
from app.services.core import access, case_visibility
from app.services.inspections.inspection_evidence import place_path, require_open
from app.services.inspections.inspections import get_inspection_row, require_participant


async def import_inspection_roster(
    session: AsyncSession,
    actor: Actor,
    *,
    settings: Settings,
    inspection_id: uuid.UUID | str,
    file: IO[bytes],
) -> RosterResult:
    """Only the inspector or a member of its team (谁检查、谁签字、谁负责)."""
    access.require(actor, Permission.persons_write)
    insp = await get_inspection_row(session, actor, inspection_id, for_update=True)
    await require_participant(session, actor, insp)
    require_open(insp)
    holder = persons.Holder(None, insp.id, await place_path(session, insp))
    return await roster_import.import_rows(session, actor, settings, holder, file)


async def list_inspection_persons(
    session: AsyncSession, actor: Actor, inspection_id: uuid.UUID | str
) -> PersonList:
    insp = await get_inspection_row(session, actor, inspection_id)
    if not (
        case_visibility.sees_every_case_whole(actor) or actor.agency_kind in persons.PEOPLE_KINDS
    ):
        try:
            await require_participant(session, actor, insp)
        except Forbidden:
            raise NotFound(f"No inspection {insp.id} in your area.") from None
    found = list(
        (
            await session.exec(
                select(Person)
                .where(Person.inspection_id == insp.id)
                .order_by(col(Person.created_at), col(Person.id))
            )
        ).all()
    )
    views = await person_views.views_of(session, found)
    return PersonList(items=views, totals=person_views.totals_of(views))
