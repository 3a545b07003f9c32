"""The grouped queries behind the statistics table: one per source table, grouped in SQL.

The inspection figures are read from the tallies `stats_tally` keeps as each inspection
is sealed (a few rows per employer and place, not a million findings); tips, cases,
actions and rectifications are counted from their own tables.

Every row is attributed to the child of the requested place whose subtree holds
it: a jurisdiction path is the root-to-node ids each followed by '/', so the
child is the 36 characters after the parent's path (`substr`), and rows lying
on the parent itself group under ''. Only the grouped sums leave the database.

Counting rules (documented for the office):
- Inspections count when signed and in the campaign; a signed inspection that a
  signed amendment corrects is replaced by the amendment.
- Workers covered and contracts signed come from each employer's latest such
  inspection (by visit date), so a revisit does not count the same workers twice.
- Columns in households (户) count distinct employers (the national form's unit):
  employers inspected and employers with problems once each, in the place of their
  latest inspection; suspensions, licences revoked and sites closed once per employer
  and kind, however many such actions its cases carry.
- Staff turned out (人次) are the signatures on the campaign's signed original
  inspections (amendments are paperwork, not another visit).
- Tips count when received within the campaign's dates (China time) under the
  place; cases when opened within them; actions and rectifications when they
  belong to such a case.
- 立案 and 结案 are the enforcing agencies' own legal cases, not the coordination
  record: assignments filed (立案, `filed_at`) within the campaign's dates under the
  place, and of those the ones concluded (结案). A case routed to three agencies and
  filed by two counts two.
- People are counted from the persons recorded on a case where it records them
  (`models/persons.py`): wages recovered are the payments by the employer or its wage
  guarantee, the advance fund (财政垫付) its own column; children and vulnerable persons
  rescued are those recorded; persons returned home those handed to a guardian, escorted
  or collected home. A case that records no such persons still counts its
  `wages_recovered`, `children_rescued` and `persons_repatriated` actions; each such
  column has a `_recorded` twin saying how much came from person records.
- 移送公安机关 counts such cases with a criminal transfer sent to the police
  (国务院令第310号), not cases the router gave the police a share of; 刑事立案
  counts such cases the police filed: on a transfer (their decision `filed`), or on
  a share routed to them by law (their `criminal_case_filed` action). A case
  counts once in each column however many transfers or actions it has.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.lifecycles import TRANSFER_SENT, TransferStatus
from app.domain.stats import (
    ACTION_COUNTED,
    ACTION_SUMMED,
    CHANNEL_ZH,
    CRIMINAL_FILED_ACTION,
    HOUSEHOLD_ACTIONS,
    RECORDED,
    TIP_HANDLED,
    Figures,
    add_into,
    empty_figures,
)
from app.models.cases import Action, Assignment, Case, Rectification, Transfer
from app.models.employers import Employer
from app.models.persons import Person, PersonPayment
from app.models.reference import Jurisdiction
from app.models.stats import StatsEmployerTally, StatsFindingTally
from app.models.tips import Tip
from app.services.core import dialect
from app.services.inspections.stats_tally import HEADS

UUID_LEN = 36


@dataclass(frozen=True, slots=True)
class Scope:
    """The campaign, the parent place's path, and the time window tips and cases count in."""

    campaign_id: uuid.UUID
    prefix: str
    start: datetime
    end: datetime
    today: date


def child_of(scope: Scope, path: Any) -> ColumnElement[str]:
    # Literal ints: PostgreSQL only matches GROUP BY to the SELECT expression if equal.
    start: ColumnElement[int] = sa.literal_column(str(len(scope.prefix) + 1))
    width: ColumnElement[int] = sa.literal_column(str(UUID_LEN))
    return sa.func.substr(path, start, width).label("child")


def under(scope: Scope, path: Any) -> ColumnElement[bool]:
    return col(path).startswith(scope.prefix, autoescape=True)


def _places(scope: Scope) -> Any:
    """Every place under the parent with the child it rolls up to (a few hundred rows)."""
    return (
        select(col(Jurisdiction.id).label("jid"), child_of(scope, Jurisdiction.path))
        .where(under(scope, Jurisdiction.path))
        .subquery("places")
    )


Rows = dict[str, Figures]


def _bucket(rows: Rows, child: str | None) -> Figures:
    return rows.setdefault(child or "", empty_figures())


def _rolled(scope: Scope, inner: Any, keys: tuple[str, ...], sums: tuple[str, ...]) -> Any:
    """Re-group `inner` (grouped by place id `jid`) by child: few rows, so cheap."""
    places = _places(scope)
    return (
        select(
            places.c.child, *(inner.c[k] for k in keys), *(sa.func.sum(inner.c[m]) for m in sums)
        )
        .join(places, places.c.jid == inner.c.jid)
        .group_by(places.c.child, *(inner.c[k] for k in keys))
    )


