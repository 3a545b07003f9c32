"""The columns of an employer list and the check of one row, without the database.

Headers are matched case- and space-insensitively against the Chinese names of
the template and their English aliases. Every cell is kept as plain text:
formulas, HTML or SQL in a cell are stored as the characters they are.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.domain.taxonomy import Industry, LicenceKind
from app.domain.uscc import normalise_uscc, uscc_error
from app.errors import unprocessable
from app.models.common import FIRST_DAY, LAST_DAY
from app.services.core.import_formats import clean


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    header: str
    aliases: tuple[str, ...]
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("name", "单位名称", ("name", "employer", "企业名称", "用人单位"), required=True),
    Column("uscc", "统一社会信用代码", ("uscc", "credit_code", "信用代码")),
    Column("industry", "行业", ("industry", "行业类别"), required=True),
    Column(
        "jurisdiction",
        "所属辖区",
        ("jurisdiction", "jurisdiction_id", "辖区", "所属乡镇"),
        required=True,
    ),
    Column("address", "地址", ("address", "单位地址")),
    Column("workers", "用工人数", ("workers", "人数")),
    Column("business_number", "营业执照号", ("business_licence", "business_licence_number")),
    Column(
        "business_valid_until",
        "营业执照有效期至",
        ("business_licence_valid_until", "business_valid_until"),
    ),
    Column("safety_number", "安全生产许可证号", ("safety_licence", "safety_licence_number")),
    Column(
        "safety_valid_until",
        "安全生产许可证有效期至",
        ("safety_licence_valid_until", "safety_valid_until"),
    ),
)
TEMPLATE_HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
HEADER_OF = {c.field: c.header for c in COLUMNS}
LICENCE_COLUMNS = (
    (LicenceKind.business, "business_number", "business_valid_until"),
    (LicenceKind.safety, "safety_number", "safety_valid_until"),
)


def _header_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower().lstrip("\ufeff").strip("*")


_BY_HEADER = {_header_key(name): c.field for c in COLUMNS for name in (c.header, *c.aliases)}

INDUSTRY_LABELS: dict[str, Industry] = {
    "砖窑厂": Industry.brick_kiln,
    "砖窑": Industry.brick_kiln,
    "砖厂": Industry.brick_kiln,
    "煤矿": Industry.coal_mine,
    "矿山": Industry.mine,
    "矿": Industry.mine,
    "作坊": Industry.workshop,
    "小作坊": Industry.workshop,
    "施工队": Industry.construction_team,
    "冶炼厂": Industry.smelter,
    "物流": Industry.logistics,
    "物流企业": Industry.logistics,
    "家具厂": Industry.furniture,
    "家俱厂": Industry.furniture,
    "制造业": Industry.manufacturing,
    "其他": Industry.other,
    "其它": Industry.other,
}
_DATE = re.compile(r"^(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})\D?$|^(\d{4})(\d{2})(\d{2})$")
_NO_EXPIRY = {"长期", "永久", "长期有效"}


def map_header(cells: Sequence[Any]) -> dict[str, int]:
    """field → column index; 422 naming the required columns that are missing."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        field = _BY_HEADER.get(_header_key(str(cell))) if cell is not None else None
        if field is not None and field not in found:
            found[field] = i
    missing = [c.header for c in COLUMNS if c.required and c.field not in found]
    if missing:
        raise unprocessable(
            ("body", "file"),
            "The first row must name the columns; missing: "
            + "、".join(missing)
            + ". Download the template.",
        )
    return found


def parse_industry(text: str) -> Industry | None:
    if text in Industry.__members__:
        return Industry(text)
    return INDUSTRY_LABELS.get(text) or INDUSTRY_LABELS.get(text.removeprefix("小"))


def parse_date(value: Any) -> date | None:
    """A date from a cell; None for 长期 (no expiry); ValueError when unreadable or
    outside the dates a request may carry (app/models/common.py)."""
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        text = clean(value)
        if text in _NO_EXPIRY:
            return None
        m = _DATE.match(text)
        if m is None:
            raise ValueError(text)
        y, mo, d = (int(g) for g in m.groups() if g is not None)
        found = date(y, mo, d)
    if not FIRST_DAY <= found <= LAST_DAY:
        raise ValueError(found)
    return found


