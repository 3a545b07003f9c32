"""The audit log: every write is in it, hash-chained, append-only, and tampering shows."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.domain.taxonomy import Role
from tests.conftest import TestDatabase
from tests.factories import World


async def _make_places(client: httpx.AsyncClient, world: World, n: int) -> None:
    for i in range(n):
        r = await client.post(
            "/api/v1/jurisdictions",
            headers=world.headers(Role.admin),
            json={"name": f"村{i}", "level": "village", "parent_id": str(world.places["town"].id)},
        )
        assert r.status_code == 201


async def test_writes_are_audited_with_who_and_what(
    client: httpx.AsyncClient, world: World
) -> None:
    await _make_places(client, world, 2)
    r = await client.get(
        "/api/v1/audit?entity_type=jurisdiction", headers=world.headers(Role.auditor)
    )
    assert r.status_code == 200
    mine = [e for e in r.json()["items"] if e["actor_type"] == "user"]
    assert [e["after"]["name"] for e in mine] == ["村1", "村0"]  # newest first
    assert mine[0]["actor_id"] == str(world.user(Role.admin).id)
    assert mine[0]["action"] == "jurisdiction.create"
    # the foreign county's auditor sees nothing of 黄骅市's writes
    r = await client.get(
        "/api/v1/audit?entity_type=jurisdiction", headers=world.headers(Role.auditor, "foreign")
    )
    assert all(e["after"]["name"] != "村0" for e in r.json()["items"])


async def test_verify_finds_the_altered_entry(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    await _make_places(client, world, 3)
    ok = (await client.get("/api/v1/audit/verify", headers=world.headers(Role.auditor))).json()
    assert ok["ok"] is True and ok["entries"] > 3
    # the database itself refuses updates and deletes of the log
    async with db.engine.connect() as conn:
        with pytest.raises(DBAPIError):
            await conn.execute(sa.text("UPDATE audit_entry SET action = 'x' WHERE seq = 2"))
        await conn.rollback()
        with pytest.raises(DBAPIError):
            await conn.execute(sa.text("DELETE FROM audit_entry WHERE seq = 2"))
        await conn.rollback()
    # someone with the power to switch the guard off alters a row behind the app's back
    async with db.engine.begin() as conn:
        if db.is_postgres:
            await conn.execute(sa.text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
            await conn.execute(sa.text("UPDATE audit_entry SET action = 'nothing' WHERE seq = 3"))
            await conn.execute(sa.text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
        else:
            await conn.execute(sa.text("DROP TRIGGER audit_entry_no_update"))
            await conn.execute(sa.text("UPDATE audit_entry SET action = 'nothing' WHERE seq = 3"))
    broken = (await client.get("/api/v1/audit/verify", headers=world.headers(Role.auditor))).json()
    assert broken["ok"] is False and broken["first_broken_seq"] == 3


async def test_a_bulk_write_seals_more_entries_than_one_statement_carries(
    db: TestDatabase, world: World
) -> None:
    """An import audits every employer: thousands of entries in one transaction."""
    from app import auditlog
    from app.db import transaction
    from app.domain.permissions import SYSTEM_ACTOR

    async with transaction(db.sessionmaker) as session:
        for i in range(2600):  # 2,600 × 13 parameters > 32,767
            auditlog.record(session, SYSTEM_ACTOR, "bulk.test", "thing", str(i), after={"i": i})
    assert await db.seal_audit() >= 2600
    async with db.sessionmaker() as session:
        result = await auditlog.verify_chain(session)
    assert result.ok and result.entries >= 2600
