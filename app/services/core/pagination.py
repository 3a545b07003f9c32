"""Keyset pagination: an opaque cursor holding the last row's sort key."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from app.errors import unprocessable

MAX_LIMIT = 200


def encode_cursor(*values: Any) -> str:
    plain = [
        v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, uuid.UUID) else v
        for v in values
    ]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError
        out: list[Any] = []
        for value, kind in zip(raw, kinds, strict=True):
            if kind is datetime:
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError  # every time this API gives out is aware UTC
                out.append(moment)
            elif kind is uuid.UUID:
                out.append(uuid.UUID(value))
            else:
                out.append(kind(value))
        return out
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise unprocessable(
            ["query", "cursor"], "The cursor is not one this API gave out."
        ) from None


def after(
    columns: Sequence[Any], cursor: str | None, kinds: Sequence[type], *, descending: bool = False
) -> ColumnElement[bool]:
    """The condition "strictly after the cursor" for an ordering on `columns`."""
    if cursor is None:
        return sa.true()
    values = decode_cursor(cursor, kinds)
    left = sa.tuple_(*columns)
    right = sa.tuple_(
        *[sa.bindparam(None, v, type_=c.type) for v, c in zip(values, columns, strict=True)]
    )
    return left < right if descending else left > right


def clamp(limit: int | None) -> int:
    return max(1, min(limit or 50, MAX_LIMIT))
