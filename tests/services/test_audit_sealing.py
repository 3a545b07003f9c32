"""Sealing the audit chain off the request path: writers never wait for it, nothing is lost."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app import auditlog
from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import Role
from tests.conftest import TestDatabase
from tests.factories import World

TIP = {
    "description": "砖窑里有十几个孩子在搬砖，老板收走了身份证。",
    "violation_types": ["child_labour"],
}


async def _count(db: TestDatabase, table: str) -> int:
    async with db.engine.connect() as conn:
        return int(
            (
                await conn.execute(sa.select(sa.func.count()).select_from(sa.table(table)))
            ).scalar_one()
        )


async def test_a_tip_is_taken_while_the_chain_is_held(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    """A sealer holding the chain head (or stuck on it) does not hold up intake."""
    if not db.is_postgres:
        pytest.skip("on SQLite every write shares one lock whatever the chain does")
    await db.seal_audit()  # what setting up the world wrote
    async with db.engine.connect() as holder:
        await holder.execute(sa.text("SELECT * FROM audit_head WHERE id = 1 FOR UPDATE"))
        r = await asyncio.wait_for(client.post("/public/v1/tips", json=TIP), timeout=10)
        assert r.status_code == 201, r.text
        await holder.rollback()
    assert await _count(db, "audit_pending") == 1
    assert await db.seal_audit() == 1
    ok = (await client.get("/api/v1/audit/verify", headers=world.headers(Role.auditor))).json()
    assert ok["ok"] is True


async def test_reading_the_log_seals_first(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    r = await client.post(
        "/public/v1/tips", json={**TIP, "jurisdiction_id": str(world.places["town"].id)}
    )
    assert r.status_code == 201
    sealed, waiting = await _count(db, "audit_entry"), await _count(db, "audit_pending")
    assert waiting >= 1
    log = await client.get("/api/v1/audit?entity_type=tip", headers=world.headers(Role.auditor))
    assert log.status_code == 200
    assert [e["action"] for e in log.json()["items"]] == ["tip.create"]
    assert await _count(db, "audit_entry") == sealed + waiting
    assert await _count(db, "audit_pending") == 0


async def test_an_entry_committed_late_is_sealed_next_round(db: TestDatabase) -> None:
    """A transaction that took a lower id but commits after a seal is chained, not lost."""
    if not db.is_postgres:
        pytest.skip("SQLite has one writer at a time: ids are taken in commit order")
    early = db.sessionmaker()
    auditlog.record(early, SYSTEM_ACTOR, "slow.write", "thing", "early")
    await auditlog.write_pending(early)  # takes its id now, commits later
    async with transaction(db.sessionmaker) as s:
        auditlog.record(s, SYSTEM_ACTOR, "quick.write", "thing", "late")
    assert await db.seal_audit() == 1
    await early.commit()
    await early.close()
    assert await db.seal_audit() == 1
    async with db.sessionmaker() as s:
        result = await auditlog.verify_chain(s)
        actions = (
            (
                await s.exec(
                    sa.text(  # type: ignore[call-overload]
                        "SELECT action FROM audit_entry ORDER BY seq"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert result.ok and result.entries == 2
    assert actions == ["quick.write", "slow.write"]


async def test_concurrent_sealers_neither_fork_nor_duplicate(db: TestDatabase) -> None:
    for batch in range(4):
        async with transaction(db.sessionmaker) as s:
            for i in range(50):
                auditlog.record(s, SYSTEM_ACTOR, "bulk.write", "thing", f"{batch}-{i}")
    sealed = await asyncio.gather(*(auditlog.seal_waiting(db.engine, limit=30) for _ in range(4)))
    assert sum(sealed) == 200
    async with db.sessionmaker() as s:
        result = await auditlog.verify_chain(s)
    assert result.ok and result.entries == 200
    assert await _count(db, "audit_pending") == 0


async def test_the_background_sealer_chains_without_being_asked(db: TestDatabase) -> None:
    sealer = auditlog.Sealer(db.engine, interval=0.05)
    sealer.start()
    try:
        async with transaction(db.sessionmaker) as s:
            auditlog.record(s, SYSTEM_ACTOR, "some.write", "thing", "1")
        for _ in range(100):
            if await _count(db, "audit_entry") == 1:
                break
            await asyncio.sleep(0.05)
        assert await _count(db, "audit_entry") == 1
        async with transaction(db.sessionmaker) as s:
            auditlog.record(s, SYSTEM_ACTOR, "last.write", "thing", "2")
    finally:
        await sealer.stop()  # seals what is left on the way out
    assert await _count(db, "audit_entry") == 2
    assert await _count(db, "audit_pending") == 0


async def test_waiting_entries_cannot_be_edited_or_removed_unsealed(db: TestDatabase) -> None:
    """Behind the application's back, a waiting entry can neither change nor vanish."""
    async with transaction(db.sessionmaker) as s:
        auditlog.record(s, SYSTEM_ACTOR, "some.write", "thing", "1")
    async with db.engine.connect() as conn:
        with pytest.raises(DBAPIError):
            await conn.execute(sa.text("UPDATE audit_pending SET action = 'nothing'"))
        await conn.rollback()
        with pytest.raises(DBAPIError):
            await conn.execute(sa.text("DELETE FROM audit_pending"))
        await conn.rollback()
    assert await _count(db, "audit_pending") == 1
    assert await db.seal_audit() == 1  # the sealer may: the entry is on the chain first
    assert await _count(db, "audit_pending") == 0
    async with db.sessionmaker() as s:
        assert (await auditlog.verify_chain(s)).ok


async def test_a_history_shows_sealed_entries_then_waiting_ones(db: TestDatabase) -> None:
    async with transaction(db.sessionmaker) as s:
        auditlog.record(s, SYSTEM_ACTOR, "first.write", "thing", "x")
        auditlog.record(s, SYSTEM_ACTOR, "unrelated.write", "thing", "y")
    await db.seal_audit()
    async with transaction(db.sessionmaker) as s:
        auditlog.record(s, SYSTEM_ACTOR, "second.write", "thing", "x")
    async with db.sessionmaker() as s:
        history = await auditlog.entries_about(s, ["x"])
    assert [e["action"] for e in history] == ["first.write", "second.write"]
    assert history[0]["at"] <= history[1]["at"] and history[1]["at"].tzinfo is not None
