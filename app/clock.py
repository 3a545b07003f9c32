"""The application's one clock. Services take `now`/`today` from here (or as an
argument, so tests pass fixed instants); nothing else reads the machine's clock.

`today()` is China's date (see app/domain/chinatime.py), whatever the host's
time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.domain.chinatime import china_date


def now() -> datetime:
    """The current instant, aware, in UTC (how every timestamp is stored)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in China."""
    return china_date(now())
