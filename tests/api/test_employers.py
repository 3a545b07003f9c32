"""Employers over HTTP: USCC checks, flags, search, scoping, audited updates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from app.domain.taxonomy import AgencyKind, Role
from app.domain.uscc import uscc_check_digit
from tests.factories import World

URL = "/api/v1/employers"


def uscc(n: int) -> str:
    first17 = f"91130983{n:09d}"
    return first17 + uscc_check_digit(first17)


def kiln(world: World, **over: Any) -> dict[str, Any]:
    return {
        "name": "羊二庄镇红星砖窑厂",
        "industry": "brick_kiln",
        "jurisdiction_id": str(world.places["town"].id),
        "address": "北二里村东",
        **over,
    }


async def create(
    client: httpx.AsyncClient,
    world: World,
    role: Role = Role.coordinator,
    place: str = "home",
    **over: Any,
) -> dict[str, Any]:
    r = await client.post(URL, json=kiln(world, **over), headers=world.headers(role, place))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_create_normalises_uscc_and_shows_flags(
    client: httpx.AsyncClient, world: World
) -> None:
    code = uscc(1)
    spaced = " ".join([code[:6].lower(), code[6:12], code[12:]])
    body = await create(client, world, Role.inspector, uscc=spaced, workers=19)
    assert body["uscc"] == code
    assert body["workers"] == 19
    assert body["flags"] == ["no_business_licence"]  # a kiln needs no safety permit
    got = await client.get(f"{URL}/{body['id']}", headers=world.headers(Role.auditor))
    assert got.status_code == 200
    assert got.json()["name"] == "羊二庄镇红星砖窑厂"


async def test_licences_clear_and_raise_flags(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    """Licences expire by China's calendar: valid through their last day there."""
    ok = await create(
        client,
        world,
        licences=[
            {
                "kind": "business",
                "number": "B1",
                "valid_until": str(fixed_day + timedelta(days=30)),
            },
            {"kind": "safety", "number": "S1", "valid_until": str(fixed_day)},
        ],
    )
    assert ok["flags"] == []
    assert {lic["kind"] for lic in ok["licences"]} == {"business", "safety"}
    stale = await create(
        client,
        world,
        name="旧窑",
        licences=[
            {"kind": "business", "number": "B2", "valid_until": "2007-05-31"},
            {"kind": "safety", "number": "S2", "valid_until": str(fixed_day - timedelta(days=1))},
        ],
    )
    assert stale["flags"] == ["licence_expired"]  # a kiln needs no safety permit
    shop = await create(client, world, name="家具厂", industry="furniture")
    assert shop["flags"] == ["no_business_licence"]


async def test_invalid_uscc_is_422_on_the_field(client: httpx.AsyncClient, world: World) -> None:
    wrong = uscc(2)[:-1] + ("0" if uscc(2)[-1] != "0" else "1")
    r = await client.post(
        URL, json=kiln(world, uscc=wrong), headers=world.headers(Role.coordinator)
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "uscc"]
    assert "check digit" in r.json()["errors"][0]["msg"]


