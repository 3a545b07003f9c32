"""Escalations as the office sees them: scoped to its area, handled once."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.domain.taxonomy import Role
from app.models.base import utcnow
from app.worker import sweep
from tests.cases_support import file, make_employer, set_due
from tests.conftest import TestDatabase
from tests.factories import World

URL = "/api/v1/escalations"


async def test_overdue_assignment_reaches_the_local_office_only(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id = await file(db, await make_employer(db, world), "wage_arrears")
    office = world.headers(Role.coordinator)
    detail = (await client.get(f"/api/v1/cases/{case_id}", headers=office)).json()
    await set_due(db, detail["assignments"][0]["id"], utcnow() - timedelta(hours=1))
    await sweep(db.settings, db.sessionmaker)
    items = (await client.get(f"{URL}?handled=false", headers=office)).json()["items"]
    assert [(e["kind"], e["case_id"]) for e in items] == [("assignment_overdue", str(case_id))]
    foreign = world.headers(Role.coordinator, "foreign")
    assert (await client.get(URL, headers=foreign)).json()["items"] == []
    eid = items[0]["id"]
    assert (
        await client.post(f"{URL}/{eid}/handle", headers=foreign, json={"note": "x"})
    ).status_code == 404
    r = await client.post(f"{URL}/{eid}/handle", headers=office, json={"note": "已督办公安局"})
    assert r.status_code == 200 and r.json()["handled_at"] is not None
    assert (
        await client.post(f"{URL}/{eid}/handle", headers=office, json={"note": "again"})
    ).status_code == 409
    assert (await client.get(f"{URL}?handled=false", headers=office)).json()["items"] == []
