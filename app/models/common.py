"""Schemas shared by every resource: pages of results, and the bounds of every number and
date a client may send.

Every integer and date a request carries is one of the types below, so bad input is a
422 at the edge and never reaches a column that cannot hold it (a 500) or a stored
value that breaks a later read (a campaign from year 1 to 9999 and its statistics).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, TypeVar

from annotated_types import Interval
from pydantic import BaseModel, WithJsonSchema

T = TypeVar("T")

INT64_MAX = 2**63 - 1
MAX_COUNT = 1_000_000
"""People at one site, workers affected, rescued: far above any real figure."""
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
"""The window a campaign, a visit, a deadline or a licence can fall in."""

Count = Annotated[int, Interval(ge=0, le=MAX_COUNT)]
"""A number of people or things: 0 … 1,000,000 (an int32 column holds it)."""
Sequence64 = Annotated[int, Interval(ge=0, le=INT64_MAX)]
"""A position in a bigint sequence (the change feed's `since`)."""
Day = Annotated[
    date,
    Interval(ge=FIRST_DAY, le=LAST_DAY),
    WithJsonSchema(
        {"type": "string", "format": "date", "description": "A date from 2000-01-01 to 2100-12-31."}
    ),
]
"""A calendar date between 2000-01-01 and 2100-12-31."""


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
