"""Publicity work (宣传发动) is recorded by the office and a township's staff, read in scope."""

from __future__ import annotations

import httpx

from app.domain.taxonomy import AgencyKind, Role
from tests.api.inspection_world import make_campaign
from tests.factories import World

LEAFLETS = {"on": "2026-07-02", "kind": "leaflets", "count": 500, "place": "集市"}


async def test_the_office_and_the_township_record_publicity_and_read_it_in_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    cid = await make_campaign(client, world)
    url = f"/api/v1/campaigns/{cid}/publicity"
    r = await client.post(url, json=LEAFLETS, headers=world.headers(Role.coordinator))
    assert r.status_code == 201, r.text
    assert r.json()["jurisdiction_id"] == str(world.places["home"].id)
    assert r.json()["count"] == 500 and r.json()["kind"] == "leaflets"
    _, township = await world.add_user(Role.agency_officer, AgencyKind.township, place="town")
    r = await client.post(
        url,
        json={"on": "2026-07-03", "kind": "consultation", "count": 36, "note": "赶集日设咨询台"},
        headers=township,
    )
    assert r.status_code == 201, r.text
    assert r.json()["jurisdiction_id"] == str(world.places["town"].id)

    whole = await client.get(url, headers=world.headers(Role.auditor))
    assert [e["kind"] for e in whole.json()["items"]] == ["consultation", "leaflets"]
    own = await client.get(url, headers=township)
    assert [e["kind"] for e in own.json()["items"]] == ["consultation"]
    r = await client.get(url, params={"kind": "leaflets"}, headers=world.headers(Role.coordinator))
    assert [e["count"] for e in r.json()["items"]] == [500]
    page = await client.get(url, params={"limit": 1}, headers=world.headers(Role.coordinator))
    assert page.json()["next_cursor"] and 'rel="next"' in page.headers["link"]


async def test_other_agencies_and_places_may_not_record_it(
    client: httpx.AsyncClient, world: World
) -> None:
    cid = await make_campaign(client, world, jurisdiction_id=str(world.places["town"].id))
    url = f"/api/v1/campaigns/{cid}/publicity"
    r = await client.post(url, json=LEAFLETS, headers=world.headers(Role.agency_officer))
    assert r.status_code == 403  # the police are not the township
    r = await client.post(url, json=LEAFLETS, headers=world.headers(Role.coordinator))
    assert r.status_code == 422  # the county itself is outside a township's campaign
    assert r.json()["errors"][0]["loc"] == ["body", "jurisdiction_id"]
    r = await client.post(
        url,
        json={**LEAFLETS, "jurisdiction_id": str(world.places["town"].id), "count": 0},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 422
    foreign = world.headers(Role.coordinator, "foreign")
    r = await client.post(url, json=LEAFLETS, headers=foreign)
    assert r.status_code == 404
    assert (await client.get(url, headers=foreign)).status_code == 404
