"""The national form (全国整治非法用工打击违法犯罪专项行动统计表) as data: its rows (sites by
kind), its columns (each a named query over the records), and how filled-in forms add up.

The default below is version 1 of the template, the columns as the 2007 national returns
counted them. An admin edits the template as a whole (a new version); a frozen report
keeps the rows and columns it was frozen with.

Rules:
- A column whose `query` is not one the system runs (its records are not collected yet)
  is *not collected*: its cells are null and the column says `collected: false`. Never
  0: 0 would claim the records show none. In version 1 these are:
  救助残障人员 — a person is recorded as `vulnerable` (身份不明智障人员、流浪人员 together),
  never as disabled, so counting them would call the homeless disabled;
  刑事拘留, 行政拘留, 治安处罚 — the police's answer to a transfer records only whether
  they filed (立案), and no record names a person detained or penalised;
  追究公职人员责任 — an `official_misconduct` finding is an allegation, not a finding of
  responsibility, and it is restricted (保护伞): no record says who was held to account.
- Columns in 户 count distinct employers; an employer has one industry, so the rows of
  a column add up to its total.
- An industry that no row names counts in the last row (其他).
- Money is in 万元 with four decimals (one yuan), as the form asks; sums add the rounded
  cells, as the paper form did.

Pure: figures arrive as plain mappings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.taxonomy import Industry

WAN = Decimal("0.0001")
Cell = int | Decimal | None
Cells = dict[str, Cell]
NOT_COLLECTED_ZH = "未采集"
SOURCES = (
    "inspections",
    "findings",
    "actions",
    "transfers",
    "tips",
    "documents",
    "publicity",
    "persons",
    "none",
)


@dataclass(frozen=True, slots=True)
class FormRow:
    key: str
    label: str
    industries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormColumn:
    key: str
    group: str  # the first header row; merged over the columns that share it
    sub: str  # the second header row; empty → the group cell spans both rows
    unit: str
    source: str
    query: str | None
    args: Mapping[str, Any]

    @property
    def money(self) -> bool:
        return self.unit == "万元"

    @property
    def heading(self) -> str:
        """The column's name with its unit, as one line."""
        name = f"{self.group}·{self.sub}" if self.sub else self.group
        return f"{name}（{self.unit}）"


@dataclass(frozen=True, slots=True)
class FormTemplate:
    version: int
    name: str
    rows: tuple[FormRow, ...]
    columns: tuple[FormColumn, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "rows": [
                {"key": r.key, "label": r.label, "industries": list(r.industries)}
                for r in self.rows
            ],
            "columns": [
                {
                    "key": c.key,
                    "group": c.group,
                    "sub": c.sub,
                    "unit": c.unit,
                    "source": c.source,
                    "query": c.query,
                    "args": dict(c.args),
                }
                for c in self.columns
            ],
        }


def template_from_json(data: Mapping[str, Any]) -> FormTemplate:
    return FormTemplate(
        version=int(data.get("version") or 1),
        name=str(data["name"]),
        rows=tuple(
            FormRow(str(r["key"]), str(r["label"]), tuple(r.get("industries") or ()))
            for r in data["rows"]
        ),
        columns=tuple(
            FormColumn(
                key=str(c["key"]),
                group=str(c["group"]),
                sub=str(c.get("sub") or ""),
                unit=str(c["unit"]),
                source=str(c.get("source") or "none"),
                query=c.get("query"),
                args=dict(c.get("args") or {}),
            )
            for c in data["columns"]
        ),
    )


