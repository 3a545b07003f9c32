"""The drafted summary's wording: the documents' sentences, and nothing the figures lack."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.domain.checklist import origins_errors
from app.domain.summary import (
    SITE_LIMIT,
    FormFigure,
    ReportBasis,
    SiteVisit,
    SummaryFigures,
    date_zh,
    draft_summary,
    we,
)
from app.domain.taxonomy import VIOLATION_TYPES


def _figures(**over: object) -> SummaryFigures:
    base: dict[str, object] = {
        "place_name": "某某乡",
        "campaign_name": "整治非法用工打击违法犯罪专项行动",
        "campaign_place": "某某县",
        "period_end": date(2010, 7, 14),
        "table": {},
    }
    return SummaryFigures(**{**base, **over})  # type: ignore[arg-type]


def _text(f: SummaryFigures) -> str:
    return "\n".join(draft_summary(f).lines())


@pytest.mark.parametrize(
    ("day", "zh"),
    [
        (date(2010, 7, 14), "二〇一〇年七月十四日"),
        (date(2026, 12, 4), "二〇二六年十二月四日"),
        (date(2007, 10, 20), "二〇〇七年十月二十日"),
        (date(2009, 1, 31), "二〇〇九年一月三十一日"),
    ],
)
def test_the_date_is_written_as_official_documents_write_it(day: date, zh: str) -> None:
    assert date_zh(day) == zh


@pytest.mark.parametrize(
    ("place", "us"),
    [("某某乡", "我乡"), ("黄骅镇", "我镇"), ("黄骅市", "我市"), ("城关街道", "我街道")],
)
def test_a_place_names_itself(place: str, us: str) -> None:
    assert we(place) == us


def test_with_no_records_the_draft_leaves_the_figures_to_the_office() -> None:
    text = _text(_figures())
    assert text.startswith("某某乡整治非法用工打击违法犯罪专项行动工作总结\n自全县开展")
    assert "宣传发动情况【待补充】" in text and "领导小组及其办公室的组成情况【待补充】" in text
    assert "截至7月14日，尚未接到群众举报。" in text
    for claim in ("证照齐全", "未发现使用童工", "拖欠", "检查组", "份", "行政村"):
        assert claim not in text, claim


def test_the_campaigns_place_is_not_named_twice() -> None:
    draft = draft_summary(_figures(campaign_name="某某县整治非法用工打击违法犯罪专项行动"))
    assert draft.title == "某某乡整治非法用工打击违法犯罪专项行动工作总结"
    assert draft.opening.startswith("自全县开展整治非法用工打击违法犯罪专项行动以来，某某乡")


def test_a_check_not_marked_says_nothing_about_it() -> None:
    site = SiteVisit(
        name="某砖窑厂",
        industry="brick_kiln",
        total=10,
        local=10,
        migrant=0,
        origins={},
        contracts_signed=0,
        children_under_16=0,
        checklist={"child_labour": "compliant"},
        violation_types=(),
    )
    text = _text(_figures(table={"employers_inspected": 1}, sites=(site,)))
    assert "检查的具体情况是：1、未发现使用童工的现象。" in text
    assert "证照齐全" not in text and "拖欠" not in text


def test_found_problems_replace_the_all_clear() -> None:
    site = SiteVisit(
        name="某砖窑厂",
        industry="brick_kiln",
        total=12,
        local=2,
        migrant=10,
        origins={"四川": 3, "河南": 4},
        contracts_signed=0,
        children_under_16=2,
        checklist={"licences": "compliant", "child_labour": "not_compliant"},
        violation_types=("child_labour", "forced_labour", "no_business_licence"),
    )
    text = _text(_figures(table={"employers_inspected": 1}, sites=(site,)))
    assert "其中四川籍民工3人，河南籍民工4人，其他外地民工3人，当地人2人" in text
    assert (
        "1、存在未工商登记/无营业执照生产问题；2、发现使用童工2人；3、发现强迫劳动等违法犯罪行为。"
        in text
    )
    assert "证照齐全" not in text and "未发现" not in text.split("三、")[1].split("四、")[0]


def test_many_sites_are_summed_up_not_told_one_by_one() -> None:
    table = {
        "employers_inspected": SITE_LIMIT + 5,
        "employers_inspected_brick_kiln": SITE_LIMIT + 5,
        "workers_total": 300,
        "workers_local": 200,
        "workers_migrant": 100,
        "employers_with_problems": 3,
    }
    text = _text(_figures(table=table, origins={"四川": 40}))
    assert (
        f"共检查用人单位{SITE_LIMIT + 5}户，涉及劳动者300人，其中当地200人，外地100人（四川籍40人）"
        in text
    )
    assert "存在问题的用人单位3户" in text


def test_every_violation_type_has_words() -> None:
    site_types = tuple(v.code for v in VIOLATION_TYPES)
    site = SiteVisit("甲", "other", 1, 1, 0, {}, 0, 0, {}, site_types)
    text = _text(_figures(table={"employers_inspected": 1}, sites=(site,)))
    assert all(code not in text for code in site_types)


def test_named_origins_are_at_most_the_migrants() -> None:
    assert origins_errors({"四川": 5}, 5) == []
    assert origins_errors({"四川": 5, "河南": 1}, 5) != []
    assert origins_errors(None, 0) == []


def _with_note(f: SummaryFigures) -> str:
    draft = draft_summary(f)
    return "\n".join([*draft.lines(), draft.note])


def _report(**over: object) -> ReportBasis:
    base: dict[str, object] = {
        "period_end": date(2010, 7, 8),
        "version": 2,
        "frozen_by": "王主任",
        "frozen_at": datetime(2010, 7, 8, 8, 5, tzinfo=UTC),
        "reason": "漏报一处小矿山",
    }
    return ReportBasis(**{**base, **over})  # type: ignore[arg-type]


def test_a_reports_columns_are_quoted_in_the_forms_own_words() -> None:
    figures = (
        FormFigure("补签劳动合同", "户", "户", 1),
        FormFigure("补签劳动合同", "人", "人", 5),
        FormFigure("督促参保", "户", "户", 0),
        FormFigure("督促参保", "人", "人", 12),
        FormFigure("罚款", "", "万元", Decimal("2.5000")),
    )
    table = {"employers_inspected": 1, "findings": 0, "cases_opened": 2, "suspensions": 9}
    text = _with_note(
        _figures(
            period_end=date(2010, 7, 8),
            drafted_on=date(2010, 7, 14),
            table=table,
            report=_report(figures=figures, missing=("某某镇",)),
        )
    )
    quoted = "补签劳动合同1户、5人，督促参保12人，罚款2.5万元"
    assert f"据我乡报送的统计表，截至7月8日，{quoted}。" in text
    # a step only the records hold is dated by the drafting day; one the report holds is
    # never taken from the records beside it
    assert "另据系统记录（截至7月14日），立案查处2件。" in text and "停产" not in text
    assert "某某镇尚未报送本期报表，以上数字不含其在内。" in text
    assert (
        "本稿数字取自某某乡截至2010年7月8日的定期报表（第2版，王主任于2010年7月8日16:05报送，"
        "更正理由：漏报一处小矿山；某某镇尚未报送，不在其内）" in text
    )


def test_a_breakdown_the_figures_lack_is_left_out_not_written_as_0() -> None:
    table = {"employers_inspected": SITE_LIMIT + 1, "workers_total": 80}
    text = _with_note(_figures(table=table, report=_report()))
    assert f"共检查用人单位{SITE_LIMIT + 1}户，涉及劳动者80人。" in text
    assert "当地" not in text and "检查中发现的问题【待补充】。" in text


def test_live_figures_say_they_are_not_reported() -> None:
    text = _with_note(_figures(drafted_on=date(2010, 7, 14), unreported=date(2010, 7, 18)))
    assert (
        "本稿数字取自截至起草时（2010年7月14日）的实时记录，截至2010年7月18日的一期尚未报送定期报表"
        in text
    )