async def _inspected(session: AsyncSession, scope: Scope, rows: Rows) -> None:
    """Employers inspected (by industry) with the workers of each one's latest inspection,
    staff turned out, and employers with problems. An employer has a tally row per place
    it was inspected in; the latest of its rows under the requested place is the one whose
    workers count, so counting those rows counts employers."""
    t = StatsEmployerTally
    rank = sa.func.row_number().over(
        partition_by=col(t.employer_id),
        order_by=(col(t.visited_on).desc(), col(t.signed_at).desc(), col(t.inspection_id).desc()),
    )
    in_area = select(Jurisdiction.id).where(under(scope, Jurisdiction.path))
    tallied = (
        select(
            col(t.jurisdiction_id).label("jid"),  # type: ignore[call-overload]
            col(t.employer_id),
            *(col(getattr(t, f)) for f in HEADS),
            col(t.with_findings),
            col(t.staff_turnout),
            rank.label("rank"),
            sa.func.max(col(t.with_findings))
            .over(partition_by=col(t.employer_id))
            .label("any_findings"),
        )
        .where(t.campaign_id == scope.campaign_id, col(t.jurisdiction_id).in_(in_area))
        .subquery("tallied")
    )
    c = tallied.c
    latest = c.rank == 1
    troubled = sa.and_(latest, c.any_findings > 0)
    inner = (
        select(
            c.jid,
            col(Employer.industry).label("industry"),  # type: ignore[call-overload]
            _count_if(latest, "n"),
            *(sa.func.sum(sa.case((latest, c[f]), else_=0)).label(f) for f in HEADS),
            sa.func.sum(c.staff_turnout).label("staff"),
            _count_if(troubled, "problems"),
        )
        .join(Employer, col(Employer.id) == c.employer_id)
        .group_by(c.jid, col(Employer.industry))
        .subquery()
    )
    q = _rolled(scope, inner, ("industry",), ("n", *HEADS, "staff", "problems"))
    for child, industry, n, *sums, staff, problems in (await session.exec(q)).all():
        row = _bucket(rows, child)
        add_into(row, "employers_inspected", n)
        add_into(row, f"employers_inspected_{industry}", n)
        for f, value in zip(HEADS, sums, strict=True):
            add_into(row, f if f == "contracts_signed" else f"workers_{f}", value)
        add_into(row, "staff_turnout", staff)
        add_into(row, "employers_with_problems", problems)


async def _findings(session: AsyncSession, scope: Scope, rows: Rows) -> None:
    t = StatsFindingTally
    inner = (
        select(
            col(t.jurisdiction_id).label("jid"),
            col(t.violation_type).label("code"),
            col(t.findings).label("n"),
        )
        .where(t.campaign_id == scope.campaign_id, t.findings != 0)
        .subquery()
    )
    q = _rolled(scope, inner, ("code",), ("n",))
    for child, code, n in (await session.exec(q)).all():
        row = _bucket(rows, child)
        add_into(row, "findings", n)
        add_into(row, f"findings_{code}", n)


def _by_path(scope: Scope, inner: Any, keys: tuple[str, ...], sums: tuple[str, ...]) -> Any:
    """Re-group `inner` (grouped by jurisdiction `path`) by child: substr on few rows only."""
    return select(
        child_of(scope, inner.c.path),
        *(inner.c[k] for k in keys),
        *(sa.func.sum(inner.c[m]) for m in sums),
    ).group_by(sa.literal_column("child"), *(inner.c[k] for k in keys))


def _count_if(condition: ColumnElement[bool], name: str) -> Any:
    return sa.func.sum(sa.case((condition, 1), else_=0)).label(name)


async def _tips(session: AsyncSession, scope: Scope, rows: Rows) -> None:
    path = col(Tip.scope_path)
    inner = (
        select(
            path.label("path"),
            col(Tip.channel).label("channel"),
            sa.func.count().label("n"),
            _count_if(col(Tip.status).in_(TIP_HANDLED), "handled"),
        )
        .where(
            under(scope, path),
            col(Tip.received_at) >= scope.start,
            col(Tip.received_at) < scope.end,
        )
        .group_by(path, col(Tip.channel))
        .subquery()
    )
    q = _by_path(scope, inner, ("channel",), ("n", "handled"))
    for key, channel, n, done in (await session.exec(q)).all():
        row = _bucket(rows, key)
        add_into(row, "tips_received", n)
        if channel in CHANNEL_ZH:
            add_into(row, f"tips_{channel}", n)
        add_into(row, "tips_handled", done)


def _cases_in(scope: Scope) -> list[ColumnElement[bool]]:
    return [
        under(scope, Case.jurisdiction_path),
        col(Case.opened_at) >= scope.start,
        col(Case.opened_at) < scope.end,
    ]


