"""The named queries behind the national form's columns: each counts one thing over the
records, by the employer's industry, for a place's subtree, a campaign, and the days
from the campaign's start to the end of a period (China time).

A template column names its query and arguments (`types`: violation types, `type`: an
action type). A column naming a query not in QUERIES is not collected.

Counting rules (for the office):
- inspection_staff (人次): signatures on the campaign's signed original inspections
  visited by the period's end (an amendment is paperwork, not another visit).
- inspected_employers (户), inspected_workers (人): employers with a counted inspection
  (signed, not replaced by a signed amendment) visited by then, and the workers of each
  one's latest such inspection, so a revisit does not count the same workers twice.
- finding_employers (户), finding_workers (人): employers whose counted inspections found
  one of `types`, and the workers those findings affected.
- action_amount (yuan, shown in 万元), action_people (人), action_employers (户): actions
  of `type` recorded within the days, on cases under the place.
- transfers_sent (件): cases under the place with a criminal transfer sent to the police
  within the days (国务院令第310号), once per case.
- tips_received (件): tips received within the days under the place; tips_concluded
  (查结): of those, the ones rejected, merged as duplicates, or whose case is closed.
  A tip counts in its employer's row, 其他 when it names none.
- persons_rescued (人): people taken out of a site, from the persons recorded on the case
  where it records them, else from its action, as the statistics table counts them
  (stats_queries): `role: child` the children recorded within the days (解救童工);
  `handover: home` those handed to a guardian, escorted or collected home within the
  days (解救农民工). A case with no such person recorded by the period's end counts its
  `action` (children_rescued, persons_repatriated) of the days instead, never both.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.chinatime import china_date
from app.domain.lifecycles import TRANSFER_SENT, InspectionStatus, TipStatus
from app.domain.taxonomy import Industry
from app.models.cases import Action, Case, Transfer
from app.models.employers import Employer
from app.models.inspections import Finding, Inspection, InspectionSignature
from app.models.persons import Person, PersonPayment
from app.models.publicity import Publicity
from app.models.reference import Jurisdiction
from app.models.tips import Tip
from app.services.inspections.stats_tally import counted
from app.services.reports.stats_queries import RETURNED_HOME

ByIndustry = dict[str, int | Decimal]


@dataclass(frozen=True, slots=True)
class FormScope:
    campaign_id: uuid.UUID
    prefix: str  # the place's jurisdiction path
    start: datetime  # the campaign's first instant
    end: datetime  # exclusive: the instant after the period's last day (China)
    end_day: date


Query = Callable[[AsyncSession, FormScope, Mapping[str, Any]], Awaitable[ByIndustry]]


def _under(path: Any, scope: FormScope) -> ColumnElement[bool]:
    return col(path).startswith(scope.prefix, autoescape=True)


def _within(at: Any, scope: FormScope) -> list[ColumnElement[bool]]:
    return [col(at) >= scope.start, col(at) < scope.end]


async def _grouped(session: AsyncSession, q: Any) -> ByIndustry:
    out: ByIndustry = {}
    for industry, value in (await session.exec(q)).all():
        if value is not None:
            key = industry or Industry.other.value
            out[key] = out.get(key, 0) + (
                value if isinstance(value, int | Decimal) else Decimal(str(value))
            )
    return out


def _inspections(scope: FormScope, i: Any) -> list[ColumnElement[bool]]:
    return [
        col(i.campaign_id) == scope.campaign_id,
        col(i.visited_on) <= scope.end_day,
        col(i.jurisdiction_id).in_(select(Jurisdiction.id).where(_under(Jurisdiction.path, scope))),
    ]


async def inspection_staff(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    q = (
        select(Employer.industry, sa.func.count(col(InspectionSignature.id)))
        .select_from(InspectionSignature)
        .join(Inspection, col(Inspection.id) == col(InspectionSignature.inspection_id))
        .join(Employer, col(Employer.id) == col(Inspection.employer_id))
        .where(
            *_inspections(scope, Inspection),
            col(Inspection.status) == InspectionStatus.signed.value,
            col(Inspection.amends_id).is_(None),
        )
        .group_by(col(Employer.industry))
    )
    return await _grouped(session, q)


@lru_cache(maxsize=16)
def _counted_subquery(scope: FormScope) -> Any:
    """Built once per scope: the form asks it for several columns."""
    i = aliased(Inspection)
    rank = sa.func.row_number().over(
        partition_by=col(i.employer_id),
        order_by=(col(i.visited_on).desc(), col(i.signed_at).desc(), col(i.id).desc()),
    )
    return (
        select(
            col(i.id).label("id"),
            col(i.employer_id).label("employer_id"),
            col(i.total).label("total"),
            rank.label("rank"),
        )
        .where(*counted(i), *_inspections(scope, i))
        .subquery("counted")
    )


async def inspected_employers(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    c = _counted_subquery(scope)
    q = (
        select(Employer.industry, sa.func.count(sa.distinct(c.c.employer_id)))
        .select_from(c)
        .join(Employer, col(Employer.id) == c.c.employer_id)
        .group_by(col(Employer.industry))
    )
    return await _grouped(session, q)


async def inspected_workers(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    c = _counted_subquery(scope)
    q = (
        select(Employer.industry, sa.func.sum(c.c.total))
        .select_from(c)
        .join(Employer, col(Employer.id) == c.c.employer_id)
        .where(c.c.rank == 1)
        .group_by(col(Employer.industry))
    )
    return await _grouped(session, q)


def _types(args: Mapping[str, Any]) -> list[str]:
    raw = args.get("types") or []
    return [raw] if isinstance(raw, str) else [str(t) for t in raw]


async def finding_employers(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    c = _counted_subquery(scope)
    q = (
        select(Employer.industry, sa.func.count(sa.distinct(c.c.employer_id)))
        .select_from(c)
        .join(Finding, col(Finding.inspection_id) == c.c.id)
        .join(Employer, col(Employer.id) == c.c.employer_id)
        .where(col(Finding.violation_type).in_(_types(args)))
        .group_by(col(Employer.industry))
    )
    return await _grouped(session, q)


async def finding_workers(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    c = _counted_subquery(scope)
    q = (
        select(Employer.industry, sa.func.coalesce(sa.func.sum(Finding.workers_affected), 0))
        .select_from(c)
        .join(Finding, col(Finding.inspection_id) == c.c.id)
        .join(Employer, col(Employer.id) == c.c.employer_id)
        .where(col(Finding.violation_type).in_(_types(args)))
        .group_by(col(Employer.industry))
    )
    return await _grouped(session, q)


def _actions(scope: FormScope, args: Mapping[str, Any], measure: Any) -> Any:
    return (
        select(Employer.industry, measure)
        .select_from(Action)
        .join(Case, col(Case.id) == col(Action.case_id))
        .join(Employer, col(Employer.id) == col(Case.employer_id))
        .where(
            col(Action.type) == str(args.get("type")),
            _under(Case.jurisdiction_path, scope),
            *_within(Action.created_at, scope),
        )
        .group_by(col(Employer.industry))
    )


async def action_amount(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    return await _grouped(session, _actions(scope, args, sa.func.sum(Action.amount)))


async def action_people(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    return await _grouped(session, _actions(scope, args, sa.func.sum(Action.count)))


async def action_employers(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    measure = sa.func.count(sa.distinct(col(Case.employer_id)))
    return await _grouped(session, _actions(scope, args, measure))


async def transfers_sent(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    q = (
        select(Employer.industry, sa.func.count(sa.distinct(col(Transfer.case_id))))
        .select_from(Transfer)
        .join(Case, col(Case.id) == col(Transfer.case_id))
        .join(Employer, col(Employer.id) == col(Case.employer_id))
        .where(
            col(Transfer.status).in_(TRANSFER_SENT),
            _under(Case.jurisdiction_path, scope),
            *_within(Transfer.sent_at, scope),
        )
        .group_by(col(Employer.industry))
    )
    return await _grouped(session, q)


def _tips(scope: FormScope, *extra: ColumnElement[bool]) -> Any:
    return (
        select(Employer.industry, sa.func.count(col(Tip.id)))
        .select_from(Tip)
        .outerjoin(Employer, col(Employer.id) == col(Tip.employer_id))
        .outerjoin(Case, col(Case.id) == col(Tip.case_id))
        .where(_under(Tip.scope_path, scope), *_within(Tip.received_at, scope), *extra)
        .group_by(col(Employer.industry))
    )


async def tips_received(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    return await _grouped(session, _tips(scope))


async def tips_concluded(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    done = sa.or_(
        col(Tip.status).in_((TipStatus.rejected.value, TipStatus.duplicate.value)),
        col(Case.status) == "closed",
    )
    return await _grouped(session, _tips(scope, done))


def _publicity(scope: FormScope, kind: str) -> Any:
    """Publicity work of `kind` recorded for places under the place, on days within the
    period; it belongs to no site, so it is counted in the 其他 row."""
    return select(sa.literal(None), sa.func.sum(col(Publicity.count))).where(
        col(Publicity.campaign_id) == scope.campaign_id,
        col(Publicity.kind) == kind,
        _under(Publicity.jurisdiction_path, scope),
        col(Publicity.on) <= scope.end_day,
    )


async def persons_advance_fund(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    """财政垫付 (yuan, shown in 万元): wages paid to workers from an advance fund, as
    recorded person by person on cases under the place, by the period's end."""
    q = (
        select(Employer.industry, sa.func.sum(col(PersonPayment.amount)))
        .select_from(PersonPayment)
        .join(Case, col(Case.id) == col(PersonPayment.case_id))
        .join(Employer, col(Employer.id) == col(Case.employer_id))
        .where(
            col(PersonPayment.source) == "advance_fund",
            _under(Case.jurisdiction_path, scope),
            col(PersonPayment.paid_on) <= scope.end_day,
        )
        .group_by(col(Employer.industry))
    )
    return await _grouped(session, q)


