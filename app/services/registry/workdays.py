"""The working-day calendar as data: the library's years, an admin's overrides, and the
`WorkCalendar` the pure clocks in `app/domain/workdays.py` count over.

Where a year comes from, first match wins: the admin's row (PUT /calendar/{year},
for a year the package does not know yet or a late change of the State Council's
notice), then the `chinese-calendar` package (the notices since 2004, updated each
year when the next year's arrangement is published, usually in November), then
plain weekdays — which /readyz reports, so an operator sees it before a deadline
comes out a few days wrong.
"""

from __future__ import annotations

import time
from datetime import date

import chinese_calendar
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor, Permission
from app.domain.workdays import CalendarSource, WorkCalendar, YearCalendar, year_errors
from app.errors import Forbidden, Unprocessable, field_error
from app.models.base import utcnow
from app.models.calendar import CalendarPublic, CalendarUpdate, WorkCalendarYear
from app.services.core import access

# Working-day clocks run at most 60 + 30 working days (劳动保障监察条例 第17条):
# well inside the year they start in and the next.
YEARS_AHEAD = 1
CACHE_SECONDS = 300.0
_cached: dict[int, tuple[float, WorkCalendar]] = {}


def library_year(year: int) -> YearCalendar | None:
    """The package's copy of the State Council's arrangement for `year`, if it has one."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return None
    holidays = frozenset(d for d in chinese_calendar.holidays if d.year == year)
    working = frozenset(d for d in chinese_calendar.workdays if d.year == year)
    return YearCalendar(year, holidays, working, CalendarSource.library)


def _from_row(row: WorkCalendarYear) -> YearCalendar:
    return YearCalendar(
        row.year,
        frozenset(date.fromisoformat(d) for d in row.holidays),
        frozenset(date.fromisoformat(d) for d in row.working_weekends),
        CalendarSource.admin,
    )


async def _rows(session: AsyncSession, years: list[int]) -> dict[int, WorkCalendarYear]:
    rows = (
        await session.exec(select(WorkCalendarYear).where(col(WorkCalendarYear.year).in_(years)))
    ).all()
    return {r.year: r for r in rows}


async def work_calendar(session: AsyncSession, *years: int) -> WorkCalendar:
    """The calendar for `years` and the year after the last (a clock may cross into it)."""
    wanted = sorted({y for first in years for y in range(first, first + YEARS_AHEAD + 1)})
    rows = await _rows(session, wanted)
    known: dict[int, YearCalendar] = {}
    for y in wanted:
        found = _from_row(rows[y]) if y in rows else library_year(y)
        if found is not None:
            known[y] = found
    return WorkCalendar(known)


async def cached_calendar(session: AsyncSession, year: int) -> WorkCalendar:
    """`work_calendar(session, year)`, held in this process for `CACHE_SECONDS`: for hot
    paths (every complaint on the tip-line counts working days) that must not query per
    request. A change made here drops it at once; other processes see it within the
    time the cache holds, long before a clock counted in days could tell."""
    found = _cached.get(year)
    if found is not None and time.monotonic() - found[0] < CACHE_SECONDS:
        return found[1]
    cal = await work_calendar(session, year)
    _cached[year] = (time.monotonic(), cal)
    return cal


def _public(cal: YearCalendar) -> CalendarPublic:
    return CalendarPublic(
        year=cal.year,
        holidays=sorted(cal.holidays),
        working_weekends=sorted(cal.working_weekends),
        source=cal.source,
    )


async def get_calendar(session: AsyncSession, actor: Actor, year: int) -> CalendarPublic:
    access.require(actor, Permission.reference_read)
    return _public((await work_calendar(session, year)).year(year))


async def set_calendar(
    session: AsyncSession, actor: Actor, year: int, update: CalendarUpdate
) -> CalendarPublic:
    """Replace a year's holidays and working weekends. The calendar is national (the
    State Council sets it), so only an admin of the national (root) jurisdiction may;
    403 for an admin lower down."""
    access.require(actor, Permission.reference_write)
    if not access.is_national(actor):
        raise Forbidden(
            "The working-day calendar is national; only an admin at the "
            "national level may change it."
        )
    cal = YearCalendar(
        year, frozenset(update.holidays), frozenset(update.working_weekends), CalendarSource.admin
    )
    errors = year_errors(cal)
    if errors:
        raise Unprocessable(
            "The calendar does not fit the year; see `errors`.",
            errors=[field_error(["body", f], m) for f, m in errors],
        )
    row = (await _rows(session, [year])).get(year)
    before = None if row is None else auditlog.snapshot(row)
    row = row or WorkCalendarYear(year=year)
    row.holidays = [d.isoformat() for d in sorted(cal.holidays)]
    row.working_weekends = [d.isoformat() for d in sorted(cal.working_weekends)]
    row.updated_at, row.updated_by = utcnow(), actor.id[:64]
    session.add(row)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "calendar.set",
        "work_calendar_year",
        str(year),
        before=before,
        after=auditlog.snapshot(row),
    )
    _cached.clear()
    return _public(cal)


async def calendar_warning(session: AsyncSession, today: date) -> str | None:
    """Which of this year and the next nobody has described (counted as plain weekdays)."""
    assumed = (await work_calendar(session, today.year)).assumed(today.year, today.year + 1)
    if not assumed:
        return None
    years = ", ".join(str(y) for y in assumed)
    return (
        f"working days of {years} are unknown (counted Monday to Friday, no holidays); "
        f"set them with PUT /api/v1/calendar/{assumed[0]}"
    )