async def _cases(session: AsyncSession, scope: Scope, rows: Rows) -> None:
    # IN, not a correlated EXISTS: PostgreSQL hashes the set once instead of probing per case.
    sent = col(Case.id).in_(select(Transfer.case_id).where(col(Transfer.status).in_(TRANSFER_SENT)))
    filed = sa.or_(
        col(Case.id).in_(
            select(Transfer.case_id).where(col(Transfer.status) == TransferStatus.filed.value)
        ),
        col(Case.id).in_(select(Action.case_id).where(col(Action.type) == CRIMINAL_FILED_ACTION)),
    )
    path = col(Case.jurisdiction_path)
    inner = (
        select(path.label("path"), _count_if(sent, "police"), _count_if(filed, "filed"))
        .where(*_cases_in(scope))
        .group_by(path)
        .subquery()
    )
    q = _by_path(scope, inner, (), ("police", "filed"))
    for key, to_police, criminal in (await session.exec(q)).all():
        row = _bucket(rows, key)
        add_into(row, "cases_to_police", to_police)
        add_into(row, "criminal_cases_filed", criminal)
    a = Assignment
    filings = (
        select(
            path.label("path"),
            sa.func.count().label("n"),
            _count_if(col(a.status) == "concluded", "closed"),
        )
        .join(Case, col(Case.id) == col(a.case_id))
        .where(
            under(scope, Case.jurisdiction_path),
            col(a.filed_at) >= scope.start,
            col(a.filed_at) < scope.end,
        )
        .group_by(path)
        .subquery()
    )
    for key, n, closed in (await session.exec(_by_path(scope, filings, (), ("n", "closed")))).all():
        row = _bucket(rows, key)
        add_into(row, "cases_opened", n)
        add_into(row, "cases_closed", closed)


RETURNED_HOME = ("guardian", "escorted_home", "collected_home")
RECOVERED_SOURCES = ("employer", "guarantee")


def _recorded_elsewhere() -> ColumnElement[bool]:
    """An action whose figure the case's person records give instead."""
    wage_cases: Any = sa.union(
        select(Person.case_id).where(col(Person.amount_owed) > 0),
        select(PersonPayment.case_id),
    )
    child_cases = select(Person.case_id).where(Person.role == "child")
    home_cases = select(Person.case_id).where(col(Person.handover_kind).in_(RETURNED_HOME))
    kind, case = col(Action.type), col(Action.case_id)
    return sa.or_(
        sa.and_(kind == "wages_recovered", case.in_(wage_cases)),
        sa.and_(kind == "children_rescued", case.in_(child_cases)),
        sa.and_(kind == "persons_repatriated", case.in_(home_cases)),
    )


async def _persons(session: AsyncSession, scope: Scope, rows: Rows) -> None:
    pay = PersonPayment
    source = col(pay.source)
    paid = (
        select(
            col(pay.person_id).label("person_id"),
            sa.func.sum(pay.amount).label("total"),
            sa.func.sum(sa.case((source.in_(RECOVERED_SOURCES), pay.amount), else_=0)).label(
                "recovered"
            ),
            sa.func.sum(sa.case((source == "advance_fund", pay.amount), else_=0)).label("advance"),
        )
        .group_by(col(pay.person_id))
        .subquery("paid")
    )
    owed = sa.func.coalesce(col(Person.amount_owed), 0)
    recovered = sa.func.coalesce(paid.c.recovered, 0)
    path = col(Case.jurisdiction_path)
    figures = {
        "workers_owed": _count_if(owed > 0, "workers_owed"),
        "wages_owed_amount": sa.func.sum(owed).label("wages_owed_amount"),
        "workers_paid": _count_if(
            sa.and_(owed > 0, sa.func.coalesce(paid.c.total, 0) >= owed), "workers_paid"
        ),
        "advance_fund_paid": sa.func.sum(sa.func.coalesce(paid.c.advance, 0)).label(
            "advance_fund_paid"
        ),
        "wages_recovered_amount": sa.func.sum(recovered).label("wages_recovered_amount"),
        "wages_recovered_workers": _count_if(recovered > 0, "wages_recovered_workers"),
        "children_rescued": _count_if(col(Person.role) == "child", "children_rescued"),
        "vulnerable_rescued": _count_if(col(Person.role) == "vulnerable", "vulnerable_rescued"),
        "persons_repatriated": _count_if(
            col(Person.handover_kind).in_(RETURNED_HOME), "persons_repatriated"
        ),
        "id_cards_returned": _count_if(
            col(Person.documents_returned_on).is_not(None), "id_cards_returned"
        ),
    }
    inner = (
        select(path.label("path"), *figures.values())
        .join(Case, col(Case.id) == col(Person.case_id))
        .outerjoin(paid, paid.c.person_id == col(Person.id))
        .where(*_cases_in(scope))
        .group_by(path)
        .subquery()
    )
    keys = tuple(figures)
    for key, *values in (await session.exec(_by_path(scope, inner, (), keys))).all():
        row = _bucket(rows, key)
        for figure, value in zip(keys, values, strict=True):
            add_into(row, figure, value)
            if figure in RECORDED:
                add_into(row, f"{figure}_recorded", value)


