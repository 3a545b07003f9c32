"""Numbers and dates out of range are a 422 at the edge, never a 500, and a stored extreme
date cannot break a later read."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from app.db import transaction
from app.domain.taxonomy import Role
from app.models.inspections import Campaign
from tests.api.inspection_world import KILN_HEADCOUNT, add_employer, make_campaign, new_inspection
from tests.factories import World


async def test_a_feed_position_beyond_int64_is_422(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers(Role.agency_officer)
    for since in ("9223372036854775808", "-1", str(10**30)):
        r = await client.get("/api/v1/queue/changes", headers=headers, params={"since": since})
        assert r.status_code == 422, (since, r.text)
        assert r.json()["errors"][0]["loc"] == ["query", "since"]
    r = await client.get(
        "/api/v1/queue/changes", headers=headers, params={"since": "9223372036854775807"}
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total", 2**31),
        ("local", 2**31),
        ("children_under_16", 2**63),
        ("female", -1),
        ("total", 1_000_001),
    ],
)
async def test_a_headcount_no_site_can_have_is_422(
    client: httpx.AsyncClient, world: World, field: str, value: int
) -> None:
    employer = await add_employer(world)
    r = await new_inspection(
        client, world.headers(Role.inspector), employer, headcount={**KILN_HEADCOUNT, field: value}
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "headcount", field]


@pytest.mark.parametrize("visited_on", ["0001-01-01", "9999-12-31", "1999-12-31"])
async def test_a_visit_outside_the_date_window_is_422(
    client: httpx.AsyncClient, world: World, visited_on: str
) -> None:
    employer = await add_employer(world)
    r = await new_inspection(client, world.headers(Role.inspector), employer, visited_on=visited_on)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "visited_on"]


@pytest.mark.parametrize(
    "params",
    [{"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "0001-01-01", "to": "9999-12-31"}],
)
async def test_ledger_dates_outside_the_window_are_422(
    client: httpx.AsyncClient, world: World, params: dict[str, str]
) -> None:
    r = await client.get(
        "/api/v1/ledger/cases", headers=world.headers(Role.coordinator), params=params
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"][0] == "query"


async def test_a_campaign_from_year_1_to_9999_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        "/api/v1/campaigns",
        headers=world.headers(Role.coordinator),
        json={
            "name": "万年行动",
            "jurisdiction_id": str(world.places["home"].id),
            "starts_on": "0001-01-01",
            "ends_on": "9999-12-31",
            "phases": [],
        },
    )
    assert r.status_code == 422, r.text
    assert {tuple(e["loc"]) for e in r.json()["errors"]} == {
        ("body", "starts_on"),
        ("body", "ends_on"),
    }


async def test_a_stored_campaign_at_the_calendars_ends_still_has_statistics(
    client: httpx.AsyncClient, world: World
) -> None:
    """Rows written before the bounds (or by hand) must not break the table for good."""
    cid = await make_campaign(client, world, phases=[])
    async with transaction(world.db.sessionmaker) as session:
        campaign = await session.get(Campaign, uuid.UUID(cid))
        assert campaign is not None
        campaign.starts_on, campaign.ends_on = date.min, date.max
        session.add(campaign)
    r = await client.get(
        "/api/v1/stats", headers=world.headers(Role.coordinator), params={"campaign_id": cid}
    )
    assert r.status_code == 200, r.text
    assert r.json()["campaign"]["starts_on"] == "0001-01-01"


async def test_extreme_counts_and_dates_on_actions_and_licences_are_422(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        "/api/v1/employers",
        headers=world.headers(Role.coordinator),
        json={
            "name": "某砖厂",
            "industry": "brick_kiln",
            "jurisdiction_id": str(world.places["town"].id),
            "workers": 2**31,
            "licences": [{"kind": "business", "number": "X1", "valid_until": "9999-12-31"}],
        },
    )
    assert r.status_code == 422, r.text
    assert {tuple(e["loc"]) for e in r.json()["errors"]} == {
        ("body", "workers"),
        ("body", "licences", 0, "valid_until"),
    }