async def test_registered_uscc_is_409_naming_the_employer(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await create(client, world, uscc=uscc(3))
    r = await client.post(
        URL,
        json=kiln(world, name="另一家", uscc=uscc(3).lower()),
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 409
    assert r.json()["existing_id"] == first["id"]


async def test_duplicate_licence_kinds_and_unknown_industry_are_422(
    client: httpx.AsyncClient, world: World
) -> None:
    lic = {"kind": "business", "number": "B1"}
    r = await client.post(
        URL, json=kiln(world, licences=[lic, lic]), headers=world.headers(Role.coordinator)
    )
    assert r.status_code == 422
    r = await client.post(
        URL, json=kiln(world, industry="casino"), headers=world.headers(Role.coordinator)
    )
    assert r.status_code == 422


async def test_place_outside_the_callers_area_is_404(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        URL,
        json=kiln(world, jurisdiction_id=str(world.places["foreign"].id)),
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 404


async def test_foreign_county_neither_reads_nor_lists_home_employers(
    client: httpx.AsyncClient, world: World
) -> None:
    home = await create(client, world)
    foreign = world.headers(Role.coordinator, "foreign")
    assert (await client.get(f"{URL}/{home['id']}", headers=foreign)).status_code == 404
    r = await client.patch(f"{URL}/{home['id']}", json={"address": "x"}, headers=foreign)
    assert r.status_code == 404
    listed = (await client.get(URL, headers=foreign)).json()["items"]
    assert listed == []
    _, city_headers = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    city = (await client.get(URL, headers=city_headers)).json()["items"]
    assert [e["id"] for e in city] == [home["id"]]


async def test_search_by_name_uscc_industry_place_and_flag(
    client: httpx.AsyncClient, world: World
) -> None:
    h = world.headers(Role.coordinator)
    kiln_e = await create(client, world, uscc=uscc(4))
    odd = await create(
        client,
        world,
        name="100%_纯砖厂",
        industry="manufacturing",
        jurisdiction_id=str(world.places["home"].id),
        licences=[{"kind": "business", "number": "B", "valid_until": "2001-01-01"}],
    )
    shop = await create(
        client,
        world,
        name="兴旺家具厂",
        industry="furniture",
        licences=[{"kind": "business", "number": "B9"}],
    )
    mine = await create(
        client,
        world,
        name="银河铜矿",
        industry="mine",
        jurisdiction_id=str(world.places["home"].id),
        licences=[{"kind": "business", "number": "B7"}],
    )

    async def ids(**params: str) -> list[str]:
        r = await client.get(URL, params=params, headers=h)
        assert r.status_code == 200, r.text
        return [e["id"] for e in r.json()["items"]]

    assert await ids(q="砖") == [kiln_e["id"], odd["id"]]
    assert await ids(q="%_") == [odd["id"]]
    assert await ids(q="_") == [odd["id"]]
    assert await ids(uscc=uscc(4).lower()) == [kiln_e["id"]]
    assert await ids(industry="furniture") == [shop["id"]]
    assert await ids(jurisdiction_id=str(world.places["town"].id)) == [kiln_e["id"], shop["id"]]
    assert await ids(flag="no_business_licence") == [kiln_e["id"]]
    assert await ids(flag="licence_expired") == [odd["id"]]
    # 安全生产许可证条例 第2条: the mine needs a safety permit, the kiln does not
    assert await ids(flag="no_safety_permit") == [mine["id"]]
    foreign_place = str(world.places["foreign"].id)
    r = await client.get(URL, params={"jurisdiction_id": foreign_place}, headers=h)
    assert r.status_code == 404


async def test_pages_walk_every_employer_once(client: httpx.AsyncClient, world: World) -> None:
    made = [(await create(client, world, name=f"窑{i}"))["id"] for i in range(5)]
    seen: list[str] = []
    params: dict[str, str] = {"limit": "2"}
    while True:
        r = await client.get(URL, params=params, headers=world.headers(Role.inspector))
        seen += [e["id"] for e in r.json()["items"]]
        if r.json()["next_cursor"] is None:
            break
        assert 'rel="next"' in r.headers["link"]
        params["cursor"] = r.json()["next_cursor"]
    assert seen == made


async def test_patch_changes_only_what_is_sent_and_is_audited(
    client: httpx.AsyncClient, world: World
) -> None:
    e = await create(client, world, uscc=uscc(5), workers=19)
    r = await client.patch(
        f"{URL}/{e['id']}",
        headers=world.headers(Role.inspector),
        json={"address": "北二里村西", "licences": [{"kind": "business", "number": "B1"}]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["address"], body["workers"], body["uscc"]) == ("北二里村西", 19, uscc(5))
    assert body["flags"] == []
    log = (
        await client.get(
            "/api/v1/audit",
            params={"entity_type": "employer", "entity_id": e["id"]},
            headers=world.headers(Role.auditor),
        )
    ).json()["items"]
    update = next(x for x in log if x["action"] == "employer.update")
    assert update["before"]["address"] == "北二里村东"
    assert update["after"]["address"] == "北二里村西"
    assert update["after"]["licences"][0]["number"] == "B1"
    assert any(x["action"] == "employer.create" for x in log)


async def test_patch_rechecks_the_uscc(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers(Role.coordinator)
    a = await create(client, world, uscc=uscc(6))
    b = await create(client, world, name="乙")
    r = await client.patch(f"{URL}/{b['id']}", json={"uscc": uscc(6)}, headers=h)
    assert (r.status_code, r.json().get("existing_id")) == (409, a["id"])
    r = await client.patch(f"{URL}/{b['id']}", json={"uscc": "123"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "uscc"]
    r = await client.patch(f"{URL}/{a['id']}", json={"uscc": uscc(6), "name": "甲"}, headers=h)
    assert r.status_code == 200
    r = await client.patch(f"{URL}/{b['id']}", json={"name": None}, headers=h)
    assert r.status_code == 422


async def test_readers_cannot_write(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(URL, json=kiln(world), headers=world.headers(Role.agency_officer))
    assert r.status_code == 403
