"""Places, agencies, accounts: created by admins, scoped to their subtree, audited."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, Role
from app.models.accounts import ServiceAccount, User
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord
from app.models.reference import Jurisdiction
from app.services.registry import reference
from tests.conftest import TestDatabase
from tests.factories import World


async def _admin_at(world: World, place: str = "home") -> dict[str, str]:
    _user, headers = await world.add_user(Role.admin, AgencyKind.coordinator, place)
    return headers


async def test_admin_builds_the_tree_in_its_own_subtree(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers(Role.admin)
    home = str(world.places["home"].id)
    r = await client.post(
        "/api/v1/jurisdictions",
        headers=admin,
        json={"name": "羊二庄镇", "level": "township", "parent_id": home},
    )
    assert r.status_code == 201, r.text
    town = r.json()
    assert town["level"] == "township" and town["parent_id"] == home
    # a county cannot sit under a township
    r = await client.post(
        "/api/v1/jurisdictions",
        headers=admin,
        json={"name": "x", "level": "county", "parent_id": town["id"]},
    )
    assert r.status_code == 422
    # the same name twice under one parent is a conflict
    r = await client.post(
        "/api/v1/jurisdictions",
        headers=admin,
        json={"name": "羊二庄镇", "level": "township", "parent_id": home},
    )
    assert r.status_code == 409
    # another county's admin cannot see or build under 黄骅市
    foreign = world.headers(Role.admin, "foreign")
    r = await client.post(
        "/api/v1/jurisdictions",
        headers=foreign,
        json={"name": "y", "level": "village", "parent_id": town["id"]},
    )
    assert r.status_code == 404
    listed = (await client.get("/api/v1/jurisdictions", headers=foreign)).json()["items"]
    assert town["id"] not in {j["id"] for j in listed}
    mine = (await client.get("/api/v1/jurisdictions", headers=admin)).json()["items"]
    assert {j["name"] for j in mine} >= {"黄骅市", "黄骅镇", "羊二庄镇"}
    assert "献县" not in {j["name"] for j in mine}


async def test_lists_page_by_cursor_with_a_link_header(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers(Role.admin)
    seen: list[str] = []
    url = "/api/v1/agencies?limit=5"
    pages = 0
    while url:
        r = await client.get(url, headers=admin)
        assert r.status_code == 200
        body = r.json()
        seen += [a["id"] for a in body["items"]]
        pages += 1
        if body["next_cursor"]:
            assert 'rel="next"' in r.headers["link"]
            url = r.headers["link"].split(";")[0].strip("<>").replace("http://test", "")
        else:
            assert "link" not in r.headers
            url = ""
    assert len(seen) == len(set(seen)) == 13  # 12 county agencies + the township's
    assert pages == 3
    r = await client.get("/api/v1/agencies?cursor=garbage", headers=admin)
    assert r.status_code == 422


async def test_idempotency_key_replays_and_refuses_another_body(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    admin = {**world.headers(Role.admin), "Idempotency-Key": "create-yang-er-zhuang"}
    body = {"name": "南排河镇", "level": "township", "parent_id": str(world.places["home"].id)}
    first = await client.post("/api/v1/jurisdictions", headers=admin, json=body)
    again = await client.post("/api/v1/jurisdictions", headers=admin, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    other = await client.post(
        "/api/v1/jurisdictions", headers=admin, json={**body, "name": "常郭镇"}
    )
    assert other.status_code == 422
    async with db.engine.connect() as conn:
        n = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(Jurisdiction)
                .where(Jurisdiction.name.in_(["南排河镇", "常郭镇"]))
            )
        ).scalar_one()  # type: ignore[attr-defined]
    assert n == 1


async def test_users_and_service_accounts(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    admin = world.headers(Role.admin)
    police = str(world.agency(AgencyKind.police).id)
    r = await client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "zhang.san",
            "password": "short",
            "display_name": "张三",
            "role": "agency_officer",
            "agency_id": police,
        },
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "zhang.san",
            "password": "a long enough password",
            "display_name": "张三",
            "role": "agency_officer",
            "agency_id": police,
        },
    )
    assert r.status_code == 201, r.text
    assert "password" not in r.text and "hash" not in r.text
    r = await client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "zhang.san",
            "password": "a long enough password",
            "display_name": "张三",
            "role": "agency_officer",
            "agency_id": police,
        },
    )
    assert r.status_code == 409
    r = await client.post(
        "/api/v1/users",
        headers=world.headers(Role.admin, "foreign"),
        json={
            "username": "li.si",
            "password": "a long enough password",
            "display_name": "李四",
            "role": "agency_officer",
            "agency_id": police,
        },
    )
    assert r.status_code == 404
    login = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "password",
            "username": "zhang.san",
            "password": "a long enough password",
        },
    )
    assert login.status_code == 200

    r = await client.post(
        "/api/v1/service-accounts",
        headers=admin,
        json={
            "name": "公安局办案系统",
            "agency_id": police,
            "scopes": ["queue:read", "root:everything"],
        },
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/service-accounts",
        headers=admin,
        json={
            "name": "公安局办案系统",
            "agency_id": police,
            "scopes": ["queue:read", "queue:write"],
        },
    )
    assert r.status_code == 201
    created = r.json()
    async with db.engine.connect() as conn:
        stored = (await conn.execute(sa.select(ServiceAccount.secret_hash))).scalar_one()  # type: ignore[call-overload]
        hashes = (await conn.execute(sa.select(User.password_hash))).scalars().all()  # type: ignore[call-overload]
    assert created["client_secret"] not in stored and stored.startswith("$argon2")
    assert all(h.startswith("$argon2") for h in hashes)
    token = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
        },
    )
    assert token.status_code == 200
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.json()["role"] == "service" and me.json()["agency"]["kind"] == "police"
    assert sorted(me.json()["permissions"]) == ["queue:read", "queue:write"]
    bad = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": "guess",
        },
    )
    assert bad.status_code == 401
    assert (
        await client.post("/api/v1/auth/token", data={"grant_type": "implicit"})
    ).status_code == 400


async def test_violation_types_are_the_design_table(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.get("/api/v1/violation-types", headers=world.headers(Role.inspector))
    codes = [v["code"] for v in r.json()]
    assert len(codes) == 32 and codes[0] == "no_business_licence" and codes[-1] == "other"
    child = next(v for v in r.json() if v["code"] == "child_labour")
    assert child["name_zh"] == "使用童工" and child["severity"] == "critical"
    public = await client.get("/public/v1/violation-types")
    assert public.status_code == 200 and len(public.json()) == 32


async def test_an_idempotency_key_past_its_window_is_a_new_request(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    admin = {**world.headers(Role.admin), "Idempotency-Key": "create-once"}
    body = {"name": "旧城镇", "level": "township", "parent_id": str(world.places["home"].id)}
    first = await client.post("/api/v1/jurisdictions", headers=admin, json=body)
    async with db.engine.begin() as conn:
        await conn.execute(
            sa.update(IdempotencyRecord).values(
                created_at=utcnow() - timedelta(hours=db.settings.idempotency_hours, minutes=1)
            )
        )
    again = await client.post(
        "/api/v1/jurisdictions", headers=admin, json={**body, "name": "新城镇"}
    )
    assert first.status_code == again.status_code == 201, again.text
    assert "idempotent-replayed" not in again.headers and again.json()["name"] == "新城镇"


async def test_without_parent_id_a_place_sits_under_the_national_root(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    async with transaction(db.sessionmaker) as session:
        world.agencies[("root", AgencyKind.coordinator)] = await reference.create_agency(
            session,
            SYSTEM_ACTOR,
            name=None,
            kind=AgencyKind.coordinator,
            jurisdiction_id=world.places["root"].id,
        )
    national = await _admin_at(world, "root")
    r = await client.post(
        "/api/v1/jurisdictions", headers=national, json={"name": "山西省", "level": "province"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["parent_id"] == str(world.places["root"].id)
    # a county's admin has no national root in its area: it must name the parent
    r = await client.post(
        "/api/v1/jurisdictions",
        headers=world.headers(Role.admin),
        json={"name": "南排河镇", "level": "township"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "parent_id"]
    r = await client.post(
        "/api/v1/jurisdictions", headers=national, json={"name": "全国", "level": "national"}
    )
    assert r.status_code == 422
