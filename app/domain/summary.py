"""The written summary (工作总结), drafted from the figures in the documents' own order and words.

Pure: the figures arrive as plain data. The order and the sentences follow the seed's
document five (a township's 工作总结) and four (自查报告): the opening, then 一 leadership
and organisation, 二 publicity and the tip-line, 三 the inspections and what each site
showed, 四 problems and how they were dealt with, 五 next steps, the office and the date.

The rule that decides every sentence: the draft never claims more than the records show.
A sentence whose figure the records lack is left out, or written with 【待补充】 for the
office to complete (the file number, the leading group's members); a check that was not
marked on the checklist says nothing about that check.

Where the figures come from, said in the draft's closing note (起草说明):
- from the place's frozen periodic report of the period (`ReportBasis`) when one
  exists: what the report holds is quoted from it — places and people inspected by its
  rows, workers, tips received and concluded, publicity counts, and its other columns
  in the form's own words (补签劳动合同1户、5人, 罚款0.5万元), attributed to the report
  (据报送的统计表) because they are the report's claims, frozen; a county's report names
  the places below that had not submitted. What the report does not hold (the teams,
  villages, each site's checklist, findings by type, rectifications, filings) is read
  from the records, and the steps taken that only the records hold are dated by the
  day of drafting (截至起草时), not by the period;
- otherwise from the statistics table, signed off or live: the figures are as of
  drafting and no report is claimed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from app.domain.chinatime import CHINA_TZ
from app.domain.stats import CHANNEL_ZH, INDUSTRY_ZH, Figure
from app.domain.taxonomy import VIOLATION_TYPE_BY_CODE

TO_COMPLETE = "【待补充】"
SITE_LIMIT = 10
"""Up to this many sites are told one by one, as document five does; more are summed up."""

HEADINGS = (
    "一、统一思想，加强领导，制定切实可行的活动方案",
    "二、精心组织，讲究实效，做好专项行动的宣传发动",
    "三、突出重点，强化措施，确保专项行动取得实效",
    "四、发现的问题及处理情况",
    "五、下一步工作打算",
)
PHASE_ZH = {
    "publicity": "宣传发动",
    "self_check": "自查自纠",
    "enforcement": "执法检查",
    "rectification": "整改处理",
}
PUBLICITY_SENTENCES = {
    "meeting": "召开动员会、座谈会等会议{n}次",
    "leaflets": "发放宣传资料{n}份",
    "signs": "张贴标语、设立公开栏和举报箱{n}处",
    "media": "通过广播、电视、报纸等媒体宣传报道{n}次",
    "consultation": "设立咨询台接受群众法律咨询{n}人次",
    "training": "举办劳动保障法律法规培训{n}人次",
}
# The documents' own words for the problems they met most; the rest by their table names.
PROBLEM_ZH = {
    "no_employment_registration": "用工未及时向劳动部门备案",
    "no_labour_contract": "签订劳动合同不到位",
    "no_work_injury_insurance": "工伤保险未买",
    "no_social_insurance": "未参加社会保险",
    "no_wage_records": "未建立工资支付记录",
    "excessive_hours": "随意延长工时",
}
LICENCE_TYPES = frozenset(
    {
        "no_business_licence",
        "licence_expired",
        "no_tax_registration",
        "no_production_permit",
        "no_safety_permit",
        "illegal_mining",
        "illegal_land_use",
        "construction_without_permit",
    }
)
WAGE_TYPES = frozenset({"wage_arrears", "malicious_wage_arrears", "below_minimum_wage"})
CRIME_TYPES = frozenset({"forced_labour", "restriction_of_liberty", "abduction", "violence_abuse"})
TOLD_IN_CHECKS = LICENCE_TYPES | WAGE_TYPES | CRIME_TYPES | {"child_labour"}


@dataclass(frozen=True, slots=True)
class SiteVisit:
    """One inspected site as its latest counted inspection found it."""

    name: str
    industry: str
    total: int
    local: int
    migrant: int
    origins: Mapping[str, int]
    contracts_signed: int
    children_under_16: int
    checklist: Mapping[str, str]
    violation_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TeamLine:
    name: str
    leader: str
    people: int


@dataclass(frozen=True, slots=True)
class PublicityLine:
    kind: str
    count: int
    places: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FormFigure:
    """One column of a frozen report, as the form heads it (group, sub-heading, unit)."""

    group: str
    sub: str
    unit: str
    value: int | Decimal  # 万元 for money, as the form counts it


@dataclass(frozen=True, slots=True)
class ReportBasis:
    """The frozen periodic report (定期报送的统计表) the figures were taken from."""

    period_end: date
    version: int
    frozen_by: str
    frozen_at: datetime  # aware
    reason: str | None = None
    kinds: tuple[tuple[str, int], ...] = ()  # 检查单位户数 by the form's rows (小砖窑 …)
    figures: tuple[FormFigure, ...] = ()  # its other columns, collected and not 0
    missing: tuple[str, ...] = ()  # places below that had not submitted when it froze


RECORDS_ONLY_STEPS = (
    "rectifications_ordered",
    "rectifications_completed",
    "rectifications_overdue",
    "cases_opened",
    "cases_closed",
    "criminal_cases_filed",
)
"""Steps the national form does not hold: told from the records even when a report exists."""


@dataclass(frozen=True, slots=True)
class SummaryFigures:
    place_name: str
    campaign_name: str
    campaign_place: str
    period_end: date
    table: Mapping[str, Figure]
    office: str | None = None
    phases: tuple[tuple[str, date, date], ...] = ()
    teams: tuple[TeamLine, ...] = ()
    people: int = 0  # distinct people on those teams
    agencies: tuple[str, ...] = ()  # the agencies they were drawn from
    registered: Mapping[str, int] = field(default_factory=dict)  # by industry
    not_inspected: int = 0
    villages_total: int = 0
    villages_covered: int = 0
    sites: tuple[SiteVisit, ...] = ()
    origins: Mapping[str, int] = field(default_factory=dict)
    publicity: tuple[PublicityLine, ...] = ()
    first_meeting: date | None = None
    frozen: bool = False  # the statistics table was signed off
    report: ReportBasis | None = None
    drafted_on: date | None = None  # the day the draft is made (defaults to period_end)
    unreported: date | None = None  # the period asked for, which has no frozen report


@dataclass(frozen=True, slots=True)
class Draft:
    title: str
    opening: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    office: str
    dated: str
    note: str

    def lines(self) -> list[str]:
        out = [self.title, self.opening]
        for heading, paragraphs in self.sections:
            out.append(heading)
            out.extend(paragraphs)
        return [*out, self.office, self.dated]


_DIGITS = "〇一二三四五六七八九"


def _number_zh(n: int) -> str:
    if n <= 10:
        return "十" if n == 10 else _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("十" if tens == 1 else _DIGITS[tens] + "十") + (_DIGITS[ones] if ones else "")


def date_zh(day: date) -> str:
    """二〇二六年七月十四日, as an official document dates itself."""
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{_number_zh(day.month)}月{_number_zh(day.day)}日"


def month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def we(place: str) -> str:
    """我乡, 我镇, 我县: how a place names itself."""
    for suffix in ("街道", "乡", "镇", "县", "市", "区", "旗", "村"):
        if place.endswith(suffix):
            return f"我{suffix}"
    return place


def whole(place: str) -> str:
    """全县, 全市: the campaign's whole area, as the opening names it."""
    for suffix in ("县", "市", "区", "旗", "乡", "镇"):
        if place.endswith(suffix):
            return f"全{suffix}"
    return place


