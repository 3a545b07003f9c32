"""The public tip-line API: receipts, lookups, follow-ups, Chinese validation, rate limits."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.models.tips import Tip
from app.services.core.ratelimit import EXTRAS_KEY, TipRateLimits
from app.worker import purge_idempotency
from tests.conftest import TestDatabase, app_for
from tests.factories import World

SYMBOL = "[23456789ABCDEFGHJKMNPQRSTUVWXYZ]"
RECEIPT = re.compile(rf"^({SYMBOL}{{4}}-){{4}}{SYMBOL}{{4}}$")
CJK = re.compile(r"[\u4e00-\u9fff]")


async def send_tip(client: httpx.AsyncClient, **body: object) -> str:
    payload: dict[str, object] = {"description": "砖厂里有人被关着干活，不让回家。"}
    payload.update(body)
    r = await client.post("/public/v1/tips", json=payload)
    assert r.status_code == 201, r.text
    return str(r.json()["receipt"])


async def lookup(client: httpx.AsyncClient, receipt: str) -> httpx.Response:
    return await client.post("/public/v1/tips/lookup", json={"receipt": receipt})


async def test_a_tip_gets_a_receipt_that_reads_back_as_received(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        "/public/v1/tips",
        json={
            "description": "黄骅某砖厂扣身份证",
            "violation_types": ["id_document_detention"],
            "employer_name": "某砖厂",
            "contact": {"phone": "13800001111"},
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "received" and RECEIPT.match(body["receipt"])
    found = await lookup(client, body["receipt"].lower().replace("-", " "))
    assert found.status_code == 200, found.text
    data = found.json()
    assert (data["status"], data["status_label"]) == ("received", "已受理")
    assert data["replies"] == [] and data["outcome"] is None


async def test_validation_messages_are_chinese(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/public/v1/tips",
        json={"description": "", "violation_types": ["bogus"], "jurisdiction_id": "not-a-uuid"},
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    errors = {tuple(e["loc"]): e["msg"] for e in r.json()["errors"]}
    assert set(errors) == {
        ("body", "description"),
        ("body", "violation_types"),
        ("body", "jurisdiction_id"),
    }
    assert all(CJK.search(m) for m in errors.values())
    assert "bogus" in errors[("body", "violation_types")]
    missing = await client.post("/public/v1/tips", json={})
    assert missing.json()["errors"] == [
        {"loc": ["body", "description"], "msg": "必须填写", "type": "value_error"}
    ]
    bad_json = await client.post(
        "/public/v1/tips", content=b"{", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400 and CJK.search(bad_json.json()["detail"])


async def test_unknown_jurisdiction_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/public/v1/tips", json={"description": "x", "jurisdiction_id": str(uuid.uuid4())}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "jurisdiction_id"]


async def test_unknown_or_malformed_receipt_is_404(client: httpx.AsyncClient, world: World) -> None:
    for receipt in ("2345-6789-ABCD-EFGH-JKMN", "0000-1111", "x"):
        r = await lookup(client, receipt)
        assert r.status_code == 404, receipt
        assert r.headers["content-type"] == "application/problem+json"
    r = await client.post(
        "/public/v1/tips/followups", json={"receipt": "2345-6789-ABCD-EFGH-JKMN", "message": "补充"}
    )
    assert r.status_code == 404


async def test_same_idempotency_key_and_body_gives_the_same_receipt_and_one_tip(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    body = {"description": "同一个举报，重试三次"}
    headers = {"Idempotency-Key": "form-42"}
    first = await client.post("/public/v1/tips", json=body, headers=headers)
    again = await client.post("/public/v1/tips", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    other = await client.post("/public/v1/tips", json={"description": "另一件事"}, headers=headers)
    assert other.status_code == 422
    async with db.sessionmaker() as s:
        stored = (await s.exec(select(Tip.id))).all()
    assert len(stored) == 1
    assert (await lookup(client, first.json()["receipt"])).status_code == 200


@pytest.fixture
async def limited(db: TestDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose app has small global limits, so the global ceiling can be reached."""
    app = app_for(db)
    public: Any = getattr(app, "public", app)  # both sides in one process, or the tip-line alone
    public.state.runtime.extras[EXTRAS_KEY] = TipRateLimits(
        lookup_global="6/minute", intake_global="3/minute"
    )
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_lookups_of_one_receipt_are_limited_with_retry_after(
    client: httpx.AsyncClient, world: World
) -> None:
    receipt = await send_tip(client)
    for _ in range(10):
        assert (await lookup(client, receipt)).status_code == 200
    r = await lookup(client, receipt)
    assert r.status_code == 429
    assert r.headers["content-type"] == "application/problem+json"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    other = await send_tip(client)
    assert (await lookup(client, other)).status_code == 200


