"""Triage (有报必查): every tip is opened into a case, linked, marked duplicate or rejected.

Suggestions of the likely employer and of likely duplicate tips are for a
person to confirm, never automatic merges; the candidate queries are bounded.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.lifecycles import TIP, ReasonRequiredError, TransitionError, transition
from app.domain.matching import rank_candidates
from app.domain.permissions import Actor, Permission
from app.errors import Conflict, unprocessable
from app.models.base import utcnow
from app.models.employers import Employer
from app.models.reference import Jurisdiction
from app.models.tips import Tip
from app.services.core import access
from app.services.registry.routing import path_ids
from app.services.tipline import tip_cases
from app.services.tipline.tips import check_violation_types, get_tip, tip_scope

MAX_CANDIDATES = 500
_PLACE_SUFFIX = re.compile(r"(省|市|县|区|镇|乡|村|街道)$")
_ACTIONS = {
    "open_case": "triage",
    "link_case": "triage",
    "reject": "reject",
    "duplicate": "mark_duplicate",
}


@dataclass(frozen=True, slots=True)
class EmployerCandidate:
    id: uuid.UUID
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class Suggestions:
    employers: list[tuple[EmployerCandidate, float]]
    duplicates: list[tuple[Tip, float]]


async def _area(session: AsyncSession, tip: Tip) -> tuple[str, list[str]]:
    """The path to search under (the tip's county, if it names a place below one) and the
    place names to ignore when comparing employer names."""
    ids = path_ids(tip.scope_path)
    places = (
        list((await session.exec(select(Jurisdiction).where(col(Jurisdiction.id).in_(ids)))).all())
        if ids
        else []
    )
    names = [p.name for p in places] + [_PLACE_SUFFIX.sub("", p.name) for p in places]
    county = next((p for p in places if p.level == "county"), None)
    return (county.path if county else tip.scope_path), [n for n in names if n]


async def suggest(session: AsyncSession, actor: Actor, tip: Tip) -> Suggestions:
    base, places = await _area(session, tip)
    employers = [
        EmployerCandidate(*row)
        for row in (
            await session.exec(
                select(Employer.id, Employer.name, Employer.address)
                .join(Jurisdiction, col(Employer.jurisdiction_id) == col(Jurisdiction.id))
                .where(
                    col(Jurisdiction.path).startswith(base, autoescape=True),
                    access.jurisdiction_scope(actor),
                )
                .order_by(col(Employer.created_at).desc())
                .limit(MAX_CANDIDATES)
            )
        ).all()
    ]
    by_id = {e.id: e for e in employers}
    ranked = rank_candidates(
        tip.employer_name, tip.address, [(e.id, e.name, e.address) for e in employers], places
    )
    others = list(
        (
            await session.exec(
                select(Tip)
                .where(
                    col(Tip.scope_path).startswith(base, autoescape=True),
                    tip_scope(actor),
                    Tip.id != tip.id,
                    col(Tip.status).in_(["received", "triaged"]),
                )
                .order_by(col(Tip.received_at).desc())
                .limit(MAX_CANDIDATES)
            )
        ).all()
    )
    tips_by_id = {t.id: t for t in others}
    dupes = rank_candidates(
        tip.employer_name, tip.address, [(t.id, t.employer_name, t.address) for t in others], places
    )
    return Suggestions([(by_id[i], s) for i, s in ranked], [(tips_by_id[i], s) for i, s in dupes])


def _next_status(tip: Tip, decision: str, reason: str | None) -> str:
    try:
        return transition(TIP, tip.status, _ACTIONS[decision], reason=reason)
    except TransitionError:
        raise Conflict(f"This tip is {tip.status} already; it can be triaged only once.") from None
    except ReasonRequiredError:
        raise unprocessable(["body", "reason"], "A rejection needs a reason.") from None


async def _duplicate_target(
    session: AsyncSession, actor: Actor, tip: Tip, duplicate_of: uuid.UUID | None
) -> Tip:
    if duplicate_of is None:
        raise unprocessable(["body", "duplicate_of"], "Name the tip this one duplicates.")
    if duplicate_of == tip.id:
        raise unprocessable(["body", "duplicate_of"], "A tip cannot duplicate itself.")
    return await get_tip(session, actor, duplicate_of)


async def triage_tip(
    session: AsyncSession,
    actor: Actor,
    *,
    tip_id: uuid.UUID | str,
    decision: str,
    employer_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    duplicate_of: uuid.UUID | None = None,
    violation_types: Sequence[str] | None = None,
    reason: str | None = None,
) -> Tip:
    """Decide a received tip. open_case routes a case at once; link_case adds the tip to an
    open case; duplicate follows another tip; reject needs a reason the tipster will read."""
    access.require(actor, Permission.tips_triage)
    tip = await get_tip(session, actor, tip_id, for_update=True)
    before = {"status": tip.status, "case_id": tip.case_id}
    status = _next_status(tip, decision, reason)
    types = (
        await check_violation_types(session, violation_types)
        if violation_types is not None
        else list(tip.violation_types)
    )
    if decision == "open_case":
        tip.case_id, tip.employer_id = await tip_cases.open_case_for(
            session, actor, tip, employer_id, types
        )
    elif decision == "link_case":
        tip.case_id, tip.employer_id = await tip_cases.link_case_for(
            session, actor, tip, case_id, types
        )
    elif decision == "duplicate":
        original = await _duplicate_target(session, actor, tip, duplicate_of)
        tip.duplicate_of, tip.case_id = original.id, original.case_id
    tip.status, tip.violation_types, tip.reason = status, types, reason
    tip.triaged_at = tip.updated_at = utcnow()
    session.add(tip)
    await session.flush()
    auditlog.record(
        session,
        actor,
        f"tip.{_ACTIONS[decision]}",
        "tip",
        tip.id,
        before=before,
        after={
            "status": status,
            "decision": decision,
            "case_id": tip.case_id,
            "employer_id": tip.employer_id,
            "duplicate_of": tip.duplicate_of,
            "violation_types": types,
            "reason": reason,
        },
        jurisdiction_path=tip.scope_path,
    )
    return tip
