"""Reminders before each clock runs out (`assignment.due_soon`, once per deadline) and the
`handling_overdue` escalation after the handling clock has."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from app import clock
from app.db import transaction
from app.domain.taxonomy import Role
from app.services.cases import reminders
from tests.api.test_owners import _labour_work, _set
from tests.conftest import TestDatabase
from tests.factories import World

CHANGES = "/api/v1/queue/changes"


async def _sweep(db: TestDatabase) -> tuple[int, int]:
    async with transaction(db.sessionmaker) as session:
        sent = await reminders.remind_due_soon(session, db.settings, now=clock.now())
        escalated = await reminders.escalate_overdue_handling(session, now=clock.now())
    return sent, escalated


async def _due_soon(client: httpx.AsyncClient, headers: dict[str, str]) -> list[tuple[str, str]]:
    items = (await client.get(CHANGES, headers=headers)).json()["items"]
    return [(c["assignment_id"], c["change"]) for c in items if c["change"] == "due_soon"]


async def test_each_clock_is_reminded_once_before_it_runs_out(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    # Friday 4 December; two working days ahead (the default) is Tuesday 8 December
    first, second, _, officer, _, _ = await _labour_work(client, world, db)
    await _set(db, first, due_at=clock.now() + timedelta(hours=3))
    assert await _sweep(db) == (1, 0)
    assert await _due_soon(client, officer) == [(first, "due_soon")]
    for aid in (first, second):
        await client.post(f"/api/v1/assignments/{aid}/accept", headers=officer)
    await client.post(f"/api/v1/assignments/{first}/file", headers=officer, json={})
    await _set(db, first, investigate_by=date(2026, 12, 9))  # three working days: not yet
    assert await _sweep(db) == (0, 0)
    await _set(db, first, investigate_by=date(2026, 12, 7))
    r = await client.post(
        f"/api/v1/assignments/{second}/actions",
        headers=officer,
        json={"type": "rectification_order", "note": "限期补发工资", "deadline": "2026-12-07"},
    )
    assert r.status_code == 201
    assert await _sweep(db) == (2, 0)
    assert await _sweep(db) == (0, 0)  # once per deadline
    assert sorted(await _due_soon(client, officer)) == sorted(
        [(first, "due_soon"), (first, "due_soon"), (second, "due_soon")]
    )
    # a deadline moved on (an extension) is a new one
    await _set(db, first, investigate_by=date(2026, 12, 8))
    assert await _sweep(db) == (1, 0)
    # another agency hears nothing of it
    assert await _due_soon(client, world.headers(Role.agency_officer)) == []


async def test_a_handling_clock_that_ran_out_is_escalated_once_per_deadline(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    first, _, _, officer, _, _ = await _labour_work(client, world, db)
    await client.post(f"/api/v1/assignments/{first}/accept", headers=officer)
    await client.post(f"/api/v1/assignments/{first}/file", headers=officer, json={})
    await _set(db, first, investigate_by=fixed_day)  # the last day is today: not yet
    assert (await _sweep(db))[1] == 0
    await _set(db, first, investigate_by=fixed_day - timedelta(days=1))
    assert (await _sweep(db))[1] == 1
    assert (await _sweep(db))[1] == 0
    coordinator = world.headers(Role.coordinator)
    found = (
        await client.get("/api/v1/escalations?kind=handling_overdue", headers=coordinator)
    ).json()["items"]
    assert [e["subject_id"] for e in found] == [first]
    assert "2026-12-03" in found[0]["detail"]
