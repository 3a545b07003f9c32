"""What of a case an actor may see: the one rule of protective-umbrella (保护伞) secrecy.

A finding of `official_misconduct` (公职人员失职渎职、参与非法经营、充当保护伞), or a tip
alleging that officials shield the employer, accuses officials of the employer's own
area. The router sends that part to supervision above the employer's county as a
*restricted* assignment (`app/domain/routing.py`). The restricted part is seen only by

- the system;
- the office (leading-group office, admin, auditor) whose area holds the case;
- an agency holding a restricted assignment on the case (supervision above the county,
  or whoever a referral or re-routing of that share reached — also above the county);
- on an inspection, also its inspector and team, who wrote and signed it
  (谁检查、谁签字、谁负责).

Everyone else — the county's agencies, their officers, inspectors and service
accounts — sees the case as if the restricted part did not exist, on every read path
(case detail and list, both ledgers, inspections, the queue, the change feed,
webhooks and the statistics table): no restricted assignment, no violation type that
only restricted assignments carry, no source that alleged it, no `official_misconduct`
finding or count of them, and a severity and deadlines computed without it
(`Case.unrestricted_severity`; unrestricted assignments are due by that severity).
A severity of `critical` on a wage-arrears case would otherwise tell the county that
something graver is hidden.

Agency systems read by share: an agency whose own assignment is restricted sees the
case whole, any other sees the unrestricted part, whatever account asks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import Actor
from app.domain.routing import UMBRELLA_TYPE
from app.models.cases import Assignment, Case
from app.models.inspections import Finding, Inspection, TeamMember
from app.services.core import access


def sees_every_case_whole(actor: Actor) -> bool:
    """The system, and the office within its own area (every case it can read)."""
    return actor.kind == "system" or actor.is_office


def _privileged(actor: Actor, case: Case) -> bool:
    return sees_every_case_whole(actor) and access.in_subtree(actor, case.jurisdiction_path)


def sees_restricted(actor: Actor, case: Case, assignments: Sequence[Assignment]) -> bool:
    """Whether `actor` sees the case whole; `assignments` are all of the case's."""
    return _privileged(actor, case) or any(
        a.restricted and a.agency_id == actor.agency_id for a in assignments
    )


def hidden_types(assignments: Iterable[Assignment]) -> set[str]:
    """The types only restricted assignments carry: hidden from who does not see them."""
    shares = list(assignments)
    restricted = {t for a in shares if a.restricted for t in a.violation_types}
    return restricted - {t for a in shares if not a.restricted for t in a.violation_types}


@dataclass(frozen=True, slots=True)
class CaseSight:
    """What one actor sees of one case."""

    whole: bool
    assignments: list[Assignment]
    hidden: frozenset[str]

    def types(self, case: Case) -> list[str]:
        return [t for t in case.violation_types if t not in self.hidden]

    def severity(self, case: Case) -> str:
        return case.severity if self.whole else case.unrestricted_severity


def sight(actor: Actor, case: Case, assignments: Sequence[Assignment]) -> CaseSight:
    if sees_restricted(actor, case, assignments):
        return CaseSight(True, list(assignments), frozenset())
    return CaseSight(
        False, [a for a in assignments if not a.restricted], frozenset(hidden_types(assignments))
    )


def visible_types(actor: Actor, case: Case, assignments: Sequence[Assignment]) -> list[str]:
    return sight(actor, case, assignments).types(case)


def share_severity(case: Case, share: Assignment, *, office: bool = False) -> str:
    """The case severity as the agency holding `share` sees it (queue, feed, webhooks)."""
    return case.severity if share.restricted or office else case.unrestricted_severity


def severity_column(*, whole: bool) -> Any:
    """`share_severity` in SQL, for a query joining an agency's Assignment to its Case;
    `whole`: the reader is the office (`sees_every_case_whole`)."""
    if whole:
        return col(Case.severity)
    return sa.case(
        (col(Assignment.restricted).is_(True), col(Case.severity)),
        else_=col(Case.unrestricted_severity),
    )


