"""The application's one clock. Services take `now`/`today` from here (or as an
argument, so tests pass fixed instants); nothing else reads the machine's clock.

`today()` is China's date (see app/domain/chinatime.py), whatever the host's
time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

from app.domain.chinatime import china_date

_FIXED: ContextVar[datetime | None] = ContextVar("labourwatch_clock_fixed", default=None)


def now() -> datetime:
    """The current instant, aware, in UTC (how every timestamp is stored)."""
    fixed = _FIXED.get()
    return fixed if fixed is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in China."""
    return china_date(now())


@contextmanager
def fixed_at(instant: datetime) -> Iterator[None]:
    """Inside the block `now()` answers `instant`, in this task and what it awaits only
    (a context variable): other requests, tasks and threads keep the real clock.

    For replaying a dated story through the real services, each write stamped with
    the day it happened (the demo's campaign, loaded in a second), and for tests.
    """
    if instant.tzinfo is None:
        raise ValueError("naive datetime: pass an aware instant")
    token = _FIXED.set(instant.astimezone(UTC))
    try:
        yield
    finally:
        _FIXED.reset(token)
