"""Done when (issue 17, items 1 and 6): the reporter says not satisfied by receipt, the
office gets a re-handling request (重办) with a deadline, reopens the case, and the agency
sees it again; the answer is in the satisfaction statistics; another county sees none of it."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import time_machine

from app import clock
from app.domain.taxonomy import AgencyKind, Role
from tests.api.reporter_loop_support import conclude_and_close, handled_tip
from tests.conftest import TestDatabase, app_for
from tests.factories import World

FEEDBACK = "/public/v1/tips/feedback"
LOOKUP = "/public/v1/tips/lookup"
REQUESTS = "/api/v1/rehandling-requests"


async def test_unsatisfied_reporter_gets_the_case_handled_again(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    tip = await handled_tip(client, db, world, close=False)
    r = await client.post(FEEDBACK, json={"receipt": tip.receipt, "satisfied": False})
    assert r.status_code == 409 and "尚未办结" in r.json()["detail"]
    found = (await client.post(LOOKUP, json={"receipt": tip.receipt})).json()
    assert found["status"] == "investigating" and found["feedback"]["asked"] is False

    await conclude_and_close(client, world, tip.labour, tip.assignment_id, tip.case_id)
    found = (await client.post(LOOKUP, json={"receipt": tip.receipt})).json()
    assert found["status"] == "handled"
    assert found["feedback"] == {
        "asked": True,
        "satisfied": None,
        "changeable_until": None,
        "rehandling": None,
    }
    page = await client.post("/status", data={"receipt": tip.receipt})
    assert "您对处理结果满意吗" in page.text and 'action="/status/feedback"' in page.text

    queue = await client.get("/api/v1/queue", headers=tip.labour)
    etag = queue.headers["etag"]
    assert [i["status"] for i in queue.json()["items"]] == ["concluded"]

    r = await client.post(
        FEEDBACK,
        json={"receipt": tip.receipt, "satisfied": False, "comment": " 工资只付了一半\u202e\x00 "},
    )
    assert r.status_code == 201, r.text
    assert r.json()["rehandling"] is True and r.json()["satisfied"] is False
    found = (await client.post(LOOKUP, json={"receipt": tip.receipt})).json()
    assert found["feedback"]["satisfied"] is False and found["feedback"]["rehandling"] == "open"

    coord = world.headers(Role.coordinator)
    [req] = (await client.get(f"{REQUESTS}?status=open", headers=coord)).json()["items"]
    # Friday 4 December 2026 + 5 working days (LABOURWATCH_REHANDLING_WORKING_DAYS)
    assert req["due_on"] == "2026-12-11" and req["overdue"] is False
    assert req["tip_id"] == tip.tip_id and req["case_id"] == tip.case_id
    assert req["comment"] == "工资只付了一半" and req["source"] == "web"
    flagged = (await client.get("/api/v1/tips?needs_attention=true", headers=coord)).json()
    assert [t["id"] for t in flagged["items"]] == [tip.tip_id]

    foreign = world.headers(Role.coordinator, "foreign")
    assert (await client.get(REQUESTS, headers=foreign)).json()["items"] == []
    assert (await client.get(f"{REQUESTS}/{req['id']}", headers=foreign)).status_code == 404
    r = await client.post(f"{REQUESTS}/{req['id']}/reopen", json={"reason": "x"}, headers=foreign)
    assert r.status_code == 404

    r = await client.post(
        f"{REQUESTS}/{req['id']}/reopen", json={"reason": "举报人反映工资只付了一半"}, headers=coord
    )
    assert r.status_code == 200, r.text
    labour_agency = str(world.agency(AgencyKind.labour).id)
    assert r.json()["status"] == "reopened"
    assert r.json()["reopened_agency_ids"] == [labour_agency]
    again = await client.post(
        f"{REQUESTS}/{req['id']}/answer", json={"message": "x"}, headers=coord
    )
    assert again.status_code == 409

    case = (await client.get(f"/api/v1/cases/{tip.case_id}", headers=coord)).json()
    assert case["status"] == "open"
    assert [a["status"] for a in case["assignments"]] == ["pending"]
    changed = await client.get("/api/v1/queue", headers={**tip.labour, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    pending = (await client.get("/api/v1/queue?status=pending", headers=tip.labour)).json()
    assert [i["id"] for i in pending["items"]] == [tip.assignment_id]
    found = (await client.post(LOOKUP, json={"receipt": tip.receipt})).json()
    assert found["status"] == "investigating" and found["feedback"]["rehandling"] == "reopened"

    audit = world.headers(Role.auditor)
    trail = (
        await client.get(
            f"/api/v1/audit?entity_type=rehandling_request&entity_id={req['id']}", headers=audit
        )
    ).json()["items"]
    assert {e["action"] for e in trail} == {"rehandling.open", "rehandling.reopened"}

    # handled again, closed again: the question is asked anew, and this time the answer is yes
    await conclude_and_close(client, world, tip.labour, tip.assignment_id, tip.case_id)
    found = (await client.post(LOOKUP, json={"receipt": tip.receipt})).json()
    assert found["feedback"]["asked"] is True and found["feedback"]["satisfied"] is None
    r = await client.post(FEEDBACK, json={"receipt": tip.receipt, "satisfied": True})
    assert r.status_code == 201 and r.json()["rehandling"] is False

    stats = (await client.get("/api/v1/stats/satisfaction", headers=coord)).json()
    [office] = stats["offices"]
    assert office["agency_id"] == str(world.agency(AgencyKind.coordinator).id)
    assert (office["answered"], office["satisfied"], office["rate"]) == (1, 1, 1.0)
    assert office["rehandling_requests"] == 1
    [agency] = stats["agencies"]
    assert agency["agency_id"] == labour_agency and agency["rehandling_requests"] == 1
    foreign_stats = (await client.get("/api/v1/stats/satisfaction", headers=foreign)).json()
    assert foreign_stats["offices"] == [] and foreign_stats["agencies"] == []
    r = await client.get(
        f"/api/v1/stats/satisfaction?jurisdiction_id={world.places['home'].id}", headers=foreign
    )
    assert r.status_code == 404


async def test_the_answer_changes_within_the_window_and_not_after(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    tip = await handled_tip(client, db, world)
    r = await client.post(FEEDBACK, json={"receipt": tip.receipt, "satisfied": False})
    assert r.json()["rehandling"] is True
    until = r.json()["changeable_until"]
    r = await client.post(FEEDBACK, json={"receipt": tip.receipt, "satisfied": True})
    assert r.status_code == 201 and r.json()["changeable_until"] == until
    coord = world.headers(Role.coordinator)
    [req] = (await client.get(REQUESTS, headers=coord)).json()["items"]
    assert req["status"] == "withdrawn"  # satisfied after all: nothing left to decide
    with time_machine.travel(clock.now() + timedelta(hours=73), tick=False):
        r = await client.post(FEEDBACK, json={"receipt": tip.receipt, "satisfied": False})
    assert r.status_code == 409 and "超过" in r.json()["detail"]
    r = await client.post(FEEDBACK, json={"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE", "satisfied": True})
    assert r.status_code == 404
    r = await client.post(FEEDBACK, json={"receipt": tip.receipt, "satisfied": "maybe"})
    assert r.status_code == 422
    r = await client.post(
        FEEDBACK, json={"receipt": tip.receipt, "satisfied": True, "comment": "长" * 1001}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "comment"]


async def test_feedback_is_rate_limited_like_follow_ups(
    fixed_day: date, db: TestDatabase, world: World
) -> None:
    transport = httpx.ASGITransport(app=app_for(db, tip_followup_rate="2/minute"))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        tip = await handled_tip(client, db, world)
        codes = [
            (
                await client.post(FEEDBACK, json={"receipt": tip.receipt, "satisfied": True})
            ).status_code
            for _ in range(3)
        ]
        followup = await client.post(
            "/public/v1/tips/followups", json={"receipt": tip.receipt, "message": "补充"}
        )
    assert codes == [201, 201, 429]
    assert followup.status_code == 429  # the same budget as follow-ups, not a second one


async def test_the_status_page_form_records_the_answer(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    tip = await handled_tip(client, db, world)
    r = await client.post(
        "/status/feedback",
        data={"receipt": tip.receipt, "satisfied": "no", "comment": "<b>没解决</b>"},
    )
    assert r.status_code == 201 and "重新办理" in r.text
    page = await client.post("/status", data={"receipt": tip.receipt})
    assert 'id="satisfied">不满意' in page.text and "转交办理机关重新办理" in page.text
    [req] = (await client.get(REQUESTS, headers=world.headers(Role.coordinator))).json()["items"]
    assert req["comment"] == "<b>没解决</b>"  # stored as sent, escaped wherever shown
