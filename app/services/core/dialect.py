"""The one small place where PostgreSQL and SQLite differ: upserts and row locks."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT with `on_conflict_do_nothing` / `on_conflict_do_update` on either backend."""
    return (postgresql.insert if is_postgres(session) else sqlite.insert)(table)
