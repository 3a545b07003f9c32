"""Callbacks (回访) to phone reporters: due the next working day after the case closed,
escalated once when missed, and an unsatisfied answer on the phone opens 重办."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx
import time_machine

from app.db import transaction
from app.domain.chinatime import CHINA_TZ
from app.domain.taxonomy import Role
from app.services.tipline import callbacks
from tests.api.reporter_loop_support import handled_tip
from tests.conftest import TestDatabase
from tests.factories import World

DUE = "/api/v1/callbacks/due"


async def _sweep(db: TestDatabase, at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        async with transaction(db.sessionmaker) as session:
            return await callbacks.sweep_reporter_loop(session, db.settings)


async def test_a_callback_is_due_the_next_working_day_and_escalated_once_when_missed(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    coord = world.headers(Role.coordinator)
    web = await handled_tip(client, db, world, name="网上举报的砖厂")
    phone = await handled_tip(client, db, world, channel="phone")
    [due] = (await client.get(DUE, headers=coord)).json()["items"]
    assert due["tip_id"] == phone.tip_id != web.tip_id  # only phone reporters are called
    # closed on Friday 4 December 2026: due on Monday the 7th, not over the weekend
    assert (due["due_on"], due["overdue"], due["attempts"]) == ("2026-12-07", False, 0)
    assert (await client.get(f"{DUE}?due_by=2026-12-04", headers=coord)).json()["items"] == []
    foreign = world.headers(Role.coordinator, "foreign")
    assert (await client.get(DUE, headers=foreign)).json()["items"] == []

    monday_evening = datetime(2026, 12, 7, 23, 0, tzinfo=CHINA_TZ)
    assert await _sweep(db, monday_evening) == 0
    tuesday = datetime(2026, 12, 8, 0, 5, tzinfo=CHINA_TZ)
    assert await _sweep(db, tuesday) == 1
    assert await _sweep(db, tuesday + timedelta(hours=1)) == 0  # recorded once
    missed = (await client.get("/api/v1/escalations?kind=callback_overdue", headers=coord)).json()
    [esc] = missed["items"]
    assert esc["subject_id"] == phone.tip_id and esc["case_id"] == phone.case_id
    assert (await client.get("/api/v1/escalations", headers=foreign)).json()["items"] == []

    r = await client.post(
        f"/api/v1/tips/{phone.tip_id}/callbacks",
        json={"reached": False, "note": "无人接听"},
        headers=coord,
    )
    assert r.status_code == 201 and r.json()["rehandling_id"] is None
    [due] = (await client.get(DUE, headers=coord)).json()["items"]
    assert due["attempts"] == 1  # still owed: nobody was reached

    r = await client.post(
        f"/api/v1/tips/{phone.tip_id}/callbacks",
        json={"reached": True, "satisfied": False, "note": "举报人称窑厂又开工了"},
        headers=coord,
    )
    assert r.status_code == 201, r.text
    request_id = r.json()["rehandling_id"]
    assert request_id is not None
    assert (await client.get(DUE, headers=coord)).json()["items"] == []
    req = (await client.get(f"/api/v1/rehandling-requests/{request_id}", headers=coord)).json()
    assert req["source"] == "callback" and req["tip_id"] == phone.tip_id
    found = (await client.post("/public/v1/tips/lookup", json={"receipt": phone.receipt})).json()
    assert found["feedback"]["satisfied"] is False  # the phone answer is the reporter's answer

    stats = (await client.get("/api/v1/stats/satisfaction", headers=coord)).json()
    assert [(o["answered"], o["satisfied"], o["rate"]) for o in stats["offices"]] == [(1, 0, 0.0)]

    # a re-handling request not decided by its day escalates too (5 working days: the 11th)
    assert await _sweep(db, datetime(2026, 12, 12, 0, 5, tzinfo=CHINA_TZ)) == 1
    kinds = (await client.get("/api/v1/escalations", headers=coord)).json()["items"]
    assert {e["kind"] for e in kinds} == {"callback_overdue", "rehandling_overdue"}


async def test_callbacks_wait_for_the_closing_and_stay_in_the_area(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    phone = await handled_tip(client, db, world, channel="phone", close=False)
    coord = world.headers(Role.coordinator)
    body = {"reached": True, "satisfied": True, "note": "满意"}
    r = await client.post(f"/api/v1/tips/{phone.tip_id}/callbacks", json=body, headers=coord)
    assert r.status_code == 409
    foreign = world.headers(Role.coordinator, "foreign")
    r = await client.post(f"/api/v1/tips/{phone.tip_id}/callbacks", json=body, headers=foreign)
    assert r.status_code == 404
    r = await client.post(
        f"/api/v1/tips/{phone.tip_id}/callbacks",
        json={"reached": False, "satisfied": True, "note": "无人接听"},
        headers=coord,
    )
    assert r.status_code == 422  # nobody reached cannot have said they are satisfied
    officer = world.headers(Role.agency_officer)
    r = await client.post(f"/api/v1/tips/{phone.tip_id}/callbacks", json=body, headers=officer)
    assert r.status_code == 403
