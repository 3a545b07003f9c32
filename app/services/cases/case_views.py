"""What a caller sees of a case: the list, the detail, the timeline.

Protective-umbrella (保护伞) parts are shown by the rule of `case_visibility`: who
does not see them gets the case without the restricted assignments, their types,
the sources that alleged them, their timeline entries and their severity.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.chinatime import china_date
from app.domain.clocks import PENDING_RECTIFICATION, Clock, overdue_clocks
from app.domain.deadlines import is_overdue
from app.domain.permissions import Actor
from app.domain.routing import KIND_ORDER
from app.domain.taxonomy import VIOLATION_CODES
from app.errors import unprocessable
from app.models.base import utcnow
from app.models.cases import Assignment, Case, CaseSourceRecord, Escalation, Rectification
from app.models.employers import Employer
from app.models.reference import Agency
from app.services.cases import person_views
from app.services.cases.cases import case_scope, get_case
from app.services.cases.clocks import overdue_condition
from app.services.core import case_visibility
from app.services.core.pagination import after, clamp, encode_cursor


def _assignment_view(
    a: Assignment, agency: Agency, now: datetime, rects: Sequence[Rectification] = ()
) -> dict[str, Any]:
    pending = [
        r.deadline for r in rects if r.assignment_id == a.id and r.status in PENDING_RECTIFICATION
    ]
    return {
        "id": a.id,
        "agency": {"id": agency.id, "kind": agency.kind, "name": agency.name},
        "role": a.role,
        "status": a.status,
        "due_at": a.due_at,
        "reason": a.reason,
        "overdue": is_overdue(a.due_at, now, a.status != "pending"),
        "rule_version": a.rule_version,
        "violation_types": a.violation_types,
        "accepted_at": a.accepted_at,
        "concluded_at": a.concluded_at,
        "conclusion": a.conclusion,
        "declined_reason": a.declined_reason,
        "rerouted_to": a.rerouted_to,
        "created_at": a.created_at,
        "case_number": a.case_number,
        "filed_at": a.filed_at,
        "investigate_by": a.investigate_by,
        "owner_id": a.owner_id,
        "overdue_clocks": overdue_clocks(
            status=a.status,
            due_at=a.due_at,
            investigate_by=a.investigate_by,
            rectify_by=min(pending, default=None),
            now=now,
            today=china_date(now),
        ),
    }


async def _timeline(
    session: AsyncSession, case: Case, assignment_ids: list[uuid.UUID], hidden_ids: set[uuid.UUID]
) -> list[dict[str, Any]]:
    rect_ids = (
        await session.exec(
            select(Rectification.id).where(
                Rectification.case_id == case.id,
                sa.or_(
                    col(Rectification.assignment_id).is_(None),
                    col(Rectification.assignment_id).not_in(hidden_ids),
                ),
            )
        )
    ).all()
    esc_ids = (
        await session.exec(
            select(Escalation.id).where(
                Escalation.case_id == case.id, col(Escalation.subject_id).not_in(hidden_ids)
            )
        )
    ).all()
    ids = [str(i) for i in [case.id, *assignment_ids, *rect_ids, *esc_ids]]
    return await auditlog.entries_about(session, ids)


def _unnamed(
    entries: list[dict[str, Any]], hidden_agencies: set[uuid.UUID]
) -> list[dict[str, Any]]:
    """Entries on the case itself made by an agency whose only share is hidden (the
    supervision bureau starting the case) keep their action but not who did it."""
    return [
        {**e, "actor_id": None, "agency_id": None} if e["agency_id"] in hidden_agencies else e
        for e in entries
    ]


async def case_public(session: AsyncSession, actor: Actor, case: Case) -> dict[str, Any]:
    """The case detail as API.md names it, with restricted parts left out for local agencies."""
    now = utcnow()
    rows = (
        await session.exec(
            select(Assignment, Agency)
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(Assignment.case_id == case.id)
        )
    ).all()
    rows = sorted(
        rows,
        key=lambda r: (
            r[0].created_at,
            r[0].role != "lead",
            KIND_ORDER.get(r[1].kind, 99),
            str(r[0].id),
        ),
    )
    all_assignments = [a for a, _ in rows]
    seen = case_visibility.sight(actor, case, all_assignments)
    shown_ids = {a.id for a in seen.assignments}
    privileged = seen.whole
    sources = (
        await session.exec(
            select(CaseSourceRecord)
            .where(CaseSourceRecord.case_id == case.id)
            .order_by(col(CaseSourceRecord.added_at))
        )
    ).all()
    hidden_text = {s.summary for s in sources if s.restricted and not privileged}
    sources = [s for s in sources if privileged or not s.restricted]
    employer = await session.get(Employer, case.employer_id)
    assert employer is not None
    rects = (
        await session.exec(
            select(Rectification)
            .where(
                Rectification.case_id == case.id, col(Rectification.assignment_id).in_(shown_ids)
            )
            .order_by(col(Rectification.created_at))
        )
    ).all()
    return {
        "id": case.id,
        "status": case.status,
        "severity": seen.severity(case),
        "employer": {
            "id": employer.id,
            "name": employer.name,
            "uscc": employer.uscc,
            "industry": employer.industry,
            "jurisdiction_id": employer.jurisdiction_id,
            "address": employer.address,
        },
        "violation_types": seen.types(case),
        "description": "" if case.description in hidden_text else case.description,
        "umbrella": case.umbrella if privileged else False,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "summary": case.summary,
        "reason": case.reason,
        "findings": [
            {
                "id": s.id,
                "violation_types": s.violation_types,
                "summary": s.summary,
                "workers_affected": s.workers_affected,
                "amount_owed": s.amount_owed,
                "inspection_finding_id": s.source_id,
            }
            for s in sources
            if s.kind == "finding"
        ],
        "tip_ids": [s.source_id for s in sources if s.kind == "tip" and s.source_id],
        "persons": await person_views.case_totals(session, actor, case),
        "assignments": [_assignment_view(a, g, now, rects) for a, g in rows if a.id in shown_ids],
        "rectifications": [
            {
                "id": r.id,
                "assignment_id": r.assignment_id,
                "ordered_on": r.ordered_on,
                "deadline": r.deadline,
                "status": r.status,
                "corrected_on": r.corrected_on,
            }
            for r in rects
        ],
        "timeline": _unnamed(
            await _timeline(
                session,
                case,
                [a.id for a in seen.assignments],
                {a.id for a in all_assignments} - shown_ids,
            ),
            {a.agency_id for a in all_assignments} - {a.agency_id for a in seen.assignments},
        ),
    }


async def read_case(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | str
) -> dict[str, Any]:
    return await case_public(session, actor, await get_case(session, actor, case_id))


async def list_cases(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str | None = None,
    violation_type: str | None = None,
    employer_id: uuid.UUID | None = None,
    overdue: bool | Clock | None = None,
    declined: bool | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first. `overdue=True`: an assignment past its deadline unaccepted or a
    rectification past its deadline (as it always meant); a `Clock`: an assignment the
    caller sees whose that clock has run out; `declined`: a declined assignment waiting
    to be re-routed."""
    n, now = clamp(limit), utcnow()
    query = select(Case, Employer.name).join(Employer, col(Employer.id) == col(Case.employer_id))
    query = query.where(case_scope(actor))
    visible_share = case_visibility.assignment_shown(actor)
    if status is not None:
        query = query.where(Case.status == status)
    if employer_id is not None:
        query = query.where(Case.employer_id == employer_id)
    if violation_type is not None:
        if violation_type not in VIOLATION_CODES:
            raise unprocessable(["query", "violation_type"], "Not a known violation type.")
        query = query.where(case_visibility.type_filter(actor, violation_type))
    if overdue is not None:
        today = china_date(now)
        clocks = [Clock.accept, Clock.rectify] if isinstance(overdue, bool) else [overdue]
        late = sa.exists().where(
            col(Assignment.case_id) == col(Case.id),
            visible_share,
            sa.or_(*(overdue_condition(c, now, today) for c in clocks)),
        )
        query = query.where(sa.not_(late) if overdue is False else late)
    if declined:
        query = query.where(
            sa.exists().where(
                col(Assignment.case_id) == col(Case.id),
                visible_share,
                col(Assignment.status) == "declined",
                col(Assignment.rerouted_to).is_(None),
            )
        )
    keys = [col(Case.opened_at), col(Case.id)]
    query = query.where(after(keys, cursor, [datetime, uuid.UUID], descending=True))
    rows = list((await session.exec(query.order_by(*(k.desc() for k in keys)).limit(n + 1))).all())
    more, rows = len(rows) > n, rows[:n]
    by_case: dict[uuid.UUID, list[Assignment]] = {}
    for a in (
        await session.exec(
            select(Assignment).where(col(Assignment.case_id).in_([c.id for c, _ in rows]))
        )
    ).all():
        by_case.setdefault(a.case_id, []).append(a)
    items = []
    for c, name in rows:
        seen = case_visibility.sight(actor, c, by_case.get(c.id, []))
        shown = seen.assignments
        items.append(
            {
                "id": c.id,
                "status": c.status,
                "severity": seen.severity(c),
                "employer": {"id": c.employer_id, "name": name},
                "violation_types": seen.types(c),
                "opened_at": c.opened_at,
                "closed_at": c.closed_at,
                "overdue": any(is_overdue(a.due_at, now, a.status != "pending") for a in shown),
                "declined": sum(1 for a in shown if a.status == "declined" and not a.rerouted_to),
            }
        )
    last = rows[-1][0] if rows else None
    return items, encode_cursor(last.opened_at, last.id) if more and last else None
