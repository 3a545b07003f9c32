"""Delivering the webhook outbox: `labourwatch worker` runs `deliver_webhooks`.

Due messages are claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL,
so several workers never send the same message at once (SQLite: one writer).
A 2xx answer marks a message delivered; anything else (an error status, a
timeout, a redirect, a refused address) schedules a retry after
30 s × 2^attempts, at most 6 h apart, and after 12 attempts it is marked failed.
Redirects are never followed: they could lead to an address we refuse.

The request goes to the address `webhooks.check_url` checked, never to the name
again (DNS rebinding): the URL carries that address, `Host` carries the name, and
for https the name is sent as SNI, so the certificate is still verified for it.
Each receiving host gets its own client: a kept-alive TLS connection was verified
for the name it was opened with and must not carry another host's request.
"""

from __future__ import annotations

import ipaddress
import json
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.domain.lifecycles import DELIVERY, transition
from app.models.base import utcnow
from app.models.integration import WebhookEndpoint, WebhookOutbox
from app.services.core import dialect
from app.services.integration import webhooks

BATCH = 50
TIMEOUT_SECONDS = 5.0
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
MAX_ATTEMPTS = 12


def next_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1-based)."""
    delay: timedelta = BASE_DELAY * (2 ** max(0, attempts - 1))
    return min(delay, MAX_DELAY)


async def _claim(
    session: AsyncSession, now: datetime
) -> list[tuple[WebhookOutbox, WebhookEndpoint]]:
    query = (
        select(WebhookOutbox, WebhookEndpoint)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookOutbox.endpoint_id))
        .where(col(WebhookOutbox.status) == "pending", col(WebhookOutbox.next_attempt_at) <= now)
        .order_by(col(WebhookOutbox.next_attempt_at), col(WebhookOutbox.id))
        .limit(BATCH)
    )
    if dialect.is_postgres(session):
        query = query.with_for_update(of=WebhookOutbox, skip_locked=True)
    return [(m, e) for m, e in (await session.exec(query)).all()]


def pinned(url: str, address: webhooks.IPAddress) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL, headers and httpx extensions that reach `address` while naming the host."""
    named = httpx.URL(url)
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return url, {}, {}  # a zoned link-local address, allowed only on a closed network
    target = named.copy_with(host=str(address))  # httpx brackets an IPv6 address
    host = named.raw_host.decode("ascii")
    extensions = {"sni_hostname": host} if named.scheme == "https" else {}
    return str(target), {"host": named.netloc.decode("ascii")}, extensions


class Clients:
    """One httpx client per receiving host (`Host` value), closed together."""

    def __init__(self, **options: Any) -> None:
        self._options = {
            "timeout": TIMEOUT_SECONDS,
            "follow_redirects": False,
            "trust_env": False,
            **options,
        }
        self._by_host: dict[str, httpx.AsyncClient] = {}

    def for_host(self, host: str) -> httpx.AsyncClient:
        if host not in self._by_host:
            self._by_host[host] = httpx.AsyncClient(**self._options)
        return self._by_host[host]

    async def aclose(self) -> None:
        for client in self._by_host.values():
            await client.aclose()
        self._by_host.clear()


async def send(
    clients: Clients, settings: Settings, message: WebhookOutbox, endpoint: WebhookEndpoint
) -> str | None:
    """POST one message; None when the receiver took it, else what went wrong."""
    try:
        address = await webhooks.check_url(
            endpoint.url, allow_private=settings.webhook_allow_private
        )
        url, pin_headers, extensions = pinned(endpoint.url, address)
    except (webhooks.UnsafeAddress, httpx.InvalidURL) as exc:
        return f"refused: {exc}"
    body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode()
    ts = int(time.time())
    headers = {
        **pin_headers,
        "content-type": "application/json",
        "user-agent": "labourwatch-webhooks/1",
        "webhook-id": message.event_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": webhooks.sign(
            webhooks.open_secret(settings, endpoint), message.event_id, ts, body
        ),
    }
    client = clients.for_host(pin_headers.get("host", endpoint.url))
    try:
        response = await client.post(url, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def _settle(message: WebhookOutbox, error: str | None, now: datetime) -> None:
    message.attempts += 1
    if error is None:
        message.status = transition(DELIVERY, message.status, "deliver")
        message.delivered_at, message.last_error = now, None
        return
    message.last_error = error
    if message.attempts >= MAX_ATTEMPTS:
        message.status = transition(DELIVERY, message.status, "give_up")
    else:
        message.next_attempt_at = now + next_delay(message.attempts)


async def deliver_webhooks(session: AsyncSession, settings: Settings) -> int:
    """Worker job: send what is due; returns how many were delivered."""
    now = utcnow()
    claimed = await _claim(session, now)
    if not claimed:
        return 0
    delivered = 0
    clients = Clients()
    try:
        for message, endpoint in claimed:
            if endpoint.deleted_at is not None:
                message.status = transition(DELIVERY, message.status, "give_up")
                message.last_error = "the endpoint was deleted"
            else:
                error = await send(clients, settings, message, endpoint)
                _settle(message, error, utcnow())
                delivered += error is None
            session.add(message)
    finally:
        await clients.aclose()
    await session.flush()
    return delivered