async def test_global_limits_stop_guessing_and_floods(
    limited: httpx.AsyncClient, world: World
) -> None:
    guesses = [
        f"2345-6789-ABCD-EFGH-{n}" for n in ("JKM2", "JKM3", "JKM4", "JKM5", "JKM6", "JKM7", "JKM8")
    ]
    codes = [(await lookup(limited, g)).status_code for g in guesses]
    assert codes == [404] * 6 + [429]
    sent = [
        (await limited.post("/public/v1/tips", json={"description": "洪水"})).status_code
        for _ in range(4)
    ]
    assert sent == [201, 201, 201, 429]


async def test_followup_attaches_and_reflags_a_closed_tip(
    client: httpx.AsyncClient, world: World
) -> None:
    receipt = await send_tip(client)
    coord = world.headers(Role.coordinator)
    home = str(world.places["home"].id)
    tips = (await client.get("/api/v1/tips", headers=coord)).json()["items"]
    assert tips == []  # unplaced tips wait at the top office
    _, city = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    [tip] = (await client.get("/api/v1/tips", headers=city)).json()["items"]
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/assign-jurisdiction",
        json={"jurisdiction_id": home},
        headers=city,
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/triage",
        json={"decision": "reject", "reason": "不属于本次专项行动范围"},
        headers=coord,
    )
    assert r.status_code == 200, r.text
    found = (await lookup(client, receipt)).json()
    assert (found["status"], found["status_label"]) == ("rejected", "不予受理")
    assert found["outcome"] == "不属于本次专项行动范围"
    r = await client.post(
        "/public/v1/tips/followups", json={"receipt": receipt, "message": "又看到有孩子在干活"}
    )
    assert r.status_code == 201, r.text
    [again] = (await client.get("/api/v1/tips?needs_attention=true", headers=coord)).json()["items"]
    assert again["id"] == tip["id"]
    detail = (await client.get(f"/api/v1/tips/{tip['id']}", headers=coord)).json()
    assert [m["kind"] for m in detail["messages"]] == ["followup"]
    r = await client.post(
        f"/api/v1/tips/{tip['id']}/replies", headers=coord, json={"message": "已安排核查"}
    )
    assert r.status_code == 201
    assert (await client.get("/api/v1/tips?needs_attention=true", headers=coord)).json()[
        "items"
    ] == []


def _client_at(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_another_client_sending_the_same_key_never_gets_the_first_receipt(
    db: TestDatabase, world: World
) -> None:
    """A public Idempotency-Key is the sending client's own: whoever else sends it (the same
    body or another) gets a tip of their own, never the first tip's receipt, and no 422
    that would tell them the key was used."""
    app = app_for(db)
    body, key = {"description": "窑厂老板扣着我们的身份证"}, {"Idempotency-Key": "form-42"}
    async with (
        _client_at(app, "1.2.3.4") as a,
        _client_at(app, "5.6.7.8") as b,
        _client_at(app, "9.9.9.9") as c,
    ):
        first = await a.post("/public/v1/tips", json=body, headers=key)
        theirs = await b.post("/public/v1/tips", json=body, headers=key)
        other = await c.post("/public/v1/tips", json={"description": "另一件事"}, headers=key)
        again = await a.post("/public/v1/tips", json=body, headers=key)
    assert first.status_code == theirs.status_code == other.status_code == 201, other.text
    receipt = first.json()["receipt"]
    assert theirs.json()["receipt"] != receipt and other.json()["receipt"] != receipt
    assert "idempotent-replayed" not in theirs.headers
    assert again.json()["receipt"] == receipt and again.headers["idempotent-replayed"] == "true"
    async with db.sessionmaker() as s:
        assert len((await s.exec(select(Tip.id))).all()) == 3


async def test_a_public_key_expires_after_the_idempotency_window(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    body, key = {"description": "工地拖欠工资"}, {"Idempotency-Key": "retry-1"}
    first = (await client.post("/public/v1/tips", json=body, headers=key)).json()["receipt"]
    async with db.sessionmaker() as s:
        tip = (await s.exec(select(Tip))).one()
        tip.received_at -= timedelta(hours=db.settings.idempotency_hours, minutes=1)
        s.add(tip)
        await s.commit()
    later = await client.post("/public/v1/tips", json=body, headers=key)
    assert later.status_code == 201 and "idempotent-replayed" not in later.headers
    assert later.json()["receipt"] != first
    again = await client.post("/public/v1/tips", json=body, headers=key)
    assert again.json()["receipt"] == later.json()["receipt"]
    for receipt in (first, later.json()["receipt"]):
        assert (await lookup(client, receipt)).status_code == 200
    async with transaction(db.sessionmaker) as s:
        for tip in (await s.exec(select(Tip))).all():
            tip.received_at -= timedelta(hours=db.settings.idempotency_hours, minutes=1)
            s.add(tip)
    async with transaction(db.sessionmaker) as s:
        assert await purge_idempotency(s, db.settings) == 1  # the worker lets go of the key
    async with db.sessionmaker() as s:
        assert all(t.idempotency_hash is None for t in (await s.exec(select(Tip))).all())
