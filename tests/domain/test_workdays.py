"""Working-day clocks across the 2026 Spring Festival and National Day, with their 调休.

The year is written out from the State Council's notice (国办发明电〔2025〕7号), not
taken from the library, so the rule is tested on its own; a second test checks the
library says the same.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.workdays import (
    CalendarSource,
    WorkCalendar,
    YearCalendar,
    add_working_days,
    working_days_between,
    year_errors,
)
from app.services.registry.workdays import library_year


def _span(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


NOTICE_2026 = YearCalendar(
    2026,
    holidays=frozenset(
        _span(date(2026, 1, 1), date(2026, 1, 3))
        | _span(date(2026, 2, 15), date(2026, 2, 23))
        | _span(date(2026, 4, 4), date(2026, 4, 6))
        | _span(date(2026, 5, 1), date(2026, 5, 5))
        | _span(date(2026, 6, 19), date(2026, 6, 21))
        | _span(date(2026, 9, 25), date(2026, 9, 27))
        | _span(date(2026, 10, 1), date(2026, 10, 7))
    ),
    working_weekends=frozenset(
        {
            date(2026, 1, 4),
            date(2026, 2, 14),
            date(2026, 2, 28),
            date(2026, 5, 9),
            date(2026, 9, 20),
            date(2026, 10, 10),
        }
    ),
    source=CalendarSource.admin,
)
CAL = WorkCalendar({2026: NOTICE_2026})


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before the Spring Festival
        (date(2026, 2, 14), True),  # Saturday made a working day
        (date(2026, 2, 16), False),  # Monday, 除夕 eve
        (date(2026, 2, 23), False),  # Monday, last day off
        (date(2026, 2, 24), True),  # back to work
        (date(2026, 2, 28), True),  # Saturday made a working day
        (date(2026, 3, 1), False),  # an ordinary Sunday
        (date(2026, 9, 20), True),  # Sunday made a working day before National Day
        (date(2026, 9, 30), True),  # last working day before National Day
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),  # Wednesday, still off
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday made a working day
        (date(2026, 10, 11), False),
    ],
)
def test_which_days_are_working_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 2, 12), 1, date(2026, 2, 13)),
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # the working Saturday counts
        (date(2026, 2, 13), 2, date(2026, 2, 24)),  # the whole festival does not
        (date(2026, 2, 13), 5, date(2026, 2, 27)),
        (date(2026, 2, 13), 6, date(2026, 2, 28)),  # the second working Saturday
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        (date(2026, 10, 1), 1, date(2026, 10, 8)),  # filed on a holiday: the next day still first
        (date(2026, 2, 13), 0, date(2026, 2, 13)),
        # 60 working days to investigate from the last working day before National Day
        # (劳动保障监察条例 第17条): October gives 18 (the 8th, 9th, the working Saturday
        # 10th, then three full weeks), November 21, so the 60th is December's 21st: the 29th.
        (date(2026, 9, 30), 60, date(2026, 12, 29)),
        # +30 on extension: the 31st and then 2027, which nobody has described yet (weekdays)
        (date(2026, 9, 30), 90, date(2027, 2, 9)),
    ],
)
def test_adding_working_days(start: date, days: int, due: date) -> None:
    assert add_working_days(CAL, start, days) == due
    if days:
        assert working_days_between(CAL, start, due) == days


def test_between_is_antisymmetric_and_a_clock_never_runs_back() -> None:
    a, b = date(2026, 2, 10), date(2026, 3, 10)
    assert working_days_between(CAL, b, a) == -working_days_between(CAL, a, b)
    assert working_days_between(CAL, a, a) == 0
    with pytest.raises(ValueError, match="negative"):
        add_working_days(CAL, a, -1)


def test_unknown_years_count_as_weekdays_and_say_so() -> None:
    assert CAL.assumed(2026, 2027) == [2027]
    assert CAL.is_working_day(date(2027, 1, 1))  # a Friday nobody has declared a holiday yet
    assert not CAL.is_working_day(date(2027, 1, 2))


@pytest.mark.parametrize(
    ("cal", "field"),
    [
        (YearCalendar(2026, holidays=frozenset({date(2025, 12, 31)})), "holidays"),
        (YearCalendar(2026, working_weekends=frozenset({date(2026, 2, 16)})), "working_weekends"),
        (
            YearCalendar(
                2026,
                holidays=frozenset({date(2026, 2, 14)}),
                working_weekends=frozenset({date(2026, 2, 14)}),
            ),
            "working_weekends",
        ),
    ],
)
def test_a_year_that_does_not_fit_is_refused(cal: YearCalendar, field: str) -> None:
    assert [f for f, _ in year_errors(cal)] == [field]
    assert year_errors(NOTICE_2026) == []


def test_the_library_agrees_with_the_notice_for_2026() -> None:
    lib = library_year(2026)
    assert lib is not None and lib.source is CalendarSource.library
    assert lib.working_weekends == NOTICE_2026.working_weekends
    days = _span(date(2026, 1, 1), date(2026, 12, 31))
    assert [d for d in days if lib.is_working_day(d) != NOTICE_2026.is_working_day(d)] == []
    assert library_year(1990) is None
