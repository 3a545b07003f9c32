"""Alarm words in a tipster's follow-up, and the plain words a tipster is told."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.alarm_words import alarm_types
from app.domain.chinatime import day_ends_at
from app.domain.redaction import redact
from app.domain.tip_notices import extension_notice, notices, transfer_notice


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("老板连夜把孩子转移到别的窑上了", ["child_labour"]),
        ("晚上把人锁在工棚里，不让走", ["restriction_of_liberty"]),
        ("工头　殴打　要钱的工人", ["violence_abuse"]),  # full-width spaces hide nothing
        ("派出所的人是他们的保护伞", ["official_misconduct"]),
        ("有个智障的人在烧窑，童工也有", ["child_labour", "vulnerable_persons"]),
        ("工资还是没发，老板说下个月", []),
    ],
)
def test_alarm_words_name_critical_types(text: str, codes: list[str]) -> None:
    assert sorted(alarm_types(text)) == sorted(codes)


def test_a_transfer_notice_names_the_office_and_the_last_whole_day() -> None:
    at = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # 4 December in China
    n = transfer_notice(at, "沧州市专项行动领导小组办公室", day_ends_at(date(2026, 12, 11)))
    assert n.kind == "transferred" and n.expected_by == date(2026, 12, 11)
    assert n.message == (
        "您的举报已于2026年12月4日转交沧州市专项行动领导小组办公室办理，"
        "该办公室将于2026年12月11日前作出受理决定。"
    )


def test_notices_are_in_time_order_and_one_extension_a_day() -> None:
    t0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    t1 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    told = notices(
        [(t1, "某办公室", t1)],
        [(t0, date(2027, 3, 1)), (t0.replace(hour=3), date(2027, 3, 5))],
    )
    assert [n.kind for n in told] == ["extended", "transferred"]
    assert told[0] == extension_notice(t0.replace(hour=3), date(2027, 3, 5))
    assert "2027年3月5日" in told[0].message


def test_officers_read_a_childs_age_but_not_a_phone() -> None:
    text = "我叫王建国，电话13912345678，窑上有个12岁的孩子"
    kept = redact(text, ["王建国"], ["13912345678"], minor_ages=False)
    assert "12岁" in kept and "13912345678" not in kept and "王建国" not in kept
    assert "12岁" not in redact(text)