async def persons_rescued(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    """See the module's rules: persons recorded, else the case's action, never both."""
    if args.get("role"):
        who = col(Person.role) == str(args["role"])
        when = _within(Person.created_at, scope)
    else:
        who = col(Person.handover_kind).in_(RETURNED_HOME)
        when = [
            col(Person.handover_on) >= china_date(scope.start),
            col(Person.handover_on) <= scope.end_day,
        ]
    recorded = (
        select(Employer.industry, sa.func.count(col(Person.id)))
        .select_from(Person)
        .join(Case, col(Case.id) == col(Person.case_id))
        .join(Employer, col(Employer.id) == col(Case.employer_id))
        .where(who, *when, _under(Case.jurisdiction_path, scope))
        .group_by(col(Employer.industry))
    )
    out = await _grouped(session, recorded)
    action = args.get("action")
    if action:
        # NOT IN over a NULL would drop every action: persons of no case are left out
        with_persons = select(Person.case_id).where(who, *when, col(Person.case_id).is_not(None))
        q = _actions(scope, {"type": action}, sa.func.sum(Action.count)).where(
            col(Action.case_id).not_in(with_persons)
        )
        for industry, n in (await _grouped(session, q)).items():
            out[industry] = out.get(industry, 0) + n
    return out


async def publicity_leaflets(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    """发放宣传资料 (份): leaflets handed out, from the publicity record."""
    return await _grouped(session, _publicity(scope, "leaflets"))


async def publicity_consultations(
    session: AsyncSession, scope: FormScope, args: Mapping[str, Any]
) -> ByIndustry:
    """法律咨询 (人次): people given legal consultation, from the publicity record."""
    return await _grouped(session, _publicity(scope, "consultation"))


QUERIES: dict[str, Query] = {
    "persons_rescued": persons_rescued,
    "persons_advance_fund": persons_advance_fund,
    "publicity_leaflets": publicity_leaflets,
    "publicity_consultations": publicity_consultations,
    "inspection_staff": inspection_staff,
    "inspected_employers": inspected_employers,
    "inspected_workers": inspected_workers,
    "finding_employers": finding_employers,
    "finding_workers": finding_workers,
    "action_amount": action_amount,
    "action_people": action_people,
    "action_employers": action_employers,
    "transfers_sent": transfers_sent,
    "tips_received": tips_received,
    "tips_concluded": tips_concluded,
}