class TemplateError(ValueError):
    def __init__(self, loc: Sequence[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc, self.msg = list(loc), msg


def check_template(t: FormTemplate) -> None:
    """Unique keys, known industries and sources, each industry in at most one row."""
    if not t.rows or not t.columns:
        raise TemplateError(["body"], "模板至少要有一行一列。")
    seen: dict[str, str] = {}
    for i, row in enumerate(t.rows):
        for ind in row.industries:
            if ind not in Industry.__members__:
                raise TemplateError(["body", "rows", i, "industries"], f"未知行业：{ind}")
            if ind in seen:
                raise TemplateError(
                    ["body", "rows", i, "industries"], f"行业 {ind} 已列在“{seen[ind]}”行。"
                )
            seen[ind] = row.label
    for what, keys in (("rows", [r.key for r in t.rows]), ("columns", [c.key for c in t.columns])):
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise TemplateError(["body", what], f"重复的键：{', '.join(sorted(dup))}")
    for j, column in enumerate(t.columns):
        if column.source not in SOURCES:
            raise TemplateError(["body", "columns", j, "source"], f"未知来源：{column.source}")


def row_of(t: FormTemplate) -> dict[str, str]:
    """industry → row key; industries no row names go to the last row."""
    out = {ind.value: t.rows[-1].key for ind in Industry}
    for row in t.rows:
        out.update(dict.fromkeys(row.industries, row.key))
    return out


def _c(
    key: str,
    group: str,
    unit: str,
    source: str,
    query: str | None,
    sub: str = "",
    **args: Any,
) -> FormColumn:
    return FormColumn(key, group, sub, unit, source, query, args)


CONTRACT = ("no_labour_contract",)
INSURANCE = ("no_social_insurance", "no_work_injury_insurance")

DEFAULT_TEMPLATE = FormTemplate(
    version=1,
    name="整治非法用工打击违法犯罪专项行动统计表",
    rows=(
        FormRow("brick_kiln", "小砖窑", (Industry.brick_kiln.value,)),
        FormRow("coal_mine", "小煤窑", (Industry.coal_mine.value,)),
        FormRow("mine", "小矿山", (Industry.mine.value, Industry.smelter.value)),
        FormRow(
            "workshop",
            "小作坊",
            (Industry.workshop.value, Industry.furniture.value, Industry.manufacturing.value),
        ),
        FormRow(
            "other",
            "其他",
            (Industry.construction_team.value, Industry.logistics.value, Industry.other.value),
        ),
    ),
    columns=(
        _c("staff_turnout", "参加检查人次", "人次", "inspections", "inspection_staff"),
        _c("employers_inspected", "检查单位户数", "户", "inspections", "inspected_employers"),
        _c("workers", "涉及劳动者人数", "人", "inspections", "inspected_workers"),
        _c(
            "contracts_households",
            "补签劳动合同",
            "户",
            "findings",
            "finding_employers",
            sub="户",
            types=list(CONTRACT),
        ),
        _c(
            "contracts_workers",
            "补签劳动合同",
            "人",
            "findings",
            "finding_workers",
            sub="人",
            types=list(CONTRACT),
        ),
        _c(
            "wages_amount",
            "补发工资和经济补偿金",
            "万元",
            "actions",
            "action_amount",
            sub="万元",
            type="wages_recovered",
        ),
        _c(
            "wages_workers",
            "补发工资和经济补偿金",
            "人",
            "actions",
            "action_people",
            sub="人",
            type="wages_recovered",
        ),
        _c("advance_payment", "财政垫付", "万元", "persons", "persons_advance_fund"),
        _c(
            "insurance_households",
            "督促参保",
            "户",
            "findings",
            "finding_employers",
            sub="户",
            types=list(INSURANCE),
        ),
        _c(
            "insurance_workers",
            "督促参保",
            "人",
            "findings",
            "finding_workers",
            sub="人",
            types=list(INSURANCE),
        ),
        _c(
            "migrants_rescued",
            "解救农民工",
            "人",
            "persons",
            "persons_rescued",
            handover="home",
            action="persons_repatriated",
        ),
        _c(
            "children_rescued",
            "解救童工",
            "人",
            "persons",
            "persons_rescued",
            role="child",
            action="children_rescued",
        ),
        _c("disabled_helped", "救助残障人员", "人", "persons", "persons_disabled"),
        _c(
            "unlicensed",
            "查处无照经营",
            "户",
            "findings",
            "finding_employers",
            types=["no_business_licence"],
        ),
        _c("sites_closed", "取缔关闭", "户", "actions", "action_employers", type="site_closed"),
        _c("suspensions", "责令停产停业", "户", "actions", "action_employers", type="suspension"),
        _c(
            "licences_revoked",
            "吊销证照",
            "户",
            "actions",
            "action_employers",
            type="licence_revoked",
        ),
        _c("fines", "罚款", "万元", "actions", "action_amount", type="fine"),
        _c("to_police", "移送公安机关", "件", "transfers", "transfers_sent"),
        _c("criminal_detention", "刑事拘留", "人", "persons", "persons_criminal_detention"),
        _c(
            "administrative_detention",
            "行政拘留",
            "人",
            "persons",
            "persons_administrative_detention",
        ),
        _c(
            "public_security_penalty",
            "治安处罚",
            "人",
            "persons",
            "persons_public_security_penalty",
        ),
        _c("tips_received", "举报案件", "件", "tips", "tips_received", sub="受理"),
        _c("tips_concluded", "举报案件", "件", "tips", "tips_concluded", sub="查结"),
        _c("leaflets", "发放宣传资料", "份", "publicity", "publicity_leaflets"),
        _c("consultations", "法律咨询", "人次", "publicity", "publicity_consultations"),
        _c("officials_held", "追究公职人员责任", "人", "persons", "persons_officials_held"),
    ),
)


# ---- filled-in forms -----------------------------------------------------------------------


def cell_json(value: Cell) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value.quantize(WAN))
    return int(value)


def cell_from_json(value: Any, money: bool) -> Cell:
    if value is None:
        return None
    return Decimal(str(value)).quantize(WAN) if money else int(value)


def add_cells(values: Iterable[Cell], money: bool) -> Cell:
    """The sum; None (not collected) if any part is not collected or there is no part."""
    total: Decimal | int = Decimal("0").quantize(WAN) if money else 0
    any_part = False
    for v in values:
        if v is None:
            return None
        any_part = True
        total = total + v
    if not any_part:
        return None
    return total


@dataclass(slots=True)
class FilledForm:
    """rows: row key → column key → cell; total: column key → cell."""

    template: FormTemplate
    rows: dict[str, Cells]
    total: Cells

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": {
                r: {k: cell_json(v) for k, v in cells.items()} for r, cells in self.rows.items()
            },
            "total": {k: cell_json(v) for k, v in self.total.items()},
        }


