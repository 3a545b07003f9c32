"""Working days: the unit of China's legal clocks.

A day is a working day when it is a weekday that is not a statutory holiday, or a
weekend day the State Council has made a working day (调休, e.g. Saturday
10 October 2026 after National Day). Which days those are is data — one
`YearCalendar` per year, from a maintained library, an admin's override, or,
for a year nobody has described yet, plain weekdays — and these functions only
count over it.

Counting follows 民法典 第201条: a period counted in days starts on the day
after the event ("开始的当日不计入，自下一日开始计算"). So a case filed on
day D with 60 working days to investigate (劳动保障监察条例 第17条) is due on
the 60th working day after D, and the filing day itself is never counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

SATURDAY = 5


class CalendarSource(StrEnum):
    library = "library"  # the chinese-calendar package's copy of the State Council notices
    admin = "admin"  # set by an administrator (PUT /calendar/{year})
    weekdays = "weekdays"  # nobody knows this year yet: Monday to Friday, no holidays


@dataclass(frozen=True, slots=True)
class YearCalendar:
    year: int
    holidays: frozenset[date] = frozenset()
    working_weekends: frozenset[date] = frozenset()
    source: CalendarSource = CalendarSource.weekdays

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < SATURDAY and day not in self.holidays


def year_errors(cal: YearCalendar) -> list[tuple[str, str]]:
    """What is wrong with a year's data, as (field, message): dates outside the year,
    a "working weekend" that is a weekday, a day that is both."""
    errors: list[tuple[str, str]] = []
    for name, days in (("holidays", cal.holidays), ("working_weekends", cal.working_weekends)):
        if outside := sorted(d for d in days if d.year != cal.year):
            errors.append((name, f"{outside[0]} is not in {cal.year}."))
    if weekdays := sorted(d for d in cal.working_weekends if d.weekday() < SATURDAY):
        errors.append(("working_weekends", f"{weekdays[0]} is a weekday, not a weekend day."))
    if both := sorted(cal.holidays & cal.working_weekends):
        errors.append(("working_weekends", f"{both[0]} is also listed as a holiday."))
    return errors


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """The years a clock may cross. A year not given counts as plain weekdays, and
    `assumed` says which years those were, so callers can warn."""

    years: Mapping[int, YearCalendar] = field(default_factory=dict)

    def year(self, year: int) -> YearCalendar:
        return self.years.get(year) or YearCalendar(year)

    def is_working_day(self, day: date) -> bool:
        return self.year(day.year).is_working_day(day)

    def assumed(self, *years: int) -> list[int]:
        return [y for y in years if self.year(y).source is CalendarSource.weekdays]


def add_working_days(cal: WorkCalendar, start: date, days: int) -> date:
    """The `days`-th working day after `start` (`start` itself not counted).

    Zero gives `start` back unchanged. Negative counts are refused: a legal clock
    never runs backwards.
    """
    if days < 0:
        raise ValueError("a working-day period cannot be negative")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            left -= 1
    return day


def working_days_between(cal: WorkCalendar, start: date, end: date) -> int:
    """How many working days after `start`, up to and including `end`; negative when
    `end` is before `start` (so `add_working_days(cal, s, working_days_between(cal, s, e))`
    is `e` whenever `e` is a working day)."""
    if end < start:
        return -working_days_between(cal, end, start)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return count
