"""Deadlines derived from time, never stored as a state.

Timestamps from SQLite come back naive even for `timezone=True` columns; the
functions here read a naive datetime as UTC so comparing one with an aware
`now` does not raise.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, timedelta

from app.domain.chinatime import day_ends_at
from app.domain.taxonomy import CRITICAL_CODES

TRIAGE_CRITICAL = timedelta(hours=24)
TRIAGE_NORMAL = timedelta(days=3)
COMPLAINT_WORKING_DAYS = 5
"""A worker's own complaint (投诉) is accepted, or refused in writing, within 5 working days
of its receipt (关于实施《劳动保障监察条例》若干规定, 劳动和社会保障部令第25号, 第18条)."""


def as_aware(dt: datetime) -> datetime:
    """`dt` itself if it has a time zone, else `dt` read as UTC."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def triage_due_at(
    received_at: datetime,
    violation_types: Iterable[str],
    *,
    critical: timedelta = TRIAGE_CRITICAL,
    normal: timedelta = TRIAGE_NORMAL,
    critical_codes: Collection[str] = CRITICAL_CODES,
    complaint_by: date | None = None,
) -> datetime:
    """A tip must be triaged (有报必查) within `critical` if any type it names is critical.

    A complaint gives `complaint_by`, the `COMPLAINT_WORKING_DAYS`-th working day after the
    China date it was received: it is due when that day ends in China, unless it names a
    critical type, which keeps the shorter `critical` clock."""
    urgent = any(code in critical_codes for code in violation_types)
    if urgent:
        return received_at + critical
    return day_ends_at(complaint_by) if complaint_by is not None else received_at + normal


def is_overdue(due_at: datetime | None, now: datetime, done: bool) -> bool:
    """Overdue means not done and strictly past the deadline; no deadline is never overdue."""
    if done or due_at is None:
        return False
    return as_aware(now) > as_aware(due_at)
