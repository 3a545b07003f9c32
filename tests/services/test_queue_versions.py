"""The rules that keep a held queue version from ever being older than the committed one,
with the listener and the database read played by hand (no timing involved)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from app.services.integration import queue_versions
from app.services.integration.queue_versions import CHANNEL, QueueVersions

AGENCY = uuid.uuid4()


class Scripted(QueueVersions):
    """A listener that is up, and a database read that returns when told to."""

    def __init__(self) -> None:
        self.never_connected = create_async_engine("sqlite+aiosqlite://")
        super().__init__(self.never_connected)
        self.listens = False  # no real listener: the test plays it
        self.live, self._epoch, self._conn = True, 1, object()
        self._loop = asyncio.get_running_loop()
        self.db_version = 0
        self.reads = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def _read(self, agency_id: uuid.UUID) -> int:
        self.reads += 1
        seen = self.db_version  # the read's snapshot is taken when it starts
        await self.gate.wait()
        return seen

    def notify(self, version: int) -> None:
        self._notified(self._conn, 0, CHANNEL, f"{AGENCY} {version}")


async def test_a_held_version_is_used_without_reading_until_the_ttl_runs_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    versions = Scripted()
    versions.db_version = 3
    assert await versions.current(AGENCY) == 3
    assert await versions.current(AGENCY) == 3 and versions.reads == 1
    versions.db_version = 4  # bumped by hand, no NOTIFY
    monkeypatch.setattr(queue_versions, "TTL", 0.0)
    assert await versions.current(AGENCY) == 4


async def test_a_commit_during_a_read_is_not_lost_by_the_read() -> None:
    versions = Scripted()
    versions.db_version = 3
    versions.gate.clear()
    read = asyncio.create_task(versions.current(AGENCY))
    await asyncio.sleep(0)  # the read has its snapshot: version 3
    versions.committed({AGENCY: 4})  # this process commits 4 meanwhile
    versions.gate.set()
    assert await read == 4
    assert await versions.current(AGENCY) == 4 and versions.reads == 1


async def test_a_notification_during_a_read_is_not_lost_by_the_read() -> None:
    versions = Scripted()
    versions.db_version = 3
    versions.gate.clear()
    read = asyncio.create_task(versions.current(AGENCY))
    await asyncio.sleep(0)
    versions.notify(4)  # another process commits 4 meanwhile
    versions.gate.set()
    assert await read == 4
    assert await versions.current(AGENCY) == 4 and versions.reads == 1


async def test_an_older_notification_after_our_commit_does_not_lower_it() -> None:
    versions = Scripted()
    versions.committed({AGENCY: 5})  # not held yet: remembered, not usable
    versions.notify(4)  # the notification of an earlier commit, arriving late
    versions.db_version = 4
    assert await versions.current(AGENCY) == 5 and versions.reads == 0


async def test_a_version_learnt_by_our_own_commit_alone_is_not_used() -> None:
    versions = Scripted()
    versions.committed({AGENCY: 5})  # others may have committed 6 before we listened
    versions.db_version = 6
    assert await versions.current(AGENCY) == 6 and versions.reads == 1


async def test_nothing_is_held_without_the_listener() -> None:
    versions = Scripted()
    versions.db_version = 2
    assert await versions.current(AGENCY) == 2
    versions._lost(versions._conn)
    versions.db_version = 3
    assert await versions.current(AGENCY) == 3
    versions.db_version = 4
    assert await versions.current(AGENCY) == 4 and versions.reads == 3


async def test_a_listener_lost_during_a_read_keeps_the_read_from_being_held() -> None:
    versions = Scripted()
    versions.db_version = 2
    versions.gate.clear()
    read = asyncio.create_task(versions.current(AGENCY))
    await asyncio.sleep(0)
    versions._lost(versions._conn)
    versions.live, versions._epoch, versions._conn = True, 7, object()  # back, anew
    versions.gate.set()
    assert await read == 2
    versions.db_version = 3
    assert await versions.current(AGENCY) == 3 and versions.reads == 2
