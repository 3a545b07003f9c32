"""What a tipster is told in plain words when the tip changes hands or its clock moves.

12345 practice (受理、转办、办理、回复 …): the person who reported hears when another
unit takes the matter over (转办) and when the time to handle it is extended (延期),
each with the date they may now expect an answer. Pure: the rows are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from app.domain.chinatime import china_date
from app.domain.deadlines import as_aware


@dataclass(frozen=True, slots=True)
class Notice:
    at: datetime
    kind: Literal["transferred", "extended"]
    message: str
    expected_by: date | None


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def last_day(deadline: datetime) -> date:
    """The last China date a deadline instant leaves whole (a deadline at midnight, as
    `chinatime.day_ends_at` gives, belongs to the day before)."""
    return china_date(as_aware(deadline) - timedelta(microseconds=1))


def transfer_notice(at: datetime, office: str, triage_due_at: datetime) -> Notice:
    due = last_day(triage_due_at)
    return Notice(
        at,
        "transferred",
        f"您的举报已于{zh_date(china_date(as_aware(at)))}转交{office}办理，"
        f"该办公室将于{zh_date(due)}前作出受理决定。",
        due,
    )


def extension_notice(at: datetime, investigate_by: date) -> Notice:
    return Notice(
        at,
        "extended",
        "您举报的问题情况较复杂，承办部门经负责人批准依法延长了办理期限，"
        f"预计于{zh_date(investigate_by)}前办结。",
        investigate_by,
    )


def notices(
    transfers: Iterable[tuple[datetime, str, datetime]],
    extensions: Iterable[tuple[datetime, date]],
) -> list[Notice]:
    """Transfers (at, office, triage due) and approved extensions (at, new date), oldest
    first; of several extensions the same day only the latest date is told."""
    out = [transfer_notice(*t) for t in transfers]
    by_day: dict[date, tuple[datetime, date]] = {}
    for at, until in extensions:
        day = china_date(as_aware(at))
        if day not in by_day or until > by_day[day][1]:
            by_day[day] = (at, until)
    out += [extension_notice(at, until) for at, until in by_day.values()]
    return sorted(out, key=lambda n: n.at)
