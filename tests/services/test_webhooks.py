"""Webhook delivery: signed per Standard Webhooks, retried with backoff, never redirected."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from app.config import Settings
from app.db import transaction
from app.domain.permissions import Actor
from app.domain.taxonomy import AgencyKind, Role
from app.models.base import utcnow
from app.models.integration import WebhookOutbox
from app.services.integration import outbox, webhooks
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase, make_settings
from tests.factories import World
from tests.services.webhook_receiver import Receiver, running_receiver


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """An independent Standard Webhooks verifier, as a receiving agency would write it."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body.decode()}"
    expected = base64.b64encode(hmac.new(key, signed.encode(), hashlib.sha256).digest())
    return any(
        hmac.compare_digest(sig.split(",", 1)[1].encode(), expected)
        for sig in headers["webhook-signature"].split(" ")
        if sig.startswith("v1,")
    )


def test_signature_matches_an_independent_implementation() -> None:
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    body = json.dumps(
        {"type": "assignment.created", "data": {"x": "童工"}}, ensure_ascii=False
    ).encode()
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1700000000",
        "webhook-signature": webhooks.sign(secret, "msg_1", 1700000000, body),
    }
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify(webhooks.new_secret(), headers, body)


def test_backoff_doubles_and_is_capped() -> None:
    assert [outbox.next_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert outbox.next_delay(11) == timedelta(hours=6)


async def _endpoint(db: TestDatabase, settings: Settings, officer: Actor, url: str) -> str:
    async with transaction(db.sessionmaker) as session:
        _, secret = await webhooks.create_webhook(session, officer, settings=settings, url=url)
    return secret


async def _deliver(db: TestDatabase, settings: Settings) -> int:
    async with transaction(db.sessionmaker) as session:
        return await outbox.deliver_webhooks(session, settings)


async def _messages(db: TestDatabase) -> list[WebhookOutbox]:
    async with db.sessionmaker() as session:
        return list(
            (
                await session.exec(select(WebhookOutbox).order_by(col(WebhookOutbox.created_at)))
            ).all()
        )


async def _labour(world: World) -> Actor:
    """The home labour bureau, as the service sees an officer of it."""
    agency, home = world.agency(AgencyKind.labour), world.places["home"]
    return Actor(
        kind="user",
        id="labour-officer",
        name="labour",
        role=Role.agency_officer,
        agency_id=agency.id,
        agency_kind=AgencyKind.labour,
        jurisdiction_id=home.id,
        jurisdiction_path=home.path,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


async def test_a_new_assignment_is_delivered_signed(
    db: TestDatabase, world: World, receiver: Receiver
) -> None:
    settings = make_settings(db.url, webhook_allow_private=True)
    secret = await _endpoint(db, settings, await _labour(world), receiver.url)
    case_id = await file(db, await make_employer(db, world), "wage_arrears")
    assert await _deliver(db, settings) == 1
    [req] = receiver.requests
    assert verify(secret, req["headers"], req["body"])
    assert abs(int(req["headers"]["webhook-timestamp"]) - time.time()) < 60
    event = json.loads(req["body"])
    assert event["type"] == "assignment.created"
    assert event["data"]["assignment"]["case_id"] == str(case_id)
    [msg] = await _messages(db)
    assert msg.status == "delivered" and msg.event_id == req["headers"]["webhook-id"]
    assert await _deliver(db, settings) == 0 and len(receiver.requests) == 1


async def test_a_failure_is_retried_later_with_backoff(
    db: TestDatabase, world: World, receiver: Receiver
) -> None:
    settings = make_settings(db.url, webhook_allow_private=True)
    await _endpoint(db, settings, await _labour(world), receiver.url)
    await file(db, await make_employer(db, world), "wage_arrears")
    receiver.status = 500
    before = utcnow()
    assert await _deliver(db, settings) == 0
    [msg] = await _messages(db)
    assert msg.status == "pending" and msg.attempts == 1 and msg.last_error == "HTTP 500"
    assert msg.next_attempt_at >= before + timedelta(seconds=30)
    assert await _deliver(db, settings) == 0 and len(receiver.requests) == 1  # not due yet
    async with transaction(db.sessionmaker) as session:
        row = await session.get(WebhookOutbox, msg.id)
        assert row is not None
        row.next_attempt_at, row.attempts = utcnow(), outbox.MAX_ATTEMPTS - 1
        session.add(row)
    assert await _deliver(db, settings) == 0
    [msg] = await _messages(db)
    assert msg.status == "failed" and msg.attempts == outbox.MAX_ATTEMPTS


async def test_redirects_are_not_followed(
    db: TestDatabase, world: World, receiver: Receiver
) -> None:
    settings = make_settings(db.url, webhook_allow_private=True)
    await _endpoint(db, settings, await _labour(world), receiver.url)
    await file(db, await make_employer(db, world), "wage_arrears")
    receiver.status, receiver.location = 307, receiver.url.replace("/hook", "/elsewhere")
    assert await _deliver(db, settings) == 0
    assert [r["path"] for r in receiver.requests] == ["/hook"]
    [msg] = await _messages(db)
    assert msg.status == "pending" and msg.last_error == "HTTP 307"


async def test_a_private_address_is_refused_again_at_delivery(
    db: TestDatabase, world: World, receiver: Receiver
) -> None:
    await _endpoint(
        db, make_settings(db.url, webhook_allow_private=True), await _labour(world), receiver.url
    )
    await file(db, await make_employer(db, world), "wage_arrears")
    assert await _deliver(db, make_settings(db.url)) == 0
    assert receiver.requests == []
    [msg] = await _messages(db)
    assert msg.attempts == 1 and (msg.last_error or "").startswith("refused")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.1.2.3/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest",
        "http://224.0.0.1/x",
        "http://0.0.0.0/x",
        "ftp://93.184.216.34/x",
        "http:///x",
    ],
)
async def test_unsafe_urls_are_refused(url: str) -> None:
    with pytest.raises(webhooks.UnsafeAddress):
        await webhooks.check_url(url, allow_private=False)


