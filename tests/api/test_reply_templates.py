"""Each office's reply templates: placeholders filled by whitelist, never str.format; a
reply sent from one records which; another county's office cannot see or change them."""

from __future__ import annotations

from datetime import date

import httpx

from app.domain.taxonomy import Role
from tests.api.reporter_loop_support import handled_tip
from tests.conftest import TestDatabase
from tests.factories import World

TEMPLATES = "/api/v1/reply-templates"


async def test_an_office_answers_from_its_templates(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    coord = world.headers(Role.coordinator)
    foreign = world.headers(Role.coordinator, "foreign")
    tip = await handled_tip(client, db, world, close=False)

    r = await client.post(
        TEMPLATES,
        json={"name": "受理", "body": "您{receipt_date}的举报由{agancy}办理"},
        headers=coord,
    )
    assert r.status_code == 422 and "{agancy}" in r.json()["errors"][0]["msg"]
    body = (
        "您于{receipt_date}反映的问题已交{agency}办理，预计{expected_date}前答复。"
        "{agency.__class__} {0} {receipt_date!r}"
    )
    r = await client.post(TEMPLATES, json={"name": "受理", "body": body}, headers=coord)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["placeholders"] == ["receipt_date", "agency", "expected_date"]
    dup = await client.post(TEMPLATES, json={"name": "受理", "body": "x"}, headers=coord)
    assert dup.status_code == 409

    assert (await client.get(TEMPLATES, headers=foreign)).json() == []
    r = await client.patch(f"{TEMPLATES}/{made['id']}", json={"active": False}, headers=foreign)
    assert r.status_code == 404
    r = await client.post(
        f"/api/v1/tips/{tip.tip_id}/replies", json={"template_id": made["id"]}, headers=foreign
    )
    assert r.status_code == 404

    r = await client.post(
        f"/api/v1/tips/{tip.tip_id}/replies", json={"template_id": made["id"]}, headers=coord
    )
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["template_id"] == made["id"]
    # received 4 December; the labour bureau leads and is to accept it by the 7th (72 h)
    assert sent["message"].startswith(
        "您于2026年12月4日反映的问题已交黄骅市人力资源和社会保障局办理，预计2026年12月7日前答复。"
    )
    assert sent["message"].endswith("{agency.__class__} {0} {receipt_date!r}")
    detail = (await client.get(f"/api/v1/tips/{tip.tip_id}", headers=coord)).json()
    assert [m["template_id"] for m in detail["messages"]] == [made["id"]]
    found = (await client.post("/public/v1/tips/lookup", json={"receipt": tip.receipt})).json()
    assert found["replies"][0]["message"] == sent["message"]

    r = await client.patch(
        f"{TEMPLATES}/{made['id']}",
        json={"body": "{expected_date}", "active": False},
        headers=coord,
    )
    assert r.status_code == 200 and r.json()["active"] is False
    r = await client.post(
        f"/api/v1/tips/{tip.tip_id}/replies", json={"template_id": made["id"]}, headers=coord
    )
    assert r.status_code == 409
    r = await client.post(f"/api/v1/tips/{tip.tip_id}/replies", json={}, headers=coord)
    assert r.status_code == 422
    r = await client.post(
        f"/api/v1/tips/{tip.tip_id}/replies", json={"message": "已收到"}, headers=coord
    )
    assert r.status_code == 201 and r.json()["template_id"] is None


async def test_a_rehandling_request_answered_from_a_template(
    fixed_day: date, client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    coord = world.headers(Role.coordinator)
    tip = await handled_tip(client, db, world)
    await client.post("/public/v1/tips/feedback", json={"receipt": tip.receipt, "satisfied": False})
    [req] = (await client.get("/api/v1/rehandling-requests", headers=coord)).json()["items"]
    made = (
        await client.post(
            TEMPLATES,
            json={
                "name": "不予重办",
                "body": "经核查，工资已于结案前付清；如有异议请于{expected_date}前来电。",
            },
            headers=coord,
        )
    ).json()
    preview = await client.get(
        f"{TEMPLATES}/{made['id']}/preview?tip_id={tip.tip_id}", headers=coord
    )
    assert preview.json()["message"].endswith("2026年12月11日前来电。")  # the request's due day
    r = await client.post(
        f"/api/v1/rehandling-requests/{req['id']}/answer",
        json={"template_id": made["id"]},
        headers=coord,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "answered"
    case = (await client.get(f"/api/v1/cases/{tip.case_id}", headers=coord)).json()
    assert case["status"] == "closed"  # answered, not reopened
    found = (await client.post("/public/v1/tips/lookup", json={"receipt": tip.receipt})).json()
    assert found["replies"][-1]["message"] == preview.json()["message"]
    assert found["feedback"]["rehandling"] == "answered"