def totals(t: FormTemplate, rows: Mapping[str, Cells]) -> Cells:
    return {c.key: add_cells((rows[r.key][c.key] for r in t.rows), c.money) for c in t.columns}


def fill(
    t: FormTemplate, by_column: Mapping[str, Mapping[str, int | Decimal] | None]
) -> FilledForm:
    """From each column's figures by industry (None: not collected; money in yuan) to the
    form's cells."""
    where = row_of(t)
    rows: dict[str, Cells] = {r.key: {} for r in t.rows}
    for c in t.columns:
        figures = by_column.get(c.key)
        sums: dict[str, Decimal] = {r.key: Decimal(0) for r in t.rows}
        for industry, value in (figures or {}).items():
            sums[where.get(industry, t.rows[-1].key)] += Decimal(str(value))
        for r in t.rows:
            if figures is None:
                rows[r.key][c.key] = None
            elif c.money:
                rows[r.key][c.key] = (sums[r.key] / 10000).quantize(WAN)
            else:
                rows[r.key][c.key] = int(sums[r.key])
    return FilledForm(t, rows, totals(t, rows))


def form_from_json(t: FormTemplate, data: Mapping[str, Any]) -> FilledForm:
    """A frozen form read back; cells its template lacks are not collected."""
    money = {c.key: c.money for c in t.columns}
    raw_rows = data.get("rows") or {}
    rows = {
        r.key: {
            c.key: cell_from_json((raw_rows.get(r.key) or {}).get(c.key), money[c.key])
            for c in t.columns
        }
        for r in t.rows
    }
    return FilledForm(t, rows, totals(t, rows))


def roll_up(
    t: FormTemplate, forms: Sequence[FilledForm], collected: Collection[str] = ()
) -> FilledForm:
    """The cell-by-cell sum of the forms below, on template `t`: a cell one of them did
    not collect is not collected. With no form at all, the `collected` columns are 0."""
    rows: dict[str, Cells] = {}
    for r in t.rows:
        rows[r.key] = {}
        for c in t.columns:
            if forms:
                parts = [f.rows.get(r.key, {}).get(c.key) for f in forms]
                rows[r.key][c.key] = add_cells(parts, c.money)
            elif c.key in collected:
                rows[r.key][c.key] = Decimal("0").quantize(WAN) if c.money else 0
            else:
                rows[r.key][c.key] = None
    return FilledForm(t, rows, totals(t, rows))


# ---- the paper layout ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Merge:
    """1-based inclusive cell ranges, as openpyxl takes them."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int


def header_rows(t: FormTemplate, top: int) -> tuple[list[list[str]], list[Merge]]:
    """The form's two header rows (starting at sheet row `top`) and their merged cells:
    a group over its columns; a lone column (no sub-heading) over both rows."""
    first: list[str] = ["场所类型"]
    second: list[str] = [""]
    merges = [Merge(top, 1, top + 1, 1)]
    cols = list(t.columns)
    j = 0
    while j < len(cols):
        c = cols[j]
        span = 1
        if c.sub:
            while j + span < len(cols) and cols[j + span].group == c.group and cols[j + span].sub:
                span += 1
        col_no = j + 2  # column A is the row label
        if c.sub:
            first += [c.group] + [""] * (span - 1)
            second += [
                f"{x.sub}（{x.unit}）" if x.sub != x.unit else x.unit for x in cols[j : j + span]
            ]
            if span > 1:
                merges.append(Merge(top, col_no, top, col_no + span - 1))
        else:
            first.append(f"{c.group}（{c.unit}）")
            second.append("")
            merges.append(Merge(top, col_no, top + 1, col_no))
        j += span
    return [first, second], merges


def body_rows(form: FilledForm, *, blank: str = NOT_COLLECTED_ZH) -> list[list[Any]]:
    """One row per site kind, then 合计; a cell not collected reads 未采集."""
    t = form.template

    def shown(v: Cell) -> Any:
        return blank if v is None else v

    out = [[r.label, *(shown(form.rows[r.key][c.key]) for c in t.columns)] for r in t.rows]
    out.append(["合计", *(shown(form.total[c.key]) for c in t.columns)])
    return out
