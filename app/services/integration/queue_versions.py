"""Each agency's queue version, held in the process so polling an unchanged queue needs
no database round trip.

Rule: a held version is used only while it cannot be older than the committed one.

- PostgreSQL only. Every bump also sends a NOTIFY in the bumping transaction
  (`queue._bump`), which PostgreSQL delivers at commit to one LISTEN connection per
  process (outside the pool). A held version counts only while that connection is up
  and was listening before the read that filled it; losing it drops everything held.
- This process's own commits are applied as soon as COMMIT returns, before the response
  leaves, so a client always sees its own change on its next poll.
- Whatever is held is read again from the database after `TTL` seconds, so a version
  bumped without a NOTIFY (by hand, in SQL) is noticed within that time.

On SQLite, and whenever the listener is down, every read goes to the database.
Trap: PostgreSQL commits notifying transactions one at a time (a lock taken at commit),
which is why only the bumps notify.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlmodel import col

from app.models.cases import AgencyQueueState

CHANNEL = "labourwatch_queue"
TTL = 2.0
RETRY_SECONDS = 5.0
MAX_HELD = 10_000
_COMMITTED = "labourwatch.queue.committed"

log = logging.getLogger("labourwatch.queue")


@dataclass(slots=True)
class _Held:
    version: int
    read_at: float  # monotonic time the database read (or the notification) began
    epoch: int  # the listener connection it was learnt under
    noted: int  # QueueVersions._notes when a commit (ours or notified) last raised it


class QueueVersions:
    """The queue versions of one database, as this process knows them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = weakref.ref(engine)  # the registry is keyed by the engine: no cycle
        self.listens = engine.dialect.name == "postgresql"
        self.live = False
        self._epoch = 0
        self._notes = 0
        self._held: dict[uuid.UUID, _Held] = {}
        self._conn: Any = None  # the asyncpg connection that LISTENs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._failed_at = -RETRY_SECONDS

    async def current(self, agency_id: uuid.UUID) -> int:
        """The agency's committed queue version: held, or read now."""
        now = time.monotonic()
        held = self._held.get(agency_id)
        if (
            held is not None
            and self.live
            and held.epoch == self._epoch
            and now - held.read_at < TTL
            and asyncio.get_running_loop() is self._loop
        ):
            return held.version
        self._ensure_listener()
        epoch, notes, live = self._epoch, self._notes, self.live
        version = await self._read(agency_id)
        if live and self.live and self._epoch == epoch:
            held = self._held.get(agency_id)
            if held is not None and held.noted > notes:
                version = max(version, held.version)  # a commit seen while the read was out
            self._hold(agency_id, _Held(version, now, epoch, notes))
        return version

    @property
    def engine(self) -> AsyncEngine:
        engine = self._engine()
        if engine is None:
            raise RuntimeError("the engine is gone")
        return engine

    async def _read(self, agency_id: uuid.UUID) -> int:
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            found = (
                await conn.execute(
                    sa.select(col(AgencyQueueState.version)).where(
                        col(AgencyQueueState.agency_id) == agency_id
                    )
                )
            ).scalar()
        return int(found or 0)

    def _hold(self, agency_id: uuid.UUID, held: _Held) -> None:
        if len(self._held) >= MAX_HELD and agency_id not in self._held:
            self._held.clear()
        self._held[agency_id] = held

    def committed(self, versions: dict[uuid.UUID, int]) -> None:
        """This process committed these versions: raise what is held. A version not held
        yet is kept unusable (epoch -1): learnt outside the listener, it says nothing of
        later commits, but a read that started before this commit must not go below it."""
        for agency_id, version in versions.items():
            self._notes += 1
            held = self._held.get(agency_id)
            if held is None:  # kept only for a read that is out now to take into account
                self._hold(agency_id, _Held(version, time.monotonic(), -1, self._notes))
            else:
                held.version = max(held.version, version)
                held.noted = self._notes

    def _notified(self, conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if conn is not self._conn:
            return
        try:
            agency, version = payload.split(" ")
            agency_id, number = uuid.UUID(agency), int(version)
        except ValueError:
            return
        self._notes += 1
        held = self._held.get(agency_id)
        if held is not None and held.epoch == self._epoch:
            held.version = max(held.version, number)
            held.noted = self._notes
            return
        if held is not None:  # one of our commits, its notification still on the way
            number = max(number, held.version)
        # Every later commit will be notified too, so this version stays good.
        self._hold(agency_id, _Held(number, time.monotonic(), self._epoch, self._notes))

    def _ensure_listener(self) -> None:
        if not self.listens or self._task is not None or self._conn is not None:
            return
        loop = asyncio.get_running_loop()
        if time.monotonic() - self._failed_at < RETRY_SECONDS:
            return
        self._loop = loop
        self._task = loop.create_task(self._listen())

    async def _listen(self) -> None:
        conn: Any = None
        try:
            fairy = await self.engine.raw_connection()
            conn = fairy.driver_connection
            fairy.detach()  # ours until the engine is disposed; the pool opens another
            self._conn = conn
            conn.add_termination_listener(self._lost)
            await conn.add_listener(CHANNEL, self._notified)
        except BaseException as exc:
            self._conn = None
            if conn is not None:
                conn.terminate()
            if not isinstance(exc, Exception):
                raise
            # The database is away: read it every time until it is back.
            log.warning("queue version listener not started: %s", exc)
            self._failed_at = time.monotonic()
            return
        finally:
            self._task = None
        self._epoch += 1
        self.live = True

    def _lost(self, conn: Any) -> None:
        if conn is not self._conn:
            return
        self.live = False
        self._conn = None
        self._epoch += 1
        self._held.clear()
        self._failed_at = time.monotonic()
        log.warning("queue version listener lost; reading versions from the database")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        self.live = False
        self._epoch += 1
        self._held.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if conn is not None:
            conn.terminate()


_by_engine: weakref.WeakKeyDictionary[Engine, QueueVersions] = weakref.WeakKeyDictionary()


def versions_for(engine: AsyncEngine) -> QueueVersions:
    """The one `QueueVersions` of this engine's database in this process."""
    found = _by_engine.get(engine.sync_engine)
    if found is None:
        found = _by_engine[engine.sync_engine] = QueueVersions(engine)
        if found.listens:
            event.listen(engine.sync_engine, "engine_disposed", lambda _e: found.close())
    return found


def apply_at_commit(session: Session | Any, versions: dict[uuid.UUID, int]) -> None:
    """Called by the bumps: apply these versions to the held ones once this commits."""
    session.info.setdefault(_COMMITTED, {}).update(versions)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    versions: dict[uuid.UUID, int] = session.info.pop(_COMMITTED, {})
    if not versions:
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    held = _by_engine.get(engine)
    if held is not None:
        held.committed(versions)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_COMMITTED, None)