def type_filter(actor: Actor, violation_type: str) -> ColumnElement[bool]:
    """Cases with `violation_type` among the types `sight` would show the actor."""

    def has(column: Any) -> ColumnElement[bool]:
        return sa.cast(column, sa.String).like(f'%"{violation_type}"%')

    named = has(col(Case.violation_types))
    if sees_every_case_whole(actor):  # case_scope keeps them in their subtree
        return named
    on_case = col(Assignment.case_id) == col(Case.id)
    mine = col(Assignment.agency_id) == actor.agency_id
    restricted = col(Assignment.restricted).is_(True)
    return sa.and_(
        named,
        sa.or_(
            sa.exists().where(on_case, restricted, mine),
            sa.exists().where(
                on_case, col(Assignment.restricted).is_(False), has(col(Assignment.violation_types))
            ),
            sa.not_(sa.exists().where(on_case, restricted, has(col(Assignment.violation_types)))),
        ),
    )


def assignment_shown(actor: Actor) -> ColumnElement[bool]:
    """A condition on Assignment: those `sight` shows the actor (for filters on a case's
    assignments, so that an overdue or declined restricted share filters nothing in)."""
    if sees_every_case_whole(actor):
        return sa.true()
    held = aliased(Assignment)
    mine = actor.agency_id
    return sa.or_(
        col(Assignment.restricted).is_(False),
        sa.exists().where(
            col(held.case_id) == col(Assignment.case_id),
            col(held.restricted).is_(True),
            col(held.agency_id) == mine,
        ),
    )


def restricted_finding(finding: Finding) -> bool:
    return finding.violation_type == UMBRELLA_TYPE


async def inspections_seen_whole(
    session: AsyncSession, actor: Actor, inspections: Sequence[Inspection]
) -> set[uuid.UUID]:
    """Of these inspections (all visible to `actor`), those whose `official_misconduct`
    findings the actor may read: the office's, its inspector's and team's, and those of
    an agency holding a restricted share of the case the inspection went to."""
    if sees_every_case_whole(actor):
        return {i.id for i in inspections}
    uid = access.user_id_of(actor)
    teams: set[uuid.UUID] = set()
    if uid is not None:
        teams = set(
            (await session.exec(select(TeamMember.team_id).where(TeamMember.user_id == uid))).all()
        )
    whole = {
        i.id
        for i in inspections
        if uid is not None and (i.inspector_id == uid or i.team_id in teams)
    }
    case_ids = {i.case_id for i in inspections if i.case_id is not None}
    if case_ids and actor.agency_id is not None:
        held = set(
            (
                await session.exec(
                    select(Assignment.case_id).where(
                        col(Assignment.case_id).in_(case_ids),
                        col(Assignment.restricted).is_(True),
                        Assignment.agency_id == actor.agency_id,
                    )
                )
            ).all()
        )
        whole |= {i.id for i in inspections if i.case_id in held}
    return whole


def shown_findings(findings: Sequence[Finding], whole: bool) -> list[Finding]:
    return list(findings) if whole else [f for f in findings if not restricted_finding(f)]


RESTRICTED_FIGURE = f"findings_{UMBRELLA_TYPE}"


def figures_seen(actor: Actor, figures: Mapping[str, Any]) -> dict[str, Any]:
    """A statistics row as `actor` may read it: who does not see cases whole (an agency's
    service account) gets no count of `official_misconduct` findings, in the column or
    in the total of findings."""
    if sees_every_case_whole(actor) or RESTRICTED_FIGURE not in figures:
        return dict(figures)
    out = {k: v for k, v in figures.items() if k != RESTRICTED_FIGURE}
    out["findings"] = out.get("findings", 0) - figures[RESTRICTED_FIGURE]
    return out
