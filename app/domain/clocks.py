"""The three clocks an assignment runs on, and when each is overdue.

- **accept**: a pending assignment must be accepted by `due_at` (hours, by severity).
- **handling**: a filed (立案) assignment, still accepted, must be investigated by
  `investigate_by`, a China date 60 working days after filing, extended once with the
  head's approval (劳动保障监察条例 第17条). Overdue once that day is over.
- **rectify**: an ordered rectification (责令改正) must be corrected by its deadline,
  a China date; overdue once that day is over while it is still ordered or escalated.

Dates count in China's calendar (`app.clock.today()`): a deadline day ends at
midnight in Huanghua, not in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from app.domain.deadlines import is_overdue

PENDING_RECTIFICATION = ("ordered", "escalated")


class Clock(StrEnum):
    accept = "accept"
    handling = "handling"
    rectify = "rectify"


def handling_overdue(status: str, investigate_by: date | None, today: date) -> bool:
    """A filed assignment still being worked whose investigation day is over."""
    return status == "accepted" and investigate_by is not None and today > investigate_by


def rectify_overdue(rectify_by: date | None, today: date) -> bool:
    """`rectify_by`: the earliest deadline among the assignment's pending rectifications."""
    return rectify_by is not None and today > rectify_by


def overdue_clocks(
    *,
    status: str,
    due_at: datetime,
    investigate_by: date | None,
    rectify_by: date | None,
    now: datetime,
    today: date,
) -> list[Clock]:
    """Which of the clocks have run out, in the order accept, handling, rectify."""
    out = []
    if is_overdue(due_at, now, status != "pending"):
        out.append(Clock.accept)
    if handling_overdue(status, investigate_by, today):
        out.append(Clock.handling)
    if rectify_overdue(rectify_by, today):
        out.append(Clock.rectify)
    return out
