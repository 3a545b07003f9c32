"""The one place tips meet cases: opening, linking, and reading a case's state."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.lifecycles import ENDED
from app.domain.permissions import Actor
from app.domain.routing import UMBRELLA_TYPE
from app.errors import Conflict, unprocessable
from app.models.cases import Case
from app.models.tips import Tip
from app.services.cases import cases

case_status = cases.case_status


def _source(tip: Tip, types: Sequence[str]) -> tuple[cases.CaseSource, bool]:
    """The tip as a case source; no type named means `other` (routed to the office).
    A tip saying officials protect the employer is an umbrella (保护伞) allegation."""
    named = tuple(types) or ("other",)
    source = cases.CaseSource(
        kind="tip", id=tip.id, violation_types=named, summary=tip.description[:500]
    )
    return source, UMBRELLA_TYPE in named


async def open_case_for(
    session: AsyncSession,
    actor: Actor,
    tip: Tip,
    employer_id: uuid.UUID | None,
    types: Sequence[str],
) -> tuple[uuid.UUID, uuid.UUID]:
    """File the tip on the employer's open case (opened and routed if there is none)."""
    if employer_id is None:
        raise unprocessable(["body", "employer_id"], "Name the employer the case is about.")
    source, umbrella = _source(tip, types)
    case = await cases.file_case(
        session, actor, employer_id=employer_id, sources=[source], umbrella=umbrella
    )
    return case.id, employer_id


async def link_case_for(
    session: AsyncSession, actor: Actor, tip: Tip, case_id: uuid.UUID | None, types: Sequence[str]
) -> tuple[uuid.UUID, uuid.UUID]:
    """Add the tip to an open case in the caller's area; a closed case is a 409."""
    if case_id is None:
        raise unprocessable(["body", "case_id"], "Name the case to link the tip to.")
    case = await cases.get_case(session, actor, case_id)
    if case.status in ENDED:
        raise Conflict(f"Case {case.id} is {case.status}; open a new case instead.")
    source, umbrella = _source(tip, types)
    filed = await cases.file_case(
        session, actor, employer_id=case.employer_id, sources=[source], umbrella=umbrella
    )
    return filed.id, case.employer_id


async def case_ids_closed_before(session: AsyncSession, cutoff: datetime) -> Sequence[uuid.UUID]:
    """Cases closed or dismissed before `cutoff` that still have a tip with a contact."""
    return (
        await session.exec(
            select(Case.id).where(
                col(Case.status).in_(ENDED),
                col(Case.closed_at) < cutoff,
                col(Case.id).in_(select(Tip.case_id).where(col(Tip.contact).is_not(None))),
            )
        )
    ).all()
