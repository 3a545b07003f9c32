"""The statistics table (统计表): its columns, Chinese headers, and how rows roll up.

Pure: the figures arrive as plain mappings, computed in SQL by the service.
Money is a `Decimal` with two places; every other figure is an `int` count.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.taxonomy import VIOLATION_TYPES, Industry

Figure = int | Decimal
Figures = dict[str, Figure]

INDUSTRY_ZH: dict[str, str] = {
    Industry.brick_kiln: "砖窑厂",
    Industry.coal_mine: "煤矿",
    Industry.mine: "矿山",
    Industry.workshop: "小作坊",
    Industry.construction_team: "施工队",
    Industry.smelter: "冶炼厂",
    Industry.logistics: "物流",
    Industry.furniture: "家具厂",
    Industry.manufacturing: "制造业",
    Industry.other: "其他",
}
CHANNEL_ZH: dict[str, str] = {
    "web": "网上",
    "phone": "电话",
    "letter": "来信",
    "visit": "来访",
    "mailbox": "举报箱",
}
TIP_HANDLED = ("triaged", "rejected", "duplicate")
HEADCOUNT = ("total", "local", "migrant", "minors_16_18", "children_under_16")
ACTION_COUNTED = {
    "suspension": "suspensions",
    "licence_revoked": "licences_revoked",
    "site_closed": "sites_closed",
}
HOUSEHOLD_ACTIONS = ("suspension", "licence_revoked", "site_closed")
"""Actions whose columns are in households (户): each employer counts once per kind."""
# 刑事立案 also counts a criminal case the police opened on a share routed to them by law
# (forced labour goes to the police first, with no transfer): their recorded action.
CRIMINAL_FILED_ACTION = "criminal_case_filed"
ACTION_SUMMED = {
    "children_rescued": "children_rescued",
    "persons_repatriated": "persons_repatriated",
}


RECORDED: dict[str, str] = {
    "wages_recovered_amount": "追发工资（元）",
    "wages_recovered_workers": "追发工资涉及劳动者（人）",
    "children_rescued": "解救童工（人）",
    "persons_repatriated": "遣送返乡（人）",
}
"""Columns counted from persons where a case records them, else from the count actions;
`<key>_recorded` says how much of the figure came from person records (the rest came from
actions — `wages_recovered`, `children_rescued`, `persons_repatriated` — on cases that
record no such persons)."""
_MONEY_RECORDED = ("wages_recovered_amount",)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label_zh: str
    money: bool = False


def _columns() -> tuple[Column, ...]:
    c = Column
    cols = [c("employers_inspected", "检查用人单位数（户）")]
    cols += [
        c(f"employers_inspected_{i.value}", f"检查用人单位数·{INDUSTRY_ZH[i]}") for i in Industry
    ]
    cols += [
        c("staff_turnout", "出动检查人员（人次）"),
        c("workers_total", "涉及劳动者总数（人）"),
        c("workers_local", "其中本地（人）"),
        c("workers_migrant", "其中外地（人）"),
        c("workers_minors_16_18", "其中16至18周岁未成年工（人）"),
        c("workers_children_under_16", "其中16周岁以下童工（人）"),
        c("contracts_signed", "签订劳动合同（人）"),
        c("employers_with_problems", "存在问题的用人单位（户）"),
        c("findings", "发现问题（项）"),
    ]
    cols += [c(f"findings_{v.code}", f"发现问题·{v.name_zh}") for v in VIOLATION_TYPES]
    cols += [c("tips_received", "受理举报（件）")]
    cols += [c(f"tips_{ch}", f"受理举报·{zh}") for ch, zh in CHANNEL_ZH.items()]
    cols += [
        c("tips_handled", "已处理举报（件）"),
        c("cases_opened", "立案（件）"),
        c("cases_closed", "结案（件）"),
        c("cases_to_police", "移送公安机关（件）"),
        c("criminal_cases_filed", "刑事立案（件）"),
        c("fines", "罚款（次）"),
        c("fines_amount", "罚款金额（元）", money=True),
        c("suspensions", "责令停产停业（户）"),
        c("licences_revoked", "吊销证照（户）"),
        c("sites_closed", "取缔关闭（户）"),
        c("wages_recovered_amount", "追发工资（元）", money=True),
        c("wages_recovered_workers", "追发工资涉及劳动者（人）"),
        c("children_rescued", "解救童工（人）"),
        c("persons_repatriated", "遣送返乡（人）"),
    ]
    cols += [
        c(f"{k}_recorded", f"{label}·其中逐人记录", money=k in _MONEY_RECORDED)
        for k, label in RECORDED.items()
    ]
    cols += [
        c("workers_owed", "欠薪劳动者（人，逐人记录）"),
        c("wages_owed_amount", "拖欠工资（元，逐人记录）", money=True),
        c("workers_paid", "工资已结清劳动者（人，逐人记录）"),
        c("advance_fund_paid", "财政垫付工资（元，逐人记录）", money=True),
        c("vulnerable_rescued", "救助智障、流浪等人员（人，逐人记录）"),
        c("id_cards_returned", "返还身份证件（人，逐人记录）"),
        c("rectifications_ordered", "责令整改（项）"),
        c("rectifications_completed", "整改完成（项）"),
        c("rectifications_overdue", "逾期未整改（项）"),
    ]
    return tuple(cols)


COLUMNS: tuple[Column, ...] = _columns()
COLUMN_KEYS: tuple[str, ...] = tuple(col.key for col in COLUMNS)
MONEY_KEYS: frozenset[str] = frozenset(col.key for col in COLUMNS if col.money)
CENT = Decimal("0.01")


def empty_figures() -> Figures:
    return {k: (Decimal("0.00") if k in MONEY_KEYS else 0) for k in COLUMN_KEYS}


def add_into(target: Figures, key: str, value: Any) -> None:
    """Add a database value (None, int, Decimal, float or str from SQLite) to one figure.

    Keys that are not columns (a violation type added later) are ignored."""
    if value is None or key not in target:
        return
    if key in MONEY_KEYS:
        target[key] = (Decimal(target[key]) + Decimal(str(value))).quantize(CENT)
    else:
        target[key] = int(target[key]) + int(value)


def roll_up(rows: Iterable[Mapping[str, Figure]]) -> Figures:
    """The total of several rows (child jurisdictions' subtrees are disjoint, so sums add up)."""
    total = empty_figures()
    for row in rows:
        for key in COLUMN_KEYS:
            add_into(total, key, row.get(key))
    return total


def is_empty(figures: Mapping[str, Figure]) -> bool:
    return not any(figures.get(k) for k in COLUMN_KEYS)


def to_json(figures: Mapping[str, Figure]) -> dict[str, int | str]:
    """Money as a string with two places (exact), counts as ints: how figures are frozen."""
    return {
        k: (str(Decimal(figures[k]).quantize(CENT)) if k in MONEY_KEYS else int(figures[k]))
        for k in COLUMN_KEYS
        if k in figures
    }


def from_json(data: Mapping[str, Any]) -> Figures:
    out = empty_figures()
    for key in COLUMN_KEYS:
        if key in data:
            out[key] = (
                Decimal(str(data[key])).quantize(CENT) if key in MONEY_KEYS else int(data[key])
            )
    return out


def defuse(cell: Any) -> Any:
    """Prefix text a spreadsheet would evaluate (= + - @, tab, CR) with a quote."""
    if isinstance(cell, str) and cell and cell[0] in "=+-@\t\r":
        return "'" + cell
    return cell


def spreadsheet_rows(
    names: Iterable[str],
    rows: Iterable[Mapping[str, Figure]],
    total: Mapping[str, Figure],
    hidden: Collection[str] = (),
) -> list[list[Any]]:
    """Header, one row per place, then 合计, every text cell defused; without the columns
    in `hidden` (those the reader may not see)."""
    keys = [k for k in COLUMN_KEYS if k not in hidden]
    out: list[list[Any]] = [["地区", *(c.label_zh for c in COLUMNS if c.key not in hidden)]]
    for name, row in zip(names, rows, strict=True):
        out.append([defuse(name), *(row[k] for k in keys)])
    out.append(["合计", *(total[k] for k in keys)])
    return out
