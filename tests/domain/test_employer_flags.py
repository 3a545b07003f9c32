"""The employer flags as a pure function of industry, licences and the day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.chinatime import china_date
from app.domain.employer_flags import EmployerFlag, employer_flags

DAY = date(2027, 7, 1)
BEFORE, AFTER = date(2027, 6, 30), date(2027, 7, 2)
F = EmployerFlag


@pytest.mark.parametrize(
    ("industry", "licences", "flags"),
    [
        # 安全生产许可证条例 第2条: no safety permit is required of a kiln or a smelter
        ("brick_kiln", [], [F.no_business_licence]),
        ("smelter", [("business", AFTER)], []),
        ("coal_mine", [("business", AFTER)], [F.no_safety_permit]),
        ("construction_team", [("business", AFTER)], [F.no_safety_permit]),
        ("furniture", [], [F.no_business_licence]),
        ("furniture", [("business", None)], []),
        ("furniture", [("business", BEFORE)], [F.licence_expired]),
        ("furniture", [("business", DAY)], []),
        ("mine", [("business", AFTER), ("safety", AFTER)], []),
        (
            "mine",
            [("business", AFTER), ("safety", BEFORE)],
            [F.licence_expired, F.no_safety_permit],
        ),
        (
            "coal_mine",
            [("business", AFTER), ("tax", BEFORE)],
            [F.licence_expired, F.no_safety_permit],
        ),
        ("construction_team", [("business", None), ("construction", None)], [F.no_safety_permit]),
        ("smelter", [("safety", None)], [F.no_business_licence]),
        ("logistics", [("business", None), ("safety", BEFORE)], [F.licence_expired]),
    ],
)
def test_flags(
    industry: str, licences: list[tuple[str, date | None]], flags: list[EmployerFlag]
) -> None:
    assert employer_flags(industry, licences, DAY) == flags


def test_the_day_is_chinas() -> None:
    assert china_date(datetime(2027, 6, 30, 17, 0, tzinfo=UTC)) == date(2027, 7, 1)
    assert china_date(datetime(2027, 6, 30, 15, 59, tzinfo=UTC)) == date(2027, 6, 30)
