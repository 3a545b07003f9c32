"""Column types and helpers shared by every table."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

from app import clock


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp with time zone that always comes back aware, in UTC.

    SQLite keeps no offset; without this, values read back from it are naive and
    compare wrongly with aware ones.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """`app.clock.now()`: every row's timestamps come from the one clock."""
    return clock.now()


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def ts_column(**kw: Any) -> Any:
    return sa.Column(UTCDateTime(), nullable=kw.pop("nullable", False), **kw)


def json_column(**kw: Any) -> Any:
    return sa.Column(JSONType, nullable=kw.pop("nullable", False), **kw)
