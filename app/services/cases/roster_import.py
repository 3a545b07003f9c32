"""A worker roster (花名册) onto a case: the employer import's safety, person by person.

The file is read by `core/import_formats` exactly as an employer list is (CSV in
UTF-8 or GBK, or XLSX; the format told by the bytes; zip bombs refused from the
directory; size and row caps; every cell kept as the text it is, formulas
included). Each row is checked like `POST /cases/{id}/persons` (a wrong ID number
is a row error, not a failed import); good rows go in, bad rows come back with
their row number and reasons. A rerun adds no one twice: a row naming someone on
the case already — same ID number, or same name and birth date — is `unchanged`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog, clock
from app.config import Settings
from app.domain.permissions import Actor, Permission
from app.errors import PayloadTooLarge, Unprocessable, unprocessable
from app.models.persons import PersonCreate, RosterRejection, RosterResult
from app.services.cases import persons
from app.services.core import access
from app.services.core.import_formats import clean, open_rows
from app.services.core.sealing import keys_of

MAX_ROSTER_ROWS = 20_000
MAX_LISTED_REJECTIONS = 1_000


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    header: str
    aliases: tuple[str, ...]


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("name", "工人姓名", "人员姓名")),
    Column("id_number", "身份证号", ("id_number", "公民身份号码", "身份证号码", "身份证")),
    Column("role", "人员类别", ("role", "类别", "身份")),
    Column("sex", "性别", ("sex",)),
    Column("birth_date", "出生日期", ("birth_date", "出生年月")),
    Column("age", "年龄", ("age", "估计年龄")),
    Column("hometown", "籍贯", ("hometown", "户籍地", "家庭住址", "原籍")),
    Column("phone", "联系电话", ("phone", "电话", "手机")),
    Column("amount_owed", "欠薪金额", ("amount_owed", "欠薪金额（元）", "拖欠工资", "应发工资")),
    Column("owed_period", "欠薪期间", ("owed_period", "欠薪时段", "工作期间")),
    Column("notes", "备注", ("notes", "说明")),
)
TEMPLATE_HEADERS = tuple(c.header for c in COLUMNS)
HEADER_OF = {c.field: c.header for c in COLUMNS}
ROLE_LABELS = {
    "worker": "worker",
    "工人": "worker",
    "务工人员": "worker",
    "农民工": "worker",
    "劳动者": "worker",
    "child": "child",
    "童工": "child",
    "儿童": "child",
    "未成年人": "child",
    "vulnerable": "vulnerable",
    "智障人员": "vulnerable",
    "流浪人员": "vulnerable",
    "身份不明人员": "vulnerable",
    "需救助人员": "vulnerable",
}
SEX_LABELS = {"男": "male", "女": "female", "male": "male", "female": "female"}
_DATE = re.compile(r"^(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})\D?$|^(\d{4})(\d{2})(\d{2})$")


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower().lstrip("\ufeff").strip("*")


_BY_HEADER = {_key(name): c.field for c in COLUMNS for name in (c.header, *c.aliases)}


def map_header(cells: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        field = _BY_HEADER.get(_key(str(cell))) if cell is not None else None
        if field is not None and field not in found:
            found[field] = i
    if "name" not in found:
        raise unprocessable(
            ("body", "file"),
            "The first row must name the columns; missing: 姓名. Columns: "
            + "、".join(TEMPLATE_HEADERS)
            + ".",
        )
    return found


def _cell(cells: Sequence[Any], columns: Mapping[str, int], field: str) -> Any:
    i = columns.get(field)
    return cells[i] if i is not None and i < len(cells) else None


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = _DATE.match(clean(value))
    if m is None:
        raise ValueError(value)
    y, mo, d = (int(g) for g in m.groups() if g is not None)
    return date(y, mo, d)


def parse_row(cells: Sequence[Any], columns: Mapping[str, int]) -> PersonCreate | list[str]:
    """The row as a person to add, or everything wrong with it."""
    errors: list[str] = []
    text = {c.field: clean(_cell(cells, columns, c.field)) for c in COLUMNS}
    data: dict[str, Any] = {
        k: text[k] or None for k in ("name", "id_number", "hometown", "phone", "owed_period")
    }
    data["notes"] = text["notes"]
    role = ROLE_LABELS.get(text["role"] or "worker")
    if role is None:
        errors.append(f"{HEADER_OF['role']}: {text['role'][:20]} is not 工人、童工 or 需救助人员")
    data["role"] = role or "worker"
    if text["sex"]:
        data["sex"] = SEX_LABELS.get(text["sex"])
        if data["sex"] is None:
            errors.append(f"{HEADER_OF['sex']}: 男 or 女")
    raw_birth = _cell(cells, columns, "birth_date")
    if clean(raw_birth):
        try:
            data["birth_date"] = _date(raw_birth)
        except ValueError:
            errors.append(f"{HEADER_OF['birth_date']}: not a date (use 1990-05-01)")
    if text["age"]:
        age = text["age"].removesuffix("岁")
        data["age"] = int(age) if age.isdecimal() else -1
    if text["amount_owed"]:
        try:
            data["amount_owed"] = Decimal(text["amount_owed"].removesuffix("元").replace(",", ""))
        except InvalidOperation:
            errors.append(f"{HEADER_OF['amount_owed']}: not an amount of yuan")
    if errors:
        return errors
    try:
        return PersonCreate.model_validate(data)
    except ValidationError as exc:
        return [f"{HEADER_OF.get(str(e['loc'][0]), e['loc'][0])}: {e['msg']}" for e in exc.errors()]


async def import_roster(
    session: AsyncSession,
    actor: Actor,
    *,
    settings: Settings,
    case_id: uuid.UUID | str,
    file: IO[bytes],
    inspection_id: uuid.UUID | None = None,
    today: date | None = None,
) -> RosterResult:
    """Import a CSV or XLSX roster onto the case; see the module docstring for the rules."""
    access.require(actor, Permission.persons_write)
    case = await persons.case_for_persons(session, actor, case_id, for_update=True)
    persons.require_open(case)
    holder = persons.Holder.of_case(case, inspection_id)
    return await import_rows(session, actor, settings, holder, file, today)


async def import_rows(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    holder: persons.Holder,
    file: IO[bytes],
    today: date | None = None,
) -> RosterResult:
    """The roster's rows onto `holder`, whose access the caller has checked."""
    keys, day = keys_of(settings), today or clock.today()
    created = unchanged = flagged = rejected_total = 0
    rejected: list[RosterRejection] = []

    def reject(row: int, errors: list[str]) -> None:
        nonlocal rejected_total
        rejected_total += 1
        if len(rejected) < MAX_LISTED_REJECTIONS:
            rejected.append(RosterRejection(row=row, errors=errors))

    with open_rows(file) as rows:
        header = next(rows, None)
        if header is None:
            raise unprocessable(("body", "file"), "The file is empty.")
        columns = map_header(header[1])
        for row, cells in rows:
            if row > MAX_ROSTER_ROWS + 1:
                raise PayloadTooLarge(f"A roster has at most {MAX_ROSTER_ROWS:,} rows; split it.")
            parsed = parse_row(cells, columns)
            if isinstance(parsed, list):
                reject(row, parsed)
                continue
            try:
                who = persons.identify(keys, parsed, day)
            except Unprocessable as exc:  # a wrong ID number is this row's error
                reject(row, [f"{HEADER_OF['id_number']}: {exc.detail}"])
                continue
            if await persons.find_existing(session, holder, who, parsed.name) is not None:
                unchanged += 1
                continue
            person = persons.build_person(keys, actor, holder, parsed, who)
            session.add(person)
            await session.flush()  # the next row's rerun check sees it
            auditlog.record(
                session,
                actor,
                "person.create",
                "person",
                person.id,
                after=persons.audit_view(person) | {"import": True},
                jurisdiction_path=holder.jurisdiction_path,
            )
            created += 1
            flagged += person.role == "child" and person.role_entered != "child"
    if created + unchanged + rejected_total == 0:
        raise unprocessable(("body", "file"), "The file has no rows under its header.")
    auditlog.record(
        session,
        actor,
        "person.import.summary",
        "case" if holder.case_id is not None else "inspection",
        holder.case_id or holder.inspection_id or "",
        after={"created": created, "unchanged": unchanged, "rejected": rejected_total},
        jurisdiction_path=holder.jurisdiction_path,
    )
    return RosterResult(
        created=created,
        unchanged=unchanged,
        flagged_children=flagged,
        rejected=rejected,
        rejected_total=rejected_total,
    )
