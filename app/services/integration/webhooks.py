"""Webhook endpoints of an agency, their signing secrets, and the address rules.

Signatures follow Standard Webhooks: the secret is `whsec_` + base64 of random
bytes; each delivery carries `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")>`.

An endpoint may not point at loopback, private, link-local, multicast or
reserved addresses, nor at IPv6 addresses that lead to one (6to4, Teredo,
NAT64 of a private address): the server would be a way into the internal
network. `webhook_allow_private` lifts that; port 0 is refused regardless.
The host is resolved and every address checked at registration and again
before every delivery, and the delivery then connects to an address that was
checked (`check_url` returns it): resolving the name a second time would let
a host answer a public address to the check and 127.0.0.1 to the connection
(DNS rebinding).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
import uuid
from urllib.parse import urlsplit

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.permissions import Actor
from app.errors import NotFound, unprocessable
from app.models.base import utcnow
from app.models.integration import WebhookEndpoint
from app.security import decrypt, derive_keys, encrypt
from app.services.core import access

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret


class UnsafeAddress(ValueError):
    """The URL is malformed, or its host resolves to an address we will not call."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one delivery."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def seal_secret(settings: Settings, endpoint_id: uuid.UUID, secret: str) -> bytes:
    key = derive_keys(settings.resolved_secret()).webhook
    return encrypt(key, secret.encode(), context=endpoint_id.bytes)


def open_secret(settings: Settings, endpoint: WebhookEndpoint) -> str:
    key = derive_keys(settings.resolved_secret()).webhook
    return decrypt(key, endpoint.secret, context=endpoint.id.bytes).decode()


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
"""RFC 6052's well-known NAT64 prefix: the gateway forwards to the IPv4 address in the
last 32 bits. A DNS64 resolver answers such addresses for IPv4-only hosts."""
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
TEREDO = ipaddress.IPv6Network("2001::/32")


def _forbidden_ip(ip: IPAddress) -> bool:
    """True for an address we will not call.

    IPv6 transition addresses carry an IPv4 address that the packets end up at, and
    Python's `is_global` does not look inside them. 6to4 (2002::/16, deprecated by
    RFC 7526) and Teredo (2001::/32) are refused whatever they embed: they tunnel
    through relays to an IPv4 address the receiver picked, 10.0.0.1 as easily as
    any. IPv4-mapped and NAT64 addresses are judged by the IPv4 address inside.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in SIX_TO_FOUR or ip in TEREDO:
            return True
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


async def check_url(url: str, *, allow_private: bool) -> IPAddress:
    """Raise UnsafeAddress unless `url` is http(s) to a host whose every address is public.

    Returns the address to connect to, one of those checked: connect to it, never to
    the name, or a second lookup may answer differently."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeAddress("the URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise UnsafeAddress("the URL must not carry a user name or password")
    try:
        given = parts.port
    except ValueError:
        raise UnsafeAddress("the URL's port is not a number from 1 to 65535") from None
    if given == 0:
        # Port 0 is no port: the connection would go wherever the stack makes of it.
        raise UnsafeAddress("the URL's port is not a number from 1 to 65535")
    port = given or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM
        )
        addresses = [ipaddress.ip_address(str(info[4][0])) for info in infos]
    except (socket.gaierror, UnicodeError, ValueError):
        raise UnsafeAddress(f"the host {parts.hostname} does not resolve") from None
    if not addresses:
        raise UnsafeAddress(f"the host {parts.hostname} does not resolve")
    if not allow_private:
        for ip in addresses:
            if _forbidden_ip(ip):
                raise UnsafeAddress(
                    f"{parts.hostname} resolves to {ip}, which is not a "
                    "public address; an administrator can allow it "
                    "(LABOURWATCH_WEBHOOK_ALLOW_PRIVATE)"
                )
    return addresses[0]


async def create_webhook(
    session: AsyncSession, actor: Actor, *, settings: Settings, url: str, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint for the caller's agency, and its secret (returned once, kept encrypted)."""
    agency_id = access.agency_of(actor)
    if agency_id is None:
        raise unprocessable(["body", "url"], "Only an account of an agency can add webhooks.")
    try:
        await check_url(url, allow_private=settings.webhook_allow_private)
    except UnsafeAddress as exc:
        raise unprocessable(["body", "url"], str(exc)) from None
    secret = new_secret()
    endpoint = WebhookEndpoint(
        agency_id=agency_id,
        url=url,
        description=description,
        secret=b"",
        created_by=actor.id[:64],
    )
    endpoint.secret = seal_secret(settings, endpoint.id, secret)
    session.add(endpoint)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "webhook.create",
        "webhook_endpoint",
        endpoint.id,
        after=auditlog.snapshot(endpoint, exclude=("secret",)),
    )
    return endpoint, secret


async def list_webhooks(session: AsyncSession, actor: Actor) -> list[WebhookEndpoint]:
    return list(
        (
            await session.exec(
                select(WebhookEndpoint)
                .where(
                    access.own_agency(actor, WebhookEndpoint.agency_id),
                    col(WebhookEndpoint.deleted_at).is_(None),
                )
                .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
            )
        ).all()
    )


async def delete_webhook(session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID | str) -> None:
    """Stops deliveries at once; messages still waiting for it are dropped by the worker."""
    eid = access.as_uuid(endpoint_id, "webhook")
    endpoint = (
        await session.exec(
            select(WebhookEndpoint).where(
                col(WebhookEndpoint.id) == eid, col(WebhookEndpoint.deleted_at).is_(None)
            )
        )
    ).first()
    if endpoint is None or not access.is_own_agency(actor, endpoint.agency_id):
        raise NotFound(f"No webhook {eid} for your agency.")
    before = auditlog.snapshot(endpoint, exclude=("secret",))
    endpoint.deleted_at = utcnow()
    session.add(endpoint)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "webhook.delete",
        "webhook_endpoint",
        endpoint.id,
        before=before,
        after=auditlog.snapshot(endpoint, exclude=("secret",)),
    )