def _int(table: Mapping[str, Figure], key: str) -> int:
    return int(table.get(key, 0) or 0)


def _money(value: Figure | None) -> str:
    amount = Decimal(str(value or 0))
    return f"{amount:,.2f}元"


def _join(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return "、".join(items[:-1]) + "和" + items[-1]


def _problem(code: str) -> str:
    spec = VIOLATION_TYPE_BY_CODE.get(code)
    return PROBLEM_ZH.get(code, spec.name_zh if spec else code)


def _action(f: SummaryFigures) -> str:
    """The campaign's name without its place (黄骅市整治… → 整治…): the draft names places."""
    return f.campaign_name.removeprefix(f.campaign_place) or f.campaign_name


def _opening(f: SummaryFigures) -> str:
    return (
        f"自{whole(f.campaign_place)}开展{_action(f)}以来，{f.place_name}严格按照"
        f"{TO_COMPLETE}（上级文件名称及文号）文件要求，切实加强组织领导，突出工作重点，"
        "采取有效措施，狠抓工作落实，取得了阶段性成效。现将具体情况汇报如下："
    )


def _leadership(f: SummaryFigures) -> tuple[str, ...]:
    us = we(f.place_name)
    start = (
        f"{month_day(f.first_meeting)}{us}召开专项行动会议后，"
        if f.first_meeting
        else f"专项行动开展以来，{us}"
    )
    first = f"{start}把专项行动作为当前的一项重要工作摆上工作日程，明确了检查内容和检查重点。"
    # A leading group is on record only through its office (领导小组办公室).
    if f.office:
        first += (
            "成立了“整治非法用工打击违法犯罪专项行动”领导小组，"
            f"组长由{TO_COMPLETE}担任，成员由{TO_COMPLETE}组成，下设{f.office}。"
        )
    else:
        first += f"领导小组及其办公室的组成情况{TO_COMPLETE}。"
    out = [first]
    if f.phases:
        parts = [f"{PHASE_ZH.get(p, p)}（{month_day(a)}至{month_day(b)}）" for p, a, b in f.phases]
        out.append(f"专项行动分{'、'.join(parts)}{_number_zh(len(parts))}个阶段进行。")
    if f.teams:
        told = "；".join(f"{t.name}由{t.leader}任组长，共{t.people}人" for t in f.teams)
        drawn = f"，成员来自{'、'.join(f.agencies)}" if f.agencies else ""
        out.append(f"组建检查组{len(f.teams)}个：{told}{drawn}。")
    return tuple(out)


def _publicity(f: SummaryFigures) -> tuple[str, ...]:
    us = we(f.place_name)
    done = [
        PUBLICITY_SENTENCES[p.kind].format(n=p.count)
        + (f"（{'、'.join(p.places)}）" if p.places else "")
        for p in sorted(f.publicity, key=lambda p: list(PUBLICITY_SENTENCES).index(p.kind))
        if p.kind in PUBLICITY_SENTENCES and p.count
    ]
    if done:
        first = (
            "为切实搞好专项行动的舆论引导，充分发挥法律监督、舆论监督、群众监督相结合的作用，"
            f"{us}积极组织相关工作人员做好宣传工作，深入到村组和群众中去。一是广泛宣传，"
            f"{'，'.join(done)}。"
        )
    else:
        first = f"宣传发动情况{TO_COMPLETE}（系统中尚无宣传工作记录）。"
    t = f.table
    received = _int(t, "tips_received")
    if received:
        channels = [
            f"{zh}{_int(t, f'tips_{ch}')}件"
            for ch, zh in CHANNEL_ZH.items()
            if _int(t, f"tips_{ch}")
        ]
        tips = (
            f"据统计，截至{month_day(f.period_end)}，共接到群众举报{received}件"
            + (f"（其中{'、'.join(channels)}）" if channels else "")
            + _tips_dealt_with(f, received)
            + "。"
        )
    else:
        tips = f"截至{month_day(f.period_end)}，尚未接到群众举报。"
    second = (
        "二是公开举报电话，接受群众举报。对群众的来信来访来电认真进行接待和处理，"
        f"对群众反映的问题在调查核实的基础上，建立工作台帐，分类进行查处。{tips}"
    )
    return (first, second)


def _tips_dealt_with(f: SummaryFigures, received: int) -> str:
    """Live: handled at triage (受理、转办); from a report: concluded (查结), as the form
    counts it; nothing when the report does not hold it."""
    key, verb = ("tips_concluded", "已查结") if f.report else ("tips_handled", "已核查处理")
    if key not in f.table:
        return ""
    done = _int(f.table, key)
    if not done:
        return "，目前均在办理中"
    return f"，{verb}{done}件" + (f"，正在办理{received - done}件" if received > done else "")


def _site(site: SiteVisit) -> str:
    kind = INDUSTRY_ZH.get(site.industry, "用人单位")
    origins = {p: n for p, n in site.origins.items() if n}
    named = sum(origins.values())
    if origins:
        parts = [f"{p}籍民工{n}人" for p, n in origins.items()]
        if site.migrant > named:
            parts.append(f"其他外地民工{site.migrant - named}人")
        parts.append(f"当地人{site.local}人")
    else:
        parts = [f"当地的{site.local}人", f"外地的{site.migrant}人"]
    signed = f"，签订劳动合同{site.contracts_signed}人" if site.contracts_signed else ""
    head = (
        f"{site.name}（{kind}）共使用农民工{site.total}人，其中{'，'.join(parts)}{signed}，"
        "检查的具体情况是："
    )
    checks = _checks(site)
    if not checks:
        return head + f"{TO_COMPLETE}（检查表未勾选）。"
    return head + "".join(f"{i}、{c}；" for i, c in enumerate(checks, 1))[:-1] + "。"


def _checks(site: SiteVisit) -> list[str]:
    found = set(site.violation_types)
    marked = site.checklist
    out: list[str] = []
    licence = sorted(found & LICENCE_TYPES)
    if licence:
        out.append(f"存在{'、'.join(_problem(c) for c in licence)}问题")
    elif marked.get("licences") == "compliant":
        out.append("营业证照齐全")
    if "child_labour" in found or site.children_under_16:
        out.append(
            f"发现使用童工{site.children_under_16}人" if site.children_under_16 else "发现使用童工"
        )
    elif marked.get("child_labour") == "compliant":
        out.append("未发现使用童工的现象")
    wages = sorted(found & WAGE_TYPES)
    if wages:
        out.append(f"存在{'、'.join(_problem(c) for c in wages)}问题")
    elif marked.get("wage_payment") == "compliant":
        out.append("没有拖欠工人工资问题")
    crimes = sorted(found & CRIME_TYPES)
    if crimes:
        out.append(f"发现{'、'.join(_problem(c) for c in crimes)}等违法犯罪行为")
    elif marked.get("forced_labour") == "compliant":
        out.append("未发现拐骗农民工、限制人身自由、强迫劳动等违法犯罪行为")
    return out


def _other_problems(sites: Sequence[SiteVisit]) -> str:
    """但是，砖窑厂和银河铜矿都存在着……的情况: sites with the same other problems together."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for s in sites:
        rest = tuple(sorted(set(s.violation_types) - TOLD_IN_CHECKS))
        if rest:
            groups.setdefault(rest, []).append(s.name)
    said = []
    for codes, names in groups.items():
        both = "都" if len(names) > 1 else ""
        said.append(f"{_join(names)}{both}存在着{'，'.join(_problem(c) for c in codes)}的情况")
    return ("但是，" + "；".join(said) + "。") if said else ""


def _sites_by_kind(counts: Mapping[str, int]) -> str:
    return _join([f"{n}个{INDUSTRY_ZH.get(k, k)}" for k, n in counts.items() if n])


def _inspections(f: SummaryFigures) -> tuple[str, ...]:
    t, us = f.table, we(f.place_name)
    inspected = _int(t, "employers_inspected")
    if not inspected:
        return (
            f"截至{month_day(f.period_end)}，{us}尚无已签字的检查记录，检查情况{TO_COMPLETE}。",
        )
    people = f"抽调了{f.people}名人员组成{len(f.teams)}个检查组，" if f.teams else ""
    turnout = _int(t, "staff_turnout")
    villages = ""
    if f.villages_total and f.villages_covered:  # "0 of 4 villages" is no visit
        villages = (
            f"分赴{whole(f.place_name)}{f.villages_total}个行政村，"
            if f.villages_covered >= f.villages_total
            else f"分赴{whole(f.place_name)}{f.villages_total}个行政村中的{f.villages_covered}个，"
        )
    done_kinds = (
        dict(f.report.kinds)
        if f.report and f.report.kinds
        else {k: _int(t, f"employers_inspected_{k}") for k in INDUSTRY_ZH}
    )
    known = _sites_by_kind(f.registered)
    # "all we know of" only while every registered employer is among those counted
    if f.not_inspected == 0 and known and sum(f.registered.values()) == inspected:
        scope = f"对已掌握的{known}进行了认真排查"
    else:
        scope = f"对{_sites_by_kind(done_kinds)}进行了排查"
        if f.not_inspected:
            scope += (
                f"；截至{month_day(f.drafted_on or f.period_end)}，" if f.report else "，"
            ) + f"已登记的用人单位中尚有{f.not_inspected}家未检查"
    focus = "、".join(INDUSTRY_ZH.get(k, k) for k, n in done_kinds.items() if n)
    first = (
        f"专项行动开展以来，{us}根据主动检查和群众举报，按照边宣传、边检查、边发现、边处理的"
        f"原则，组织相关单位，{people}{villages}出动检查人员{turnout}人次，"
        f"重点对{focus}等进行清查。截至{month_day(f.period_end)}，{scope}。"
    )
    if f.report and f.report.missing:
        first += f"{'、'.join(f.report.missing)}尚未报送本期报表，以上数字不含其在内。"
    out = [first]
    if f.sites:
        out.extend(_site(s) for s in f.sites)
        other = _other_problems(f.sites)
        if other:
            out.append(other)
    else:
        out.append(_totals(f))
    return tuple(out)


def _totals(f: SummaryFigures) -> str:
    """The sites summed up; a breakdown the figures lack (a report holds no local/migrant
    split) is left out, never written as 0."""
    t = f.table
    text = f"共检查用人单位{_int(t, 'employers_inspected')}户"
    if "workers_total" in t:
        text += f"，涉及劳动者{_int(t, 'workers_total')}人"
    if "workers_local" in t and "workers_migrant" in t:
        origins = "、".join(f"{p}籍{n}人" for p, n in f.origins.items() if n)
        text += f"，其中当地{_int(t, 'workers_local')}人，外地{_int(t, 'workers_migrant')}人" + (
            f"（{origins}）" if origins else ""
        )
    if _int(t, "contracts_signed"):
        text += f"，签订劳动合同{_int(t, 'contracts_signed')}人"
    children = _int(t, "workers_children_under_16")
    text += f"；发现使用童工{children}人" if children else ""
    if "employers_with_problems" in t:
        problems = _int(t, "employers_with_problems")
        text += f"；存在问题的用人单位{problems}户" if problems else "；未发现违法用工问题"
    return text + "。"


STEPS = (
    ("rectifications_ordered", "责令限期整改{n}项"),
    ("rectifications_completed", "已整改到位{n}项"),
    ("rectifications_overdue", "逾期未整改{n}项"),
    ("cases_opened", "立案查处{n}件"),
    ("cases_closed", "已结案{n}件"),
    ("suspensions", "责令停产停业{n}户"),
    ("sites_closed", "取缔关闭{n}户"),
    ("licences_revoked", "吊销证照{n}户"),
    ("cases_to_police", "移送公安机关{n}件"),
    ("criminal_cases_filed", "公安机关刑事立案{n}件"),
    ("children_rescued", "解救童工{n}人"),
    ("persons_repatriated", "救助遣送返乡{n}人"),
)


def _found(f: SummaryFigures) -> str:
    t = f.table
    if "findings" not in t:
        return f"检查中发现的问题{TO_COMPLETE}。"
    found = _int(t, "findings")
    if not found:
        return "检查中未发现违法用工问题。"
    kinds = sorted(
        (
            (k[len("findings_") :], _int(t, k))
            for k in t
            if k.startswith("findings_") and _int(t, k)
        ),
        key=lambda kv: (-kv[1], _TYPE_ORDER.get(kv[0], len(_TYPE_ORDER))),
    )
    listed = "，".join(f"{_problem(code)}{n}项" for code, n in kinds)
    problems = (
        f"，涉及用人单位{_int(t, 'employers_with_problems')}户"
        if "employers_with_problems" in t
        else ""
    )
    return (
        f"检查中共发现问题{found}项（{listed}）{problems}。"
        "发现的问题已按照职责分工转交有关部门依法处理。"
    )


_TYPE_ORDER = {code: n for n, code in enumerate(VIOLATION_TYPE_BY_CODE)}


def _wan(amount: Decimal) -> str:
    """0.5000 → 0.5: the form's 万元 without its padding."""
    return format(amount.normalize(), "f")


def _form_phrases(figures: Sequence[FormFigure]) -> list[str]:
    """补签劳动合同1户、5人; 罚款0.5万元: a group's columns together, in the form's words."""
    out: list[tuple[str, list[str]]] = []
    for c in figures:
        if not c.value:  # 0 is not a step taken
            continue
        value = _wan(c.value) if isinstance(c.value, Decimal) else str(c.value)
        part = f"{value}{c.unit}"
        if out and c.sub and out[-1][0] == c.group:
            out[-1][1].append(part)
        else:
            out.append((c.group, [part]))
    return [group + "、".join(parts) for group, parts in out]


def _reported_steps(f: SummaryFigures, report: ReportBasis) -> tuple[str, ...]:
    t = f.table
    out = []
    phrases = _form_phrases(report.figures)
    if phrases:
        out.append(
            f"据{we(f.place_name)}报送的统计表，截至{month_day(report.period_end)}，"
            + "，".join(phrases)
            + "。"
        )
    said = [
        text.format(n=_int(t, k)) for k, text in STEPS if k in RECORDS_ONLY_STEPS and _int(t, k)
    ]
    if said:
        basis = "已签字确认的统计表" if f.frozen else "系统记录"
        day = month_day(f.drafted_on or f.period_end)
        out.append(f"另据{basis}（截至{day}），" + "，".join(said) + "。")
    return tuple(out) or (f"处理结果{TO_COMPLETE}（报送的统计表中尚无处理数字）。",)


def _problems(f: SummaryFigures) -> tuple[str, ...]:
    t = f.table
    first = _found(f)
    if f.report is not None:
        return (first, *_reported_steps(f, f.report))
    if not _int(t, "findings"):
        return (first,)
    said = [text.format(n=_int(t, k)) for k, text in STEPS if _int(t, k)]
    if _int(t, "fines"):
        said.append(f"罚款{_int(t, 'fines')}起，共计{_money(t.get('fines_amount'))}")
    if _int(t, "wages_recovered_workers") or Decimal(str(t.get("wages_recovered_amount") or 0)):
        said.append(
            f"追发工资{_money(t.get('wages_recovered_amount'))}，"
            f"涉及劳动者{_int(t, 'wages_recovered_workers')}人"
        )
    second = (
        f"截至{month_day(f.period_end)}，" + "，".join(said) + "。"
        if said
        else f"处理结果{TO_COMPLETE}（系统中尚无处理记录）。"
    )
    return (first, second)


def _next_steps(f: SummaryFigures) -> tuple[str, ...]:
    us = we(f.place_name)
    inspected = _int(f.table, "employers_inspected")
    educated = f"并对已检查过的{inspected}个用工单位进行相关政策法规教育，" if inspected else ""
    left = f"对尚未检查的{f.not_inspected}家用人单位逐一排查，" if f.not_inspected else ""
    return (
        f"下一步{us}将继续深入开展联合检查工作，{left}做到边检查、边整改，对达不到限期整改的，"
        f"坚决上报有关部门依法予以处罚，{educated}建立推行定期回访制度。同时，结合这次专项行动，"
        "深入开展劳动法等方面的法制宣传教育活动，搞好舆论引导，坚持正面宣传，维护社会稳定，"
        "维护用人单位和广大民工双方合法权益，力争此次“专项行动”深入扎实地搞好，不留死角，"
        "达到预期效果。",
    )


def _at_zh(instant: datetime) -> str:
    local = instant.astimezone(CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"


def basis_zh(f: SummaryFigures) -> str:
    """Where the figures come from, in plain words: the report (its period, version, who
    froze it and when) or the records as of drafting, not yet reported."""
    r = f.report
    if r is not None:
        fix = f"，更正理由：{r.reason}" if r.reason else ""
        missing = f"；{'、'.join(r.missing)}尚未报送，不在其内" if r.missing else ""
        return (
            f"本稿数字取自{f.place_name}截至{r.period_end.year}年{month_day(r.period_end)}的"
            f"定期报表（第{r.version}版，{r.frozen_by}于{_at_zh(r.frozen_at)}报送{fix}{missing}），"
            "报表没有的内容（检查组、行政村、各场所检查情况、发现的问题、整改和立案）"
            "取自系统记录"
        )
    day = f.drafted_on or f.period_end
    basis = (
        "已签字确认的统计表"
        if f.frozen
        else f"截至起草时（{day.year}年{month_day(day)}）的实时记录"
    )
    unreported = (
        f"截至{f.unreported.year}年{month_day(f.unreported)}的一期尚未报送定期报表"
        if f.unreported
        else "尚未报送定期报表"
    )
    return f"本稿数字取自{basis}，{unreported}"


def draft_summary(f: SummaryFigures) -> Draft:
    return Draft(
        title=f"{f.place_name}{_action(f)}工作总结",
        opening=_opening(f),
        sections=(
            (HEADINGS[0], _leadership(f)),
            (HEADINGS[1], _publicity(f)),
            (HEADINGS[2], _inspections(f)),
            (HEADINGS[3], _problems(f)),
            (HEADINGS[4], _next_steps(f)),
        ),
        office=f.office or f"{f.place_name}{TO_COMPLETE}",
        dated=date_zh(f.period_end),
        note=(
            f"【起草说明】{basis_zh(f)}；数字均取自系统，不多于记录所载。"
            f"标注{TO_COMPLETE}处为系统没有记录的内容，请办公室据实补充或删去后再行印发。"
        ),
    )
