"""The reporting rhythm's periods and how filled-in forms add up (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.domain.report_form import DEFAULT_TEMPLATE, fill, roll_up
from app.domain.report_periods import Period, RhythmError, check_rhythm, periods

JULY = (date(2007, 6, 1), date(2007, 7, 31))


@pytest.mark.parametrize(
    ("rhythm", "ends"),
    [
        ({"kind": "ten_days"}, ["06-08", "06-18", "06-28", "07-08", "07-18", "07-28"]),
        (
            {"kind": "ten_days", "days": [10, 20, 31]},
            ["06-10", "06-20", "06-30", "07-10", "07-20", "07-31"],
        ),
        ({"kind": "monthly", "day": 31}, ["06-30", "07-31"]),
        ({"kind": "dates", "dates": ["2007-07-15", "2007-06-15"]}, ["06-15", "07-15"]),
    ],
)
def test_periods_fall_on_the_reporting_days(rhythm: dict[str, Any], ends: list[str]) -> None:
    assert [f"{p.end:%m-%d}" for p in periods(*JULY, rhythm)] == ends
    assert all(p.due == p.end and not p.final for p in periods(*JULY, rhythm))


def test_the_final_report_covers_the_campaign_and_is_due_by_its_date() -> None:
    found = periods(*JULY, {"kind": "monthly", "day": 31, "final_by": "2007-08-01", "lag_days": 2})
    assert found == [
        Period(date(2007, 6, 30), date(2007, 7, 2)),
        Period(date(2007, 7, 31), date(2007, 8, 1), final=True),
    ]


@pytest.mark.parametrize(
    "rhythm",
    [
        {"kind": "dates", "dates": ["2007-08-08"]},
        {"kind": "ten_days", "final_by": "2007-07-30"},
        {"kind": "monthly", "day": 31, "dates": ["2007-05-01"]},
    ],
)
def test_a_rhythm_that_does_not_fit_the_campaign_is_refused(rhythm: dict[str, Any]) -> None:
    with pytest.raises(RhythmError):
        check_rhythm(*JULY, rhythm)


def test_a_column_not_collected_stays_null_through_the_roll_up() -> None:
    t = DEFAULT_TEMPLATE
    unknown = ("publicity", "persons", "none")
    by_column: dict[str, Any] = {c.key: (None if c.source in unknown else {}) for c in t.columns}
    one = fill(t, {**by_column, "fines": {"brick_kiln": Decimal("5000"), "smelter": 1500}})
    two = fill(t, {**by_column, "fines": {"mine": Decimal("12345.67")}})
    total = roll_up(t, [one, two])
    assert one.rows["mine"]["fines"] == Decimal("0.1500")  # a smelter is a 小矿山
    assert total.rows["mine"]["fines"] == Decimal("1.3846")
    assert total.total["fines"] == Decimal("1.8846")
    assert total.total["leaflets"] is None and total.rows["other"]["advance_payment"] is None
    assert total.total["employers_inspected"] == 0
    nobody = roll_up(t, [], {"fines"})
    assert nobody.total["fines"] == Decimal("0") and nobody.total["leaflets"] is None
