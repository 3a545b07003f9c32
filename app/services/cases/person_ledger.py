"""The wage-clearance ledger (工资清算台账): one row per person, for the labour bureau.

Scoped like GET /cases, and only cases whose persons the caller may see (the office,
labour, civil affairs, police, the union on the case). The ID number and phone are
the masked forms: a file leaves the system, a reveal is per person and audited.
Persons are read in keyset batches, so a CSV of any length streams in flat memory;
every text cell is defused (= + - @ never run in a spreadsheet).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker
from app.domain.permissions import Actor
from app.domain.stats import defuse
from app.models.cases import Case
from app.models.employers import Employer
from app.models.persons import Person
from app.services.cases.cases import case_scope
from app.services.cases.person_checks import ZERO, paid_by_person
from app.services.cases.persons import PEOPLE_KINDS
from app.services.core import access, case_visibility
from app.services.core.pagination import after, encode_cursor
from app.services.core.spreadsheets import build_xlsx, stream_csv_on_own_session

BATCH = 500
HEADERS = (
    "案件编号",
    "用人单位",
    "姓名",
    "人员类别",
    "身份证号（脱敏）",
    "性别",
    "出生日期",
    "籍贯",
    "联系电话（脱敏）",
    "欠薪期间",
    "应付工资（元）",
    "用人单位支付（元）",
    "财政垫付（元）",
    "工资保证金支付（元）",
    "已付合计（元）",
    "未结清（元）",
    "未结清原因",
    "交接方式",
    "交接对象",
    "交接日期",
    "证件返还日期",
)
ROLE_ZH = {"worker": "务工人员", "child": "童工", "vulnerable": "需救助人员"}
SEX_ZH = {"male": "男", "female": "女"}
HANDOVER_ZH = {
    "guardian": "交监护人",
    "rescue_station": "送救助站",
    "escorted_home": "护送返乡",
    "collected_home": "接领返乡",
}


def persons_scope(actor: Actor) -> ColumnElement[bool]:
    """Cases whose persons `actor` sees: every readable case for the office; for an
    agency, the cases it holds a share of, if it works with people."""
    if case_visibility.sees_every_case_whole(actor) or actor.agency_kind in PEOPLE_KINDS:
        return case_scope(actor)
    return sa.false()


def _money(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def _row(person: Person, case: Case, employer: str, paid: dict[str, Decimal]) -> list[Any]:
    total = sum(paid.values(), ZERO)
    owed = person.amount_owed
    return [
        str(case.id),
        employer,
        person.name,
        ROLE_ZH.get(person.role, person.role),
        person.id_number_masked or "",
        SEX_ZH.get(person.sex or "", ""),
        person.birth_date.isoformat() if person.birth_date else "",
        person.hometown or "",
        person.phone_masked or "",
        person.owed_period or "",
        _money(owed),
        _money(paid.get("employer", ZERO)),
        _money(paid.get("advance_fund", ZERO)),
        _money(paid.get("guarantee", ZERO)),
        _money(total),
        _money(max((owed or ZERO) - total, ZERO)),
        person.outstanding_reason or "",
        HANDOVER_ZH.get(person.handover_kind or "", ""),
        person.handover_to or "",
        person.handover_on.isoformat() if person.handover_on else "",
        person.documents_returned_on.isoformat() if person.documents_returned_on else "",
    ]


async def ledger_rows(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | None
) -> AsyncIterator[list[list[Any]]]:
    cursor: str | None = None
    while True:
        query = (
            select(Person, Case, Employer.name)
            .join(Case, col(Case.id) == col(Person.case_id))
            .join(Employer, col(Employer.id) == col(Case.employer_id))
            .where(persons_scope(actor))
        )
        if case_id is not None:
            query = query.where(Person.case_id == case_id)
        query = query.where(
            after([col(Person.created_at), col(Person.id)], cursor, [datetime, uuid.UUID])
        )
        query = query.order_by(col(Person.created_at), col(Person.id)).limit(BATCH)
        found = list((await session.exec(query)).all())
        if not found:
            return
        paid = await paid_by_person(session, [p.id for p, _, _ in found])
        yield [
            [defuse(cell) for cell in _row(p, case, name, paid.get(p.id, {}))]
            for p, case, name in found
        ]
        if len(found) < BATCH:
            return
        last = found[-1][0]
        cursor = encode_cursor(last.created_at, last.id)


def check_case(case_id: str | None) -> uuid.UUID | None:
    return access.as_uuid(case_id, "case") if case_id else None


def stream_ledger_csv(
    sessionmaker: SessionMaker, actor: Actor, case_id: uuid.UUID | None
) -> AsyncIterator[bytes]:
    return stream_csv_on_own_session(
        sessionmaker, HEADERS, lambda session: ledger_rows(session, actor, case_id)
    )


async def ledger_xlsx(session: AsyncSession, actor: Actor, case_id: uuid.UUID | None) -> bytes:
    return await build_xlsx("工资清算台账", HEADERS, ledger_rows(session, actor, case_id))
