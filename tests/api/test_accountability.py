"""Accountability (督办): per agency of a subtree, open and overdue work by clock and the
escalations of the last 30 days, worst first; for supervision and the office only."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from app import clock
from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.services.cases import reminders
from tests.api.test_owners import _labour_work, _set
from tests.conftest import TestDatabase
from tests.factories import World

URL = "/api/v1/accountability"


async def test_supervision_sees_the_agency_where_overdue_work_piles_up_first(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    first, second, _, officer, _, _ = await _labour_work(client, world, db)
    await client.post(f"/api/v1/assignments/{first}/accept", headers=officer)
    await client.post(f"/api/v1/assignments/{first}/file", headers=officer, json={})
    await _set(db, first, investigate_by=fixed_day - timedelta(days=1))
    await _set(db, second, due_at=clock.now() - timedelta(hours=1))
    async with transaction(db.sessionmaker) as session:
        assert await reminders.escalate_overdue_handling(session, now=clock.now()) == 1
    supervision = world.headers(Role.auditor)
    r = await client.get(URL, headers=supervision)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["jurisdiction_id"] == str(world.places["home"].id)
    worst = body["items"][0]
    assert worst["agency"]["id"] == str(world.agency(AgencyKind.labour).id)
    assert (worst["open"], worst["overdue"], worst["overdue_total"], worst["escalations_30d"]) == (
        2,
        {"accept": 1, "handling": 1, "rectify": 0},
        2,
        1,
    )
    assert all(i["overdue_total"] == 0 for i in body["items"][1:])
    listed = {i["agency"]["id"] for i in body["items"]}
    assert {str(a.id) for (p, _), a in world.agencies.items() if p == "home"} <= listed
    assert not listed & {
        str(a.id) for (p, _), a in world.agencies.items() if p in ("foreign", "city")
    }
    # the office sees the same; outside one's subtree is 404; agencies' own staff 403
    office = await client.get(
        f"{URL}?jurisdiction_id={world.places['home'].id}", headers=world.headers(Role.coordinator)
    )
    assert office.json()["items"][0] == worst
    for place in ("foreign", "city"):
        r = await client.get(f"{URL}?jurisdiction_id={world.places[place].id}", headers=supervision)
        assert r.status_code == 404
    assert (await client.get(URL, headers=officer)).status_code == 403
