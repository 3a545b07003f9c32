"""The office's own record of what it published (公开): withdrawn results too, who and why."""

from __future__ import annotations

import httpx

from app.domain.taxonomy import AgencyKind, Role
from tests.api.test_disclosures import _closed_case, _publish
from tests.conftest import TestDatabase
from tests.factories import World

LIST = "/api/v1/disclosures"


async def _two_published_one_withdrawn(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> dict[str, str]:
    """甲厂 in the township (then withdrawn), 乙厂 in the county seat; returns name → id."""
    office = world.headers(Role.coordinator)
    ids = {}
    for name, place in (("甲厂", "town"), ("乙厂", "home")):
        url, body = _publish(await _closed_case(client, world, db, name, place=place))
        r = await client.post(url, headers=office, json=body)
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    r = await client.post(
        f"/api/v1/disclosures/{ids['甲厂']}/withdraw",
        headers=office,
        json={"reason": "企业名称有误"},
    )
    assert r.status_code == 200, r.text
    return ids


def _names(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [i["employer_name"] for i in r.json()["items"]]


async def test_the_office_sees_withdrawn_results_with_who_and_why(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    ids = await _two_published_one_withdrawn(client, world, db)
    coordinator = world.user(Role.coordinator)
    r = await client.get(LIST, headers=world.headers(Role.coordinator))
    assert _names(r) == ["乙厂", "甲厂"]
    live, gone = r.json()["items"]
    assert live["status"] == "published" and live["withdrawn_at"] is None
    assert live["approved_by"] == str(coordinator.id)
    assert live["approved_by_name"] == coordinator.display_name and live["approved_at"]
    assert gone["status"] == "withdrawn" and gone["withdrawn_reason"] == "企业名称有误"
    assert gone["withdrawn_by"] == str(coordinator.id)
    assert gone["withdrawn_by_name"] == coordinator.display_name
    assert gone["withdrawn_at"] >= gone["approved_at"]
    # The published, already redacted text and counts; nothing of the tips or the workers.
    assert set(gone) == {
        "id",
        "case_id",
        "employer_name",
        "township",
        "violation_types",
        "summary",
        "outcome",
        "closed_on",
        "published_at",
        "status",
        "approved_by",
        "approved_by_name",
        "approved_at",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawn_by_name",
        "withdrawn_reason",
    }
    one = await client.get(f"{LIST}/{ids['甲厂']}", headers=world.headers(Role.auditor))
    assert one.status_code == 200 and one.json() == gone
    assert _names(await client.get(LIST, headers=world.headers(Role.auditor))) == ["乙厂", "甲厂"]
    assert [
        i["employer_name"] for i in (await client.get("/public/v1/disclosures")).json()["items"]
    ] == ["乙厂"]


async def test_another_county_sees_nothing_and_a_city_sees_its_counties(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    ids = await _two_published_one_withdrawn(client, world, db)
    for role in (Role.coordinator, Role.auditor):
        foreign = world.headers(role, "foreign")
        assert _names(await client.get(LIST, headers=foreign)) == []
        for did in ids.values():
            r = await client.get(f"{LIST}/{did}", headers=foreign)
            assert r.status_code == 404
            assert r.headers["content-type"].startswith("application/problem+json")
        r = await client.get(
            LIST, headers=foreign, params={"jurisdiction_id": str(world.places["home"].id)}
        )
        assert r.status_code == 404
    for role in (Role.agency_officer, Role.inspector):
        assert (await client.get(LIST, headers=world.headers(role))).status_code == 403
        assert (
            await client.get(f"{LIST}/{ids['乙厂']}", headers=world.headers(role))
        ).status_code == 403
    _, city = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    assert _names(await client.get(LIST, headers=city)) == ["乙厂", "甲厂"]


async def test_filters_by_status_place_and_violation_type(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    await _two_published_one_withdrawn(client, world, db)
    office = world.headers(Role.coordinator)

    async def names(**params: str) -> list[str]:
        return _names(await client.get(LIST, headers=office, params=params))

    assert await names(status="withdrawn") == ["甲厂"]
    assert await names(status="published") == ["乙厂"]
    assert await names(jurisdiction_id=str(world.places["town"].id)) == ["甲厂"]
    assert await names(jurisdiction_id=str(world.places["home"].id)) == ["乙厂", "甲厂"]
    assert await names(jurisdiction_id=str(world.places["town"].id), status="published") == []
    assert await names(violation_type="wage_arrears") == ["乙厂", "甲厂"]
    assert await names(violation_type="child_labour") == []
    for bad in ({"status": "draft"}, {"violation_type": "no_such_type"}):
        r = await client.get(LIST, headers=office, params=bad)
        assert r.status_code == 422, bad
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_keyset_pages_newest_first_with_a_link(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    await _two_published_one_withdrawn(client, world, db)
    office = world.headers(Role.coordinator)
    first = await client.get(LIST, headers=office, params={"limit": 1})
    assert _names(first) == ["乙厂"]
    cursor = first.json()["next_cursor"]
    assert cursor and f"cursor={cursor}" in first.headers["link"]
    assert 'rel="next"' in first.headers["link"]
    rest = await client.get(LIST, headers=office, params={"limit": 1, "cursor": cursor})
    assert _names(rest) == ["甲厂"]
    assert rest.json()["next_cursor"] is None and "link" not in rest.headers
    r = await client.get(LIST, headers=office, params={"cursor": "not-a-cursor"})
    assert r.status_code == 422