async def test_a_public_address_is_accepted() -> None:
    await webhooks.check_url("https://93.184.216.34/hook", allow_private=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://[2002:7f00:1::1]/x",  # 6to4 of 127.0.0.1
        "http://[2002:a01:203::1]/x",  # 6to4 of 10.1.2.3
        "http://[2002:5db8:d822::1]/x",  # 6to4 of a public address: all 6to4
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x",  # Teredo
        "http://[64:ff9b::a9fe:a9fe]/latest",  # NAT64 of 169.254.169.254
        "http://[64:ff9b::a01:203]/x",  # NAT64 of 10.1.2.3
        "http://[64:ff9b:1::7f00:1]/x",  # local-use NAT64 prefix
        "http://[::ffff:10.1.2.3]/x",  # IPv4-mapped
        "http://93.184.216.34:0/x",
        "https://[2606:4700::1111]:0/x",
    ],
)
async def test_ipv6_ways_into_private_ipv4_and_port_0_are_refused(url: str) -> None:
    with pytest.raises(webhooks.UnsafeAddress):
        await webhooks.check_url(url, allow_private=False)


async def test_port_0_is_refused_even_where_private_addresses_are_allowed() -> None:
    with pytest.raises(webhooks.UnsafeAddress, match="port"):
        await webhooks.check_url("http://127.0.0.1:0/hook", allow_private=True)


async def test_nat64_of_a_public_address_is_accepted() -> None:
    """An IPv6-only server behind DNS64 reaches an IPv4-only receiver this way."""
    address = await webhooks.check_url("https://[64:ff9b::5db8:d822]/hook", allow_private=False)
    assert str(address) == "64:ff9b::5db8:d822"


async def test_a_6to4_address_is_refused_again_at_delivery(db: TestDatabase, world: World) -> None:
    """Registered while private addresses were allowed; refused once they are not."""
    await _endpoint(
        db,
        make_settings(db.url, webhook_allow_private=True),
        await _labour(world),
        "http://[2002:7f00:1::1]:8080/hook",
    )
    await file(db, await make_employer(db, world), "wage_arrears")
    assert await _deliver(db, make_settings(db.url)) == 0
    [msg] = await _messages(db)
    assert msg.attempts == 1 and (msg.last_error or "").startswith("refused"), msg.last_error
