"""`clock.fixed_at`: a fixed instant for one task, the real clock for everyone else."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from app import clock
from app.models.base import utcnow

EVENING_IN_UTC = datetime(2026, 8, 14, 23, 30, tzinfo=UTC)


async def test_fixed_at_holds_in_its_own_task_only() -> None:
    go = asyncio.Event()

    async def elsewhere() -> datetime:
        await go.wait()
        return clock.now()

    other = asyncio.create_task(elsewhere())  # another request, say
    with clock.fixed_at(EVENING_IN_UTC):
        assert utcnow() == clock.now() == EVENING_IN_UTC
        assert clock.today() == date(2026, 8, 15)  # already morning in China
        go.set()
        assert await other != EVENING_IN_UTC
    assert clock.now() != EVENING_IN_UTC


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"), clock.fixed_at(datetime(2026, 8, 15)):
        pass
