"""The case ledger (案件台帐): cases with their assignments, actions and rectifications.

One row per assignment × action (an assignment without actions still gets a
row; a case without assignments too). Rectifications sit on the row of the
order that created them. Scoped exactly like GET /cases (`case_scope`), and a
local agency does not see protective-umbrella parts (`case_visibility`). Nothing
about tipsters is ever read: no tip, source or contact column exists here.
Cases are read in keyset batches, so a CSV of any length streams in flat memory.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker
from app.domain.chinatime import day_ends, day_starts
from app.domain.permissions import Actor, Permission
from app.domain.stats import defuse
from app.domain.taxonomy import VIOLATION_TYPE_BY_CODE
from app.errors import unprocessable
from app.models.cases import Action, Assignment, Case, Rectification
from app.models.employers import Employer
from app.models.reference import Agency, Jurisdiction
from app.services.cases.cases import case_scope
from app.services.core import access, case_visibility
from app.services.core.pagination import after, encode_cursor
from app.services.core.spreadsheets import build_xlsx, stream_csv_on_own_session

HEADERS = (
    "案件编号",
    "单位名称",
    "统一社会信用代码",
    "所在地",
    "案件状态",
    "严重程度",
    "违法类型",
    "立案时间",
    "结案时间",
    "承办单位",
    "主办/协办",
    "交办状态",
    "办理期限",
    "办结时间",
    "办结情况",
    "处理措施",
    "金额（元）",
    "人数",
    "措施时间",
    "措施说明",
    "整改期限",
    "整改状态",
    "整改完成日期",
)
CASE_ZH = {"open": "待办", "in_progress": "办理中", "closed": "已结案", "dismissed": "已撤销"}
SEVERITY_ZH = {"normal": "一般", "high": "较重", "critical": "严重"}
ROLE_ZH = {"lead": "主办", "also": "协办"}
ASSIGNMENT_ZH = {
    "pending": "待签收",
    "accepted": "办理中",
    "concluded": "已办结",
    "declined": "已退回",
    "withdrawn": "已撤回",
    "pending_filing": "待立案审查",
}
ACTION_ZH = {
    "rectification_order": "责令整改",
    "fine": "罚款",
    "suspension": "责令停产停业",
    "licence_revoked": "吊销证照",
    "site_closed": "取缔关闭",
    "criminal_case_filed": "刑事立案",
    "wages_recovered": "追发工资",
    "children_rescued": "解救童工",
    "persons_repatriated": "遣送返乡",
    "referral": "移送",
}
RECT_ZH = {"ordered": "整改中", "corrected": "已整改", "escalated": "逾期督办"}
CHINA = timezone(timedelta(hours=8))
BATCH = 200
STATUSES = frozenset(CASE_ZH)


@dataclass(frozen=True, slots=True)
class LedgerFilters:
    status: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None


def check_filters(actor: Actor, filters: LedgerFilters) -> None:
    access.require(actor, Permission.cases_read)
    if filters.status is not None and filters.status not in STATUSES:
        raise unprocessable(["query", "status"], f"One of {', '.join(sorted(STATUSES))}.")
    if filters.opened_from and filters.opened_to and filters.opened_from > filters.opened_to:
        raise unprocessable(["query", "from"], "`from` is after `to`.")


def _when(at: datetime | None) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if at else ""


def _day(d: date | None) -> str:
    return d.isoformat() if d else ""


def _query(actor: Actor, filters: LedgerFilters, cursor: str | None) -> Any:
    q = (
        select(Case, Employer)
        .join(Employer, col(Employer.id) == col(Case.employer_id))
        .where(case_scope(actor))
    )
    if filters.status is not None:
        q = q.where(Case.status == filters.status)
    if filters.opened_from is not None:
        q = q.where(col(Case.opened_at) >= day_starts(filters.opened_from))
    if filters.opened_to is not None:
        q = q.where(col(Case.opened_at) < day_ends(filters.opened_to))
    keys = [col(Case.opened_at), col(Case.id)]
    return q.where(after(keys, cursor, [datetime, uuid.UUID])).order_by(*keys).limit(BATCH)


async def _places(session: AsyncSession, cases: Sequence[Case]) -> dict[str, str]:
    ids = {uuid.UUID(c.jurisdiction_path.strip("/").split("/")[-1]) for c in cases}
    rows = (
        await session.exec(
            select(Jurisdiction.id, Jurisdiction.name).where(col(Jurisdiction.id).in_(ids))
        )
    ).all()
    return {str(i): name for i, name in rows}


def _deadline(a: Assignment) -> str:
    """办理期限: once filed (立案), the investigation's own deadline (`investigate_by`, 60
    working days, as extended — 劳动保障监察条例 第17条); before, the time to accept it."""
    if a.filed_at is not None and a.investigate_by is not None:
        return _day(a.investigate_by)
    return _when(a.due_at)


def _assignment_cells(a: Assignment, agency: Agency) -> list[Any]:
    return [
        agency.name,
        ROLE_ZH.get(a.role, a.role),
        ASSIGNMENT_ZH.get(a.status, a.status),
        _deadline(a),
        _when(a.concluded_at),
        a.conclusion or "",
    ]


def _action_cells(act: Action | None, rect: Rectification | None) -> list[Any]:
    cells: list[Any] = (
        ["", "", "", "", ""]
        if act is None
        else [
            ACTION_ZH.get(act.type, act.type),
            f"{act.amount:.2f}" if act.amount is not None else "",
            act.count if act.count is not None else "",
            _when(act.created_at),
            act.note,
        ]
    )
    if rect is None:
        return [*cells, "", "", ""]
    return [
        *cells,
        _day(rect.deadline),
        RECT_ZH.get(rect.status, rect.status),
        _day(rect.corrected_on),
    ]


@dataclass
class _Batch:
    assignments: dict[uuid.UUID, list[tuple[Assignment, Agency]]]
    actions: dict[uuid.UUID, list[Action]]
    rects: dict[uuid.UUID, list[Rectification]]


async def _load(session: AsyncSession, case_ids: list[uuid.UUID]) -> _Batch:
    batch = _Batch({}, {}, {})
    for a, agency in (
        await session.exec(
            select(Assignment, Agency)
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(col(Assignment.case_id).in_(case_ids))
            .order_by(col(Assignment.created_at), col(Assignment.id))
        )
    ).all():
        batch.assignments.setdefault(a.case_id, []).append((a, agency))
    for act in (
        await session.exec(
            select(Action)
            .where(col(Action.case_id).in_(case_ids))
            .order_by(col(Action.created_at), col(Action.id))
        )
    ).all():
        batch.actions.setdefault(act.assignment_id, []).append(act)
    for r in (
        await session.exec(
            select(Rectification)
            .where(col(Rectification.case_id).in_(case_ids))
            .order_by(col(Rectification.created_at))
        )
    ).all():
        batch.rects.setdefault(r.assignment_id, []).append(r)
    return batch


def _case_rows(
    actor: Actor, case: Case, employer: Employer, place: str, batch: _Batch
) -> list[list[Any]]:
    pairs = batch.assignments.get(case.id, [])
    seen = case_visibility.sight(actor, case, [a for a, _ in pairs])
    shown_ids = {a.id for a in seen.assignments}
    types = "；".join(
        VIOLATION_TYPE_BY_CODE[t].name_zh if t in VIOLATION_TYPE_BY_CODE else t
        for t in seen.types(case)
    )
    severity = seen.severity(case)
    head = [
        str(case.id),
        employer.name,
        employer.uscc or "",
        place,
        CASE_ZH.get(case.status, case.status),
        SEVERITY_ZH.get(severity, severity),
        types,
        _when(case.opened_at),
        _when(case.closed_at),
    ]
    rows: list[list[Any]] = []
    for a, agency in pairs:
        if a.id not in shown_ids:
            continue
        acts = batch.actions.get(a.id, [])
        rects = batch.rects.get(a.id, [])
        by_action = {r.action_id: r for r in rects if r.action_id is not None}
        cells = [*head, *_assignment_cells(a, agency)]
        rows += [[*cells, *_action_cells(act, by_action.get(act.id))] for act in acts]
        rows += [[*cells, *_action_cells(None, r)] for r in rects if r.action_id is None]
        if not acts and not any(r.action_id is None for r in rects):
            rows.append([*cells, *_action_cells(None, None)])
    if not rows:
        rows.append([*head, *([""] * (len(HEADERS) - len(head)))])
    return rows


async def ledger_rows(
    session: AsyncSession, actor: Actor, filters: LedgerFilters
) -> AsyncIterator[list[list[Any]]]:
    """Batches of ledger rows, oldest case first, every text cell defused."""
    cursor: str | None = None
    while True:
        found = list((await session.exec(_query(actor, filters, cursor))).all())
        if not found:
            return
        places = await _places(session, [c for c, _ in found])
        batch = await _load(session, [c.id for c, _ in found])
        out: list[list[Any]] = []
        for case, employer in found:
            place = places.get(case.jurisdiction_path.strip("/").split("/")[-1], "")
            out += _case_rows(actor, case, employer, place, batch)
        yield [[defuse(cell) for cell in row] for row in out]
        if len(found) < BATCH:
            return
        last = found[-1][0]
        cursor = encode_cursor(last.opened_at, last.id)


def stream_ledger_csv(
    sessionmaker: SessionMaker, actor: Actor, filters: LedgerFilters
) -> AsyncIterator[bytes]:
    return stream_csv_on_own_session(
        sessionmaker, HEADERS, lambda session: ledger_rows(session, actor, filters)
    )


async def ledger_xlsx(session: AsyncSession, actor: Actor, filters: LedgerFilters) -> bytes:
    return await build_xlsx("案件台帐", HEADERS, ledger_rows(session, actor, filters))
