"""China's day: the one notion of "today" the law's clocks are counted in.

Deadlines, licence expiry, "visited in the future" and campaign phases are all
judged by the calendar date in China (Asia/Shanghai, UTC+8 all year, no DST),
never by the machine's time zone or the UTC date: at 07:30 in Huanghua it is
still yesterday in UTC, and at 23:00 UTC it is already tomorrow in Huanghua.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")


def day_ends_at(day: date) -> datetime:
    """The first instant after `day` in China, in UTC: when a deadline day runs out."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA_TZ).astimezone(UTC)


def china_date(instant: datetime) -> date:
    """The date in China at the aware instant `instant`."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: pass an aware instant")
    return instant.astimezone(CHINA_TZ).date()


def day_starts(day: date) -> datetime:
    """The instant (in UTC) China's `day` begins. The first day of the calendar, whose
    midnight in China falls before year 1 in UTC, starts at the earliest instant, so a
    stored extreme date bounds a query instead of overflowing it."""
    if day == date.min:
        return datetime.min.replace(tzinfo=UTC)
    return datetime.combine(day, time(0), tzinfo=CHINA_TZ).astimezone(UTC)


def day_ends(day: date) -> datetime:
    """The instant (in UTC) the day after China's `day` begins: the exclusive end of it.
    The last day of the calendar ends at the latest instant."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return day_starts(day + timedelta(days=1))
