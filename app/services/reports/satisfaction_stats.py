"""Satisfaction rates (满意率) per office and per agency, from the reporters' answers.

An answer counts once per tip (its latest, about the case's latest closing). It counts
for the office of the tip's area (the nearest coordinator office at or above the tip's
place) and for each agency that worked the case (every share but a declined one; a
restricted 保护伞 share only for readers who may see it, as on every read path).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.chinatime import day_ends, day_starts
from app.domain.lifecycles import AssignmentStatus
from app.domain.permissions import Actor, Permission
from app.domain.reporter_loop import Rate
from app.domain.taxonomy import AgencyKind
from app.models.cases import Assignment
from app.models.reference import Agency, Jurisdiction
from app.models.reporter_loop import RehandlingRequest, TipFeedback
from app.models.tips import Tip
from app.services.core import access, case_visibility


@dataclass(frozen=True, slots=True)
class Row:
    agency: Agency
    rate: Rate
    rehandling_requests: int


@dataclass(frozen=True, slots=True)
class Satisfaction:
    jurisdiction_id: uuid.UUID | None
    since: date | None
    until: date | None
    offices: list[Row]
    agencies: list[Row]


def _nearest_office(path: str, offices: list[tuple[str, Agency]]) -> Agency | None:
    best: tuple[str, Agency] | None = None
    for office_path, agency in offices:
        if path.startswith(office_path) and (best is None or len(office_path) > len(best[0])):
            best = (office_path, agency)
    return best[1] if best else None


def _rows(
    agencies: dict[uuid.UUID, Agency],
    answers: dict[uuid.UUID, list[bool]],
    requests: dict[uuid.UUID, int],
) -> list[Row]:
    out = [
        Row(
            agencies[aid],
            Rate(len(answers.get(aid, [])), sum(answers.get(aid, []))),
            requests.get(aid, 0),
        )
        for aid in set(answers) | set(requests)
    ]
    return sorted(out, key=lambda r: (r.agency.name, str(r.agency.id)))


async def _agencies(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Agency]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = (await session.exec(select(Agency).where(col(Agency.id).in_(wanted)))).all()
    return {a.id: a for a in rows}


async def satisfaction_stats(
    session: AsyncSession,
    actor: Actor,
    *,
    jurisdiction_id: uuid.UUID | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Satisfaction:
    """Answers given from `since` to `until` (China days, inclusive) about tips in the
    caller's area, or in `jurisdiction_id` within it (404 outside)."""
    access.require(actor, Permission.stats_read)
    if jurisdiction_id is not None:
        path: str | None = (await access.get_jurisdiction(session, actor, jurisdiction_id)).path
    else:
        path = access.own_path(actor)
    if path is None:
        return Satisfaction(jurisdiction_id, since, until, [], [])
    where = [col(Tip.scope_path).startswith(path, autoescape=True)]
    if since is not None:
        where.append(col(TipFeedback.changed_at) >= day_starts(since))
    if until is not None:
        where.append(col(TipFeedback.changed_at) < day_ends(until))
    answers = (
        await session.exec(
            select(TipFeedback.tip_id, TipFeedback.case_id, TipFeedback.satisfied, Tip.scope_path)
            .join(Tip, col(Tip.id) == col(TipFeedback.tip_id))
            .where(*where)
        )
    ).all()
    req_where = [col(RehandlingRequest.scope_path).startswith(path, autoescape=True)]
    if since is not None:
        req_where.append(col(RehandlingRequest.asked_at) >= day_starts(since))
    if until is not None:
        req_where.append(col(RehandlingRequest.asked_at) < day_ends(until))
    requests = (
        await session.exec(
            select(RehandlingRequest.case_id, RehandlingRequest.scope_path).where(*req_where)
        )
    ).all()
    offices = [
        (p, a)
        for a, p in (
            await session.exec(
                select(Agency, Jurisdiction.path)
                .join(Jurisdiction, col(Jurisdiction.id) == col(Agency.jurisdiction_id))
                .where(Agency.kind == AgencyKind.coordinator.value)
            )
        ).all()
    ]
    case_ids = {c for _, c, _, _ in answers if c} | {c for c, _ in requests if c}
    shares: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    if case_ids:
        for case_id, agency_id in (
            await session.exec(
                select(Assignment.case_id, Assignment.agency_id).where(
                    col(Assignment.case_id).in_(list(case_ids)),
                    Assignment.status != AssignmentStatus.declined,
                    case_visibility.assignment_shown(actor),
                )
            )
        ).all():
            shares[case_id].add(agency_id)
    by_office: dict[uuid.UUID, list[bool]] = defaultdict(list)
    by_agency: dict[uuid.UUID, list[bool]] = defaultdict(list)
    office_requests: dict[uuid.UUID, int] = defaultdict(int)
    agency_requests: dict[uuid.UUID, int] = defaultdict(int)
    known: dict[uuid.UUID, Agency] = {a.id: a for _, a in offices}
    for _, answer_case, satisfied, scope in answers:
        office = _nearest_office(scope, offices)
        if office is not None:
            by_office[office.id].append(satisfied)
        for worked in shares.get(answer_case, set()) if answer_case else set():
            by_agency[worked].append(satisfied)
    for request_case, scope in requests:
        office = _nearest_office(scope, offices)
        if office is not None:
            office_requests[office.id] += 1
        for worked in shares.get(request_case, set()) if request_case else set():
            agency_requests[worked] += 1
    known.update(await _agencies(session, set(by_agency) | set(agency_requests)))
    return Satisfaction(
        jurisdiction_id,
        since,
        until,
        _rows(known, by_office, office_requests),
        _rows(known, by_agency, agency_requests),
    )