@dataclass(frozen=True, slots=True)
class RowData:
    row: int
    name: str
    uscc: str | None
    industry: str
    jurisdiction_id: uuid.UUID
    address: str | None
    workers: int | None
    licences: tuple[tuple[str, str, date | None], ...]

    @property
    def key(self) -> tuple[str | uuid.UUID, ...]:
        """What the import matches on: the USCC, or name + address + place without one."""
        if self.uscc:
            return ("uscc", self.uscc)
        return ("place", self.name, self.address or "", self.jurisdiction_id)


class Places:
    """The caller's jurisdictions by id and by name, to resolve the 所属辖区 column."""

    def __init__(self, rows: Sequence[tuple[uuid.UUID, str]]) -> None:
        self.ids = {pid for pid, _ in rows}
        self.by_name: dict[str, list[uuid.UUID]] = {}
        for pid, name in rows:
            self.by_name.setdefault(name, []).append(pid)

    def resolve(self, text: str) -> uuid.UUID | str:
        """The place's id, or the reason it cannot be told."""
        try:
            pid = uuid.UUID(text)
        except ValueError:
            found = self.by_name.get(text, [])
            if len(found) == 1:
                return found[0]
            if found:
                return f"{len(found)} places in your area are called {text}; give its id"
            return f"no place called {text} in your area"
        return pid if pid in self.ids else f"no place {pid} in your area"


def _field(cells: Sequence[Any], columns: Mapping[str, int], field: str) -> Any:
    i = columns.get(field)
    return cells[i] if i is not None and i < len(cells) else None


def _text(
    cells: Sequence[Any], columns: Mapping[str, int], field: str, limit: int, errors: list[str]
) -> str:
    text = clean(_field(cells, columns, field))
    if len(text) > limit:
        errors.append(f"{HEADER_OF[field]}: longer than {limit} characters")
    return text


def _licences(
    cells: Sequence[Any], columns: Mapping[str, int], errors: list[str]
) -> tuple[tuple[str, str, date | None], ...]:
    out = []
    for kind, number_field, until_field in LICENCE_COLUMNS:
        number = _text(cells, columns, number_field, 64, errors)
        raw_until = _field(cells, columns, until_field)
        until = None
        if clean(raw_until):
            try:
                until = parse_date(raw_until)
            except ValueError:
                errors.append(f"{HEADER_OF[until_field]}: not a date (use 2027-12-31)")
            if not number:
                errors.append(f"{HEADER_OF[number_field]}: missing, but a date is given")
        if number:
            out.append((kind.value, number, until))
    return tuple(out)


def parse_row(
    row: int, cells: Sequence[Any], columns: Mapping[str, int], places: Places
) -> RowData | list[str]:
    """The row's data, or the list of everything wrong with it."""
    errors: list[str] = []
    name = _text(cells, columns, "name", 200, errors)
    if not name:
        errors.append(f"{HEADER_OF['name']}: missing")
    uscc = normalise_uscc(clean(_field(cells, columns, "uscc"))) or None
    if uscc is not None and (problem := uscc_error(uscc)) is not None:
        errors.append(f"{HEADER_OF['uscc']}: {problem}")
    industry_text = clean(_field(cells, columns, "industry"))
    industry = parse_industry(industry_text)
    if industry is None:
        errors.append(
            f"{HEADER_OF['industry']}: {industry_text[:40] or 'missing'} is not one "
            f"of {', '.join(Industry)} or their Chinese names"
        )
    place_text = clean(_field(cells, columns, "jurisdiction"))
    place = places.resolve(place_text) if place_text else "missing"
    if isinstance(place, str):
        errors.append(f"{HEADER_OF['jurisdiction']}: {place}")
    address = _text(cells, columns, "address", 300, errors)
    workers_text = clean(_field(cells, columns, "workers")).removesuffix("人")
    if workers_text and not (workers_text.isdecimal() and int(workers_text) <= 1_000_000):
        errors.append(f"{HEADER_OF['workers']}: not a number of people")
    licences = _licences(cells, columns, errors)
    if errors or industry is None or isinstance(place, str):
        return errors
    return RowData(
        row=row,
        name=name,
        uscc=uscc,
        industry=industry.value,
        jurisdiction_id=place,
        address=address or None,
        workers=int(workers_text) if workers_text else None,
        licences=licences,
    )
