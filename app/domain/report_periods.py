"""A campaign's reporting rhythm (报送时间) and the periods it makes.

The 2007 campaign had counties report every ten days, on the 8th, 18th and 28th, and
the final table and written summary by a date (8月1日 in the Jinan plan). A rhythm is
one of:

- `ten_days`: on the given days of every month (default 8, 18, 28);
- `monthly`: on day N of every month (the month's last day when it has fewer);
- `dates`: on the listed dates;

plus, for any of them, `final_by`: the final report, covering the whole campaign, due
by that date. A period ends on its reporting day (the figures are "截至" that day) and
is due by the end of that day in China, `lag_days` later when the rhythm gives a lag.
Figures are cumulative from the campaign's first day, as the progress reports
(进展情况) give them.

Pure: the campaign's dates and the rhythm arrive as arguments.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

RhythmKind = Literal["ten_days", "monthly", "dates"]
TEN_DAYS = (8, 18, 28)
MAX_PERIODS = 400


class RhythmError(ValueError):
    """The rhythm does not fit the campaign (the message says why, in Chinese)."""


@dataclass(frozen=True, slots=True)
class Period:
    end: date  # the figures are up to and including this day
    due: date  # submitted by the end of this day (China) is on time
    final: bool = False


def _month_days(start: date, end: date) -> list[tuple[int, int]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _on_days(start: date, end: date, days: list[int]) -> list[date]:
    found: set[date] = set()
    for y, m in _month_days(start, end):
        last = calendar.monthrange(y, m)[1]
        for d in days:
            day = date(y, m, min(d, last))
            if start <= day <= end:
                found.add(day)
    return sorted(found)


def reporting_days(starts_on: date, ends_on: date, rhythm: dict[str, Any]) -> list[date]:
    kind = rhythm.get("kind")
    if kind == "ten_days":
        return _on_days(starts_on, ends_on, list(rhythm.get("days") or TEN_DAYS))
    if kind == "monthly":
        return _on_days(starts_on, ends_on, [int(rhythm["day"])])
    if kind == "dates":
        return sorted({date.fromisoformat(str(d)) for d in rhythm.get("dates") or []})
    raise RhythmError(f"未知的报送方式：{kind!r}")


def periods(starts_on: date, ends_on: date, rhythm: dict[str, Any] | None) -> list[Period]:
    """The campaign's periods in date order; the final one (if any) last. Empty without
    a rhythm."""
    if not rhythm:
        return []
    lag = timedelta(days=int(rhythm.get("lag_days") or 0))
    out = [Period(day, day + lag) for day in reporting_days(starts_on, ends_on, rhythm)]
    final_by = rhythm.get("final_by")
    if final_by:
        out = [p for p in out if p.end != ends_on]
        out.append(Period(ends_on, date.fromisoformat(str(final_by)), final=True))
    return out


def check_rhythm(starts_on: date, ends_on: date, rhythm: dict[str, Any]) -> list[Period]:
    """The periods, or RhythmError when a date falls outside the campaign, the final
    report is due before the campaign ends, or the rhythm makes no period at all."""
    for d in rhythm.get("dates") or []:
        if not starts_on <= date.fromisoformat(str(d)) <= ends_on:
            raise RhythmError(f"报送日期 {d} 不在专项行动期间（{starts_on}至{ends_on}）内。")
    final_by = rhythm.get("final_by")
    if final_by and date.fromisoformat(str(final_by)) < ends_on:
        raise RhythmError("总结报送日期不能早于专项行动结束日期。")
    found = periods(starts_on, ends_on, rhythm)
    if not found:
        raise RhythmError("该报送方式在专项行动期间内没有任何报送日期。")
    if len(found) > MAX_PERIODS:
        raise RhythmError(f"报送期次过多（{len(found)}），最多 {MAX_PERIODS} 期。")
    return found


def period_ending(found: list[Period], end: date) -> Period | None:
    return next((p for p in found if p.end == end), None)
