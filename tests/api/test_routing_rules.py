"""The routing table as data: listed, edited by an admin as a new version."""

from __future__ import annotations

import httpx
from sqlmodel import select

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, Role
from app.models.reference import RoutingRuleVersion
from app.services.registry import reference
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World

URL = "/api/v1/routing-rules"


async def national_admin(world: World) -> dict[str, str]:
    """An admin of the national office (the root jurisdiction)."""
    async with transaction(world.db.sessionmaker) as session:
        world.agencies[("root", AgencyKind.coordinator)] = await reference.create_agency(
            session,
            SYSTEM_ACTOR,
            name=None,
            kind=AgencyKind.coordinator,
            jurisdiction_id=world.places["root"].id,
        )
    _, headers = await world.add_user(Role.admin, AgencyKind.coordinator, "root")
    return headers


async def test_editing_a_rule_makes_a_new_version_and_keeps_old_assignments(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    rules = (await client.get(URL, headers=world.headers(Role.agency_officer))).json()
    wage = next(r for r in rules if r["violation_type"] == "wage_arrears")
    assert (wage["lead"], wage["version"], wage["edited"]) == ("labour", 1, False)
    old_case = await file(db, await make_employer(db, world), "wage_arrears")
    admin = await national_admin(world)
    r = await client.put(
        f"{URL}/wage_arrears",
        headers=admin,
        json={"lead": "labour", "also": ["union"], "severity": "critical"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["edited"], r.json()["also"]) == (2, True, ["union"])
    assert (
        await client.put(
            f"{URL}/no_such_type",
            headers=admin,
            json={"lead": "labour", "also": [], "severity": "high"},
        )
    ).status_code == 404
    new_case = await file(db, await make_employer(db, world, name="新厂"), "wage_arrears")
    office = world.headers(Role.coordinator)
    old = (await client.get(f"/api/v1/cases/{old_case}", headers=office)).json()
    new = (await client.get(f"/api/v1/cases/{new_case}", headers=office)).json()
    assert [(a["agency"]["kind"], a["rule_version"]) for a in old["assignments"]] == [("labour", 1)]
    assert [(a["agency"]["kind"], a["rule_version"]) for a in new["assignments"]] == [
        ("labour", 2),
        ("union", 2),
    ]
    assert "rule v2" in new["assignments"][1]["reason"]
    assert new["severity"] == "critical" and old["severity"] == wage["severity"] != "critical"
    async with transaction(db.sessionmaker) as session:
        versions = (
            await session.exec(
                select(RoutingRuleVersion.version).where(
                    RoutingRuleVersion.violation_type == "wage_arrears"
                )
            )
        ).all()
    assert sorted(versions) == [1, 2]
    assert str(world.agency(AgencyKind.union).id) == new["assignments"][1]["agency"]["id"]


async def test_only_a_national_admin_may_edit_the_national_table(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"lead": "police", "also": [], "severity": "critical"}
    r = await client.put(f"{URL}/wage_arrears", headers=world.headers(Role.admin), json=body)
    assert r.status_code == 403  # a county admin
    _, city_admin = await world.add_user(Role.admin, AgencyKind.coordinator, "city")
    assert (
        await client.put(f"{URL}/wage_arrears", headers=city_admin, json=body)
    ).status_code == 403
    rules = (await client.get(URL, headers=world.headers(Role.admin))).json()
    assert next(r for r in rules if r["violation_type"] == "wage_arrears")["version"] == 1
    r = await client.put(f"{URL}/wage_arrears", headers=await national_admin(world), json=body)
    assert r.status_code == 200 and r.json()["lead"] == "police"
