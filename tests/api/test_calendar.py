"""The working-day calendar over HTTP: read by staff, replaced by a national admin."""

from __future__ import annotations

from datetime import date

import httpx

from app.clock import today
from app.domain.taxonomy import Role
from app.services.registry.workdays import calendar_warning
from tests.api.test_routing_rules import national_admin
from tests.conftest import TestDatabase
from tests.factories import World

URL = "/api/v1/calendar"
YEAR_2099 = {
    "holidays": ["2099-01-01", "2099-10-01", "2099-10-02"],
    "working_weekends": ["2099-10-10"],
}


async def test_2026_comes_from_the_state_councils_notice(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.get(f"{URL}/2026", headers=world.headers(Role.agency_officer))
    assert r.status_code == 200
    body = r.json()
    assert body["source"] == "library"
    assert body["working_weekends"] == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]
    assert "2026-10-01" in body["holidays"] and "2026-02-17" in body["holidays"]


async def test_a_national_admin_describes_a_year_nobody_knows(
    client: httpx.AsyncClient, world: World
) -> None:
    staff = world.headers(Role.coordinator)
    before = (await client.get(f"{URL}/2099", headers=staff)).json()
    assert before == {"year": 2099, "holidays": [], "working_weekends": [], "source": "weekdays"}
    for who in (staff, world.headers(Role.admin)):  # a county admin is not national
        assert (await client.put(f"{URL}/2099", headers=who, json=YEAR_2099)).status_code == 403
    admin = await national_admin(world)
    r = await client.put(f"{URL}/2099", headers=admin, json=YEAR_2099)
    assert r.status_code == 200 and r.json()["source"] == "admin"
    assert (await client.get(f"{URL}/2099", headers=staff)).json() == {
        "year": 2099,
        "source": "admin",
        **YEAR_2099,
    }
    audit = (
        await client.get(
            "/api/v1/audit?entity_type=work_calendar_year&entity_id=2099", headers=admin
        )
    ).json()["items"]
    assert [e["action"] for e in audit] == ["calendar.set"]


async def test_a_year_that_does_not_fit_is_a_clear_422(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = await national_admin(world)
    for body, loc in (
        ({"holidays": ["2098-12-31"]}, ["body", "holidays"]),
        ({"working_weekends": ["2099-10-08"]}, ["body", "working_weekends"]),
    ):
        r = await client.put(f"{URL}/2099", headers=admin, json=body)
        assert r.status_code == 422 and loc in [e["loc"] for e in r.json()["errors"]], r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    for year in ("1999", "2101", "99999999999999999999"):
        assert (await client.get(f"{URL}/{year}", headers=admin)).status_code == 422
    assert (await client.get(f"{URL}/2099", headers=admin)).json()["source"] == "weekdays"


async def test_readyz_warns_of_years_counted_as_plain_weekdays(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    async with db.sessionmaker() as session:
        warning = await calendar_warning(session, date(2098, 6, 1))
    assert warning is not None and "2098, 2099" in warning and "/calendar/2098" in warning
    admin = await national_admin(world)
    for year in (today().year, today().year + 1):
        r = await client.put(f"{URL}/{year}", headers=admin, json={})
        assert r.status_code == 200
    ready = (await client.get("/readyz")).json()
    assert ready["calendar"] == "ok" and ready["status"] == "ok"