async def _actions(session: AsyncSession, scope: Scope, rows: Rows) -> None:
    kinds = ("fine", "wages_recovered", *ACTION_COUNTED, *ACTION_SUMMED)
    path = col(Case.jurisdiction_path)
    inner = (
        select(
            path.label("path"),
            col(Action.type).label("kind"),  # type: ignore[call-overload]
            sa.func.count().label("n"),
            sa.func.sum(Action.amount).label("amount"),
            sa.func.sum(Action.count).label("people"),
        )
        .join(Case, col(Case.id) == col(Action.case_id))
        .where(*_cases_in(scope), col(Action.type).in_(kinds), sa.not_(_recorded_elsewhere()))
        .group_by(path, col(Action.type))
        .subquery()
    )
    q = _by_path(scope, inner, ("kind",), ("n", "amount", "people"))
    for key, kind, n, amount, count in (await session.exec(q)).all():
        row = _bucket(rows, key)
        if kind == "fine":
            add_into(row, "fines", n)
            add_into(row, "fines_amount", amount)
        elif kind == "wages_recovered":
            add_into(row, "wages_recovered_amount", amount)
            add_into(row, "wages_recovered_workers", count)
        elif kind in ACTION_COUNTED and kind not in HOUSEHOLD_ACTIONS:
            add_into(row, ACTION_COUNTED[kind], n)
        elif kind in ACTION_SUMMED:
            add_into(row, ACTION_SUMMED[kind], count)


async def _households(session: AsyncSession, scope: Scope, rows: Rows) -> None:
    """Suspensions, revoked licences and closed sites in 户: distinct employers per kind.

    An employer's cases all sit at its place, so distinct (place, kind, employer) rows
    summed per child count each employer once."""
    path = col(Case.jurisdiction_path)
    inner = (
        select(
            path.label("path"),
            col(Action.type).label("kind"),
            col(Case.employer_id).label("employer_id"),
        )
        .join(Case, col(Case.id) == col(Action.case_id))
        .where(*_cases_in(scope), col(Action.type).in_(HOUSEHOLD_ACTIONS))
        .distinct()
        .subquery()
    )
    q = select(
        child_of(scope, inner.c.path), inner.c.kind, sa.func.count(sa.distinct(inner.c.employer_id))
    ).group_by(sa.literal_column("child"), inner.c.kind)
    for key, kind, n in (await session.exec(q)).all():
        add_into(_bucket(rows, key), ACTION_COUNTED[kind], n)


async def _rectifications(session: AsyncSession, scope: Scope, rows: Rows) -> None:
    r = Rectification
    pending = col(r.status).in_(("ordered", "escalated"))
    path = col(Case.jurisdiction_path)
    inner = (
        select(
            path.label("path"),
            sa.func.count().label("n"),
            _count_if(col(r.status) == "corrected", "done"),
            _count_if(sa.and_(pending, col(r.deadline) < scope.today), "late"),
        )
        .join(Case, col(Case.id) == col(r.case_id))
        .where(*_cases_in(scope))
        .group_by(path)
        .subquery()
    )
    for key, n, done, late in (
        await session.exec(_by_path(scope, inner, (), ("n", "done", "late")))
    ).all():
        row = _bucket(rows, key)
        add_into(row, "rectifications_ordered", n)
        add_into(row, "rectifications_completed", done)
        add_into(row, "rectifications_overdue", late)


async def figures_by_child(session: AsyncSession, scope: Scope) -> Rows:
    """child id (str; '' for the place itself) → its subtree's figures."""
    rows: Rows = {}
    if dialect.is_postgres(session):
        # A few grouped scans: compiling them (JIT) costs more than it saves, and sorts
        # and hashes of a county's inspections should stay in memory.
        await session.exec(sa.text("SET LOCAL jit = off"))  # type: ignore[call-overload]
        await session.exec(sa.text("SET LOCAL work_mem = '32MB'"))  # type: ignore[call-overload]
    await _inspected(session, scope, rows)
    await _findings(session, scope, rows)
    await _tips(session, scope, rows)
    await _cases(session, scope, rows)
    await _actions(session, scope, rows)
    await _persons(session, scope, rows)
    await _households(session, scope, rows)
    await _rectifications(session, scope, rows)
    return rows
