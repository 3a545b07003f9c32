"""/metrics: for the scraper inside the network or with the token, not for the internet.

The tip-line's request counters would show an onlooker (an employer watching a
worker) when a tip came in, so the default is loopback and private networks only.
"""

from __future__ import annotations

import httpx

from tests.conftest import TestDatabase, app_for

TOKEN = "scrape-token-0123456789abcdef"


async def _get(
    db: TestDatabase, peer: str, headers: dict[str, str] | None = None, **settings: object
) -> httpx.Response:
    transport = httpx.ASGITransport(
        app=app_for(db, **settings),  # type: ignore[arg-type]
        client=(peer, 40000),
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        return await c.get("/metrics", headers=headers or {})


async def test_by_default_only_local_and_private_peers_read_metrics(db: TestDatabase) -> None:
    for peer in ("127.0.0.1", "::1", "10.1.2.3", "192.168.0.9", "fd00::5"):
        r = await _get(db, peer)
        assert r.status_code == 200, peer
        assert "labourwatch_http_requests_total" in r.text
    outside = await _get(db, "203.0.113.5")
    assert outside.status_code == 403
    assert outside.headers["content-type"] == "application/problem+json"
    assert "labourwatch_http" not in outside.text


async def test_a_request_through_an_unconfigured_proxy_is_refused(db: TestDatabase) -> None:
    """nginx on the same host makes every internet client look like 127.0.0.1."""
    r = await _get(db, "127.0.0.1", {"X-Forwarded-For": "203.0.113.5"})
    assert r.status_code == 403


async def test_the_token_reads_metrics_from_anywhere(db: TestDatabase) -> None:
    only_token = {"metrics_token": TOKEN, "metrics_allow": ""}
    ok = await _get(db, "203.0.113.5", {"Authorization": f"Bearer {TOKEN}"}, **only_token)
    assert ok.status_code == 200 and "labourwatch_http_requests_total" in ok.text
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        assert (await _get(db, "127.0.0.1", headers, **only_token)).status_code == 403


async def test_the_allow_list_can_open_it_or_narrow_it(db: TestDatabase) -> None:
    opened = {"metrics_allow": "0.0.0.0/0, ::/0"}
    assert (await _get(db, "203.0.113.5", **opened)).status_code == 200
    narrowed = {"metrics_allow": "10.9.0.7"}
    assert (await _get(db, "10.9.0.7", **narrowed)).status_code == 200
    assert (await _get(db, "10.9.0.8", **narrowed)).status_code == 403
