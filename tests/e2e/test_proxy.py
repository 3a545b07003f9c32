"""Behind a load balancer: the per-source tip limit counts tipsters, not the balancer.

A real `labourwatch serve` with LABOURWATCH_TRUSTED_PROXIES naming the peer reads
the client from X-Forwarded-For; one whose peer is not trusted ignores the header,
so a client cannot name itself someone new on each request to escape the limit.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.serving import serve_environment, serving

TIP = {"description": "砖窑厂扣押工人身份证，不让回家。"}


def _send(base: str, forwarded_for: str) -> int:
    r = httpx.post(
        f"{base}/public/v1/tips", json=TIP, timeout=30, headers={"X-Forwarded-For": forwarded_for}
    )
    return r.status_code


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(tmp_path: Path) -> None:
    extra = {
        "LABOURWATCH_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
        "LABOURWATCH_TIP_INTAKE_SOURCE_RATE": "2/minute",
    }
    with serve_environment("sqlite", extra) as env, serving(env, tmp_path) as base:
        assert [_send(base, "203.0.113.7") for _ in range(3)] == [201, 201, 429]
        # another tipster behind the same balancer is not held up by the first
        assert [_send(base, "198.51.100.9") for _ in range(2)] == [201, 201]
        # the balancer appends the real peer: a forged entry before it changes nothing
        assert _send(base, "192.0.2.99, 203.0.113.7") == 429


def test_from_an_untrusted_peer_x_forwarded_for_is_ignored(tmp_path: Path) -> None:
    extra = {
        "LABOURWATCH_TRUSTED_PROXIES": "10.0.0.1",
        "LABOURWATCH_TIP_INTAKE_SOURCE_RATE": "2/minute",
    }
    with serve_environment("sqlite", extra) as env, serving(env, tmp_path) as base:
        sent = [_send(base, f"198.51.100.{n}") for n in range(1, 4)]
        assert sent == [201, 201, 429]


def test_trusted_proxies_take_a_list_and_refuse_a_malformed_network() -> None:
    from pydantic import ValidationError

    from app.config import Settings

    assert Settings(trusted_proxies="10.0.0.0/8, 192.0.2.1").trusted_proxies == [
        "10.0.0.0/8",
        "192.0.2.1",
    ]
    assert Settings(trusted_proxies='["::1"]').trusted_proxies == ["::1"]
    assert Settings().trusted_proxies == []
    with pytest.raises(ValidationError, match="host bits set"):
        Settings(trusted_proxies="10.0.0.1/8")
