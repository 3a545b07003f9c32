"""Registering webhook endpoints: the secret once, address rules, per-agency ownership."""

from __future__ import annotations

import base64

import httpx

from app.domain.taxonomy import AgencyKind, Role
from tests.factories import World

URL = "/api/v1/webhooks"


async def test_register_list_delete(client: httpx.AsyncClient, world: World) -> None:
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    r = await client.post(
        URL,
        headers=labour,
        json={"url": "https://93.184.216.34/hook", "description": "劳动监察系统"},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"][6:])) >= 24
    assert created["agency_id"] == str(world.agency(AgencyKind.labour).id)
    listed = (await client.get(URL, headers=labour)).json()
    assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]
    police = world.headers(Role.agency_officer)
    assert (await client.get(URL, headers=police)).json() == []
    assert (await client.delete(f"{URL}/{created['id']}", headers=police)).status_code == 404
    assert (await client.delete(f"{URL}/{created['id']}", headers=labour)).status_code == 204
    assert (await client.get(URL, headers=labour)).json() == []


async def test_private_addresses_are_refused(client: httpx.AsyncClient, world: World) -> None:
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://192.168.1.10/hook",
        "http://localhost/hook",
        "file:///etc/passwd",
        "http://[2002:c0a8:10a::1]/hook",
        "https://93.184.216.34:0/hook",
    ):
        r = await client.post(URL, headers=labour, json={"url": url})
        assert r.status_code == 422, url
        assert r.json()["errors"][0]["loc"] == ["body", "url"]
