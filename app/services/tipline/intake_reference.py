"""What every reporting form draws, kept in the process for a few seconds.

Under a flood (a hotline number on television) every tipster first loads the
form, and the form lists the violation types and the places. Both change
rarely — violation types never at run time, places when an admin adds one —
so each app instance keeps them for `TTL` seconds instead of asking the
database on every page; a place added through this process is seen at once
(`forget`), one added through another replica within `TTL`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.reference import ViolationType
from app.services.registry import reference
from app.services.tipline import tips

TTL = 30.0
EXTRAS_KEY = "intake_reference"
T = TypeVar("T")


def _slots(extras: dict[str, object]) -> dict[str, tuple[float, Any]]:
    found = extras.get(EXTRAS_KEY)
    if not isinstance(found, dict):
        found = extras[EXTRAS_KEY] = {}
    return found


async def _kept(extras: dict[str, object], name: str, load: Callable[[], Awaitable[T]]) -> T:
    slots = _slots(extras)
    now = time.monotonic()
    kept = slots.get(name)
    if kept is not None and kept[0] > now:
        value: T = kept[1]
        return value
    fresh = await load()
    slots[name] = (now + TTL, fresh)
    return fresh


async def violation_types(extras: dict[str, object], session: AsyncSession) -> list[ViolationType]:
    async def load() -> list[ViolationType]:
        return list(await reference.list_violation_types(session))

    return await _kept(extras, "violation_types", load)


async def places(extras: dict[str, object], session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    """Counties and townships, labelled 黄骅市 › 黄骅镇, for the form's place picker."""

    async def load() -> list[tuple[uuid.UUID, str]]:
        return await tips.places_for_intake(session)

    return await _kept(extras, "places", load)


def forget(extras: dict[str, object]) -> None:
    """A place was added or changed here: the next form asks the database again."""
    extras.pop(EXTRAS_KEY, None)
