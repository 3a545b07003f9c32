"""A statement compiled once per process and run on the driver's own connection.

For the few writes and reads that run thousands of times a second (a tip of a
flood), SQLAlchemy's execution layer — its compiled-cache lookup, execution
context, cursor adaption and result — cost more than the statement itself. A
`Prepared` statement is compiled by SQLAlchemy once per dialect (so its SQL,
its parameter order and its type conversions are exactly SQLAlchemy's), and each
call converts the parameters with SQLAlchemy's own bind processors and hands
them to asyncpg or aiosqlite directly, on a connection checked out of the
engine's pool as usual.

Errors are answered as they would have been through SQLAlchemy (app/errors.py):
a lost or refusing server is a 503 and the connection leaves the pool
(invalidated), text PostgreSQL cannot store is a 422; anything else propagates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn

from app.errors import database_unreachable, unstorable_text

# As app/db.py and app/errors.py: SQLSTATEs of a server that is not there right now,
# and of text the server cannot store.
_GONE = ("08", "57P01", "57P02", "57P03")
_UNSTORABLE = ("22021", "22P05")

Processor = Callable[[Any], Any] | None
_GIVEN = object()  # a parameter the caller passes (no value of its own in the statement)
Bind = tuple[str, Processor, Any]
T = TypeVar("T")


class Prepared:
    """One statement; `await stmt.first(conn, params)` → the first row as a tuple, or None."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str], tuple[str, list[Bind]]] = {}
        self._results: dict[tuple[str, str], list[tuple[int, Callable[[Any], Any]]]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, list[Bind]]:
        key = (dialect.name, dialect.driver)
        found = self._compiled.get(key)
        if found is None:
            compiled: Any = self.statement.compile(dialect=dialect)
            given = {name for name, bind in compiled.binds.items() if bind.required}
            # IN lists of fixed values are rendered into the statement now (SQLAlchemy
            # would at each execution); the caller's parameters stay parameters.
            state = compiled.construct_expanded_state({name: _GIVEN for name in given})
            processors = {**compiled._bind_processors, **state.processors}
            order = [
                (name, processors.get(name), state.parameters[name]) for name in state.positiontup
            ]
            found = self._compiled[key] = (state.statement, order)
            # What SQLAlchemy does to each column it reads, for the columns it does it to.
            self._results[key] = [
                (i, process)
                for i, column in enumerate(compiled._result_columns)
                if (process := column[3]._cached_result_processor(dialect, None)) is not None
            ]
        return found

    async def all(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row, each column read as SQLAlchemy reads it (its result processors)."""
        sql, _ = self._for(conn.dialect)
        args = self.parameters(conn.dialect, params)
        try:
            if conn.postgres:
                rows: Any = await conn.driver.fetch(sql, *args)
            else:
                rows = await conn.driver.execute_fetchall(sql, args)
        except Exception as exc:
            await conn.reraise(exc)
            raise
        steps = self._results[conn.dialect.name, conn.dialect.driver]
        if not steps:
            return [tuple(r) for r in rows]
        out = []
        for r in rows:
            values = list(r)
            for i, process in steps:
                values[i] = process(values[i])
            out.append(tuple(values))
        return out

    def parameters(self, dialect: Dialect, params: Mapping[str, Any]) -> list[Any]:
        """The driver's positional parameters: `params` by name (and the statement's own
        literals), each converted as SQLAlchemy converts it."""
        _, order = self._for(dialect)
        args = []
        for name, process, fixed in order:
            value = params[name] if fixed is _GIVEN else fixed
            args.append(value if process is None else process(value))
        return args

    async def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run the statement; its first row (RETURNING), or None. On PostgreSQL outside a
        transaction, so a single statement commits itself; on SQLite inside the
        transaction its driver begins at the first write, which the caller commits."""
        sql, _ = self._for(conn.dialect)
        args = self.parameters(conn.dialect, params)
        try:
            if conn.postgres:
                row = await conn.driver.fetchrow(sql, *args)
                return None if row is None else tuple(row)
            rows = await conn.driver.execute_fetchall(sql, args)
            return tuple(rows[0]) if rows else None
        except Exception as exc:
            await conn.reraise(exc)
            raise

    def bound(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The SQL and the driver's parameters, for `Connection.in_thread`."""
        return self._for(dialect)[0], self.parameters(dialect, params)

    def position(self, dialect: Dialect, name: str) -> int:
        """Where parameter `name` is in `bound()`'s list."""
        return [n for n, _, _ in self._for(dialect)[1]].index(name)


class Connection:
    """A connection of the engine's pool, as its driver's own (asyncpg or aiosqlite)."""

    def __init__(self, pooled: Any, dialect: Dialect) -> None:
        self.pooled = pooled
        self.dialect = dialect
        self.postgres = dialect.name == "postgresql"
        self.driver: Any = pooled.driver_connection

    async def in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """SQLite: run `work` on the sqlite3 connection in aiosqlite's own thread, in one
        hand-over instead of one per statement (each costs a wake-up of that thread and
        of the event loop while the one connection is held). Through aiosqlite's
        `_execute`, the method its public ones use; without it (another aiosqlite),
        `work` runs on the connection's thread through the public methods' path."""
        run = getattr(self.driver, "_execute", None)
        if run is None:
            raise RuntimeError("aiosqlite without Connection._execute")
        try:
            return cast(T, await run(work, self.driver._conn))
        except Exception as exc:
            await self.reraise(exc)
            raise

    async def reraise(self, exc: Exception) -> None:
        """Raise the error the route answers with, as SQLAlchemy's translation and
        app/errors.py would have it; return to let `exc` itself propagate (a 500)."""
        code = str(getattr(exc, "sqlstate", "") or "")
        if code in _UNSTORABLE:
            raise unstorable_text() from exc
        if _lost(exc, code) or (self.postgres and self.driver.is_closed()):
            await greenlet_spawn(self.pooled.invalidate)  # the pool replaces it
            raise database_unreachable() from exc
        if isinstance(exc, sqlite3.OperationalError | sqlite3.InterfaceError):
            raise database_unreachable() from exc


def _lost(exc: Exception, code: str) -> bool:
    """The connection is gone: a socket error, asyncpg's "connection is closed", a server
    shutting down (57P01-57P03, class 08), or asyncpg's InternalClientError, which its
    protocol raises when the server hangs up while a statement is being bound (seen in
    tests/reliability/test_pg_restart.py: a 500 in one run of three before this)."""
    return isinstance(
        exc, OSError | asyncpg.InterfaceError | asyncpg.InternalClientError
    ) or code.startswith(_GONE)


@asynccontextmanager
async def connect(engine: AsyncEngine) -> AsyncIterator[Connection]:
    """A connection checked out of `engine`'s pool (as `engine.connect()` would, without
    building SQLAlchemy's Connection around it) and given back after, rolled back."""
    try:
        pooled = await engine.raw_connection()
    except (OSError, engine.dialect.loaded_dbapi.Error) as exc:
        raise database_unreachable() from exc  # no server to connect to, for now
    try:
        yield Connection(pooled, engine.dialect)
    finally:
        await greenlet_spawn(pooled.close)
