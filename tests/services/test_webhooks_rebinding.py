"""Delivery connects to the address that was checked, never to the name again (DNS rebinding)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.models.integration import WebhookEndpoint, WebhookOutbox
from app.services.integration import outbox, webhooks
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase, make_settings
from tests.factories import World
from tests.services.test_webhooks import _deliver, _endpoint, _labour, _messages
from tests.services.webhook_receiver import Receiver, running_receiver

PUBLIC = "93.184.216.34"


class Resolver:
    """Stands in for `socket.getaddrinfo`: answers for the given names from a script of
    addresses (the last one repeats), and leaves every other name to the real one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, script: dict[str, list[str]]) -> None:
        self.script = {name: list(addresses) for name, addresses in script.items()}
        self.asked: list[str] = []
        self._real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.script:
            return self._real(host, port, *args, **kwargs)
        self.asked.append(name)
        answers = self.script[name]
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host httpx connects to; a public address is refused here, so no test traffic
    leaves the machine."""
    seen: list[str] = []
    real = anyio.connect_tcp

    async def connect_tcp(remote_host: Any, remote_port: int, **kwargs: Any) -> Any:
        seen.append(str(remote_host))
        try:
            if ipaddress.ip_address(str(remote_host)).is_global:
                raise OSError(f"tests never connect to {remote_host}")
        except ValueError:
            pass  # a name: resolved by the real connect, through the patched resolver
        return await real(remote_host, remote_port, **kwargs)

    monkeypatch.setattr(anyio, "connect_tcp", connect_tcp)
    return seen


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


def test_the_request_names_the_host_and_goes_to_the_address() -> None:
    v6 = ipaddress.ip_address("2001:db8::7")
    assert outbox.pinned("https://Hooks.Example.org:8443/in?x=1", v6) == (
        "https://[2001:db8::7]:8443/in?x=1",
        {"host": "hooks.example.org:8443"},
        {"sni_hostname": "hooks.example.org"},
    )
    assert outbox.pinned("http://hooks.example.org/in", ipaddress.ip_address(PUBLIC)) == (
        f"http://{PUBLIC}/in",
        {"host": "hooks.example.org"},
        {},
    )


async def test_a_host_that_rebinds_to_loopback_is_not_called(
    db: TestDatabase,
    world: World,
    receiver: Receiver,
    connects: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    # Public to the check at registration and to the one before delivery; then loopback,
    # to whoever asks next (the connection, if it resolved the name again).
    resolver = Resolver(monkeypatch, {"rebind.example": [PUBLIC, PUBLIC, "127.0.0.1"]})
    settings = make_settings(db.url)
    await _endpoint(db, settings, await _labour(world), f"http://rebind.example:{port}/hook")
    await file(db, await make_employer(db, world), "wage_arrears")
    assert await _deliver(db, settings) == 0
    assert resolver.asked == ["rebind.example", "rebind.example"]
    assert connects == [PUBLIC]
    assert receiver.requests == []
    [msg] = await _messages(db)
    assert msg.status == "pending" and (msg.last_error or "").startswith("ConnectError")


def _certificate(tmp_path: Path, name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(certfile), str(keyfile)


async def test_https_goes_to_the_address_and_verifies_the_certificate_for_the_name(
    tmp_path: Path, connects: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    certfile, keyfile = _certificate(tmp_path, "hooks.test")
    Resolver(monkeypatch, {"hooks.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    settings = make_settings("sqlite+aiosqlite:///unused.db", webhook_allow_private=True)
    trusted = ssl.create_default_context(cafile=certfile)
    with running_receiver(certfile, keyfile) as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        clients = outbox.Clients(verify=trusted)
        try:
            results = {}
            for host in ("hooks.test", "other.test"):
                endpoint = WebhookEndpoint(
                    agency_id=uuid.uuid4(),
                    secret=b"",
                    url=f"https://{host}:{port}/hook",
                    created_by="t",
                )
                endpoint.secret = webhooks.seal_secret(settings, endpoint.id, webhooks.new_secret())
                message = WebhookOutbox(
                    endpoint_id=endpoint.id, event_id=f"msg_{host}", payload={"type": "test"}
                )
                results[host] = await outbox.send(clients, settings, message, endpoint)
        finally:
            await clients.aclose()
    assert results["hooks.test"] is None
    assert "CERTIFICATE_VERIFY_FAILED" in (results["other.test"] or "")
    assert connects == ["127.0.0.1", "127.0.0.1"]
    [request] = receiver.requests
    assert request["headers"]["host"] == f"hooks.test:{port}"
    assert request["headers"]["webhook-id"] == "msg_hooks.test"
