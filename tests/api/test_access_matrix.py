"""Every internal route × every role: 401 without a token, 403 without the permission.

The routes come from the app's own route table, so a new route that forgets
an `actor: May…` dependency (`app/api/deps.py`) fails here instead of shipping open.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from app.api.routes import internal_routers
from app.db import transaction
from app.domain.permissions import ROLE_PERMISSIONS, SYSTEM_ACTOR, Permission
from app.domain.taxonomy import AgencyKind, Role
from app.services.registry.accounts import create_service_account, login_client
from tests.conftest import TestDatabase
from tests.factories import World

OPEN_ROUTES = {
    ("POST", "/api/v1/auth/token"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
}
# Any valid token may ask who it is; any staff member may change their own password.
ANY_TOKEN = {("GET", "/api/v1/me"), ("POST", "/api/v1/me/password")}


def _required_permission(dependant: Any) -> Permission | None:
    for dep in dependant.dependencies:
        found = getattr(dep.call, "required_permission", None)
        if found is not None:
            return found  # type: ignore[no-any-return]
        nested = _required_permission(dep)
        if nested is not None:
            return nested
    return None


def routes() -> list[tuple[str, str, Permission | None]]:
    out = []
    for router in internal_routers():
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                out.append((method, route.path, _required_permission(route.dependant)))
    return out


ROUTES = routes()


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), path)


async def _call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return await client.request(method, _fill(path), **kwargs)


def test_every_route_declares_a_permission() -> None:
    exempt = OPEN_ROUTES | ANY_TOKEN
    missing = [(m, p) for m, p, perm in ROUTES if perm is None and (m, p) not in exempt]
    assert missing == [], f"routes without an actor: May… dependency: {missing}"
    assert len(ROUTES) >= 8


async def test_no_token_is_401_everywhere(client: httpx.AsyncClient) -> None:
    for method, path, _perm in ROUTES:
        if (method, path) in OPEN_ROUTES:
            continue
        r = await _call(client, method, path, {})
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.service])
async def test_roles_without_the_permission_get_403(
    client: httpx.AsyncClient, world: World, role: Role
) -> None:
    granted = ROLE_PERMISSIONS[role]
    headers = world.headers(role)
    for method, path in sorted(ANY_TOKEN):
        r = await _call(client, method, path, headers)
        assert r.status_code not in (401, 403, 404), (role, method, path, r.text)
    for method, path, perm in ROUTES:
        if perm is None:
            continue
        r = await _call(client, method, path, headers)
        if perm in granted:
            assert r.status_code not in (401, 403), (role, method, path, r.text)
        else:
            assert r.status_code == 403, (role, method, path, r.status_code)


async def test_service_account_has_only_its_scopes(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    async with transaction(db.sessionmaker) as session:
        acct, secret = await create_service_account(
            session,
            SYSTEM_ACTOR,
            name="police system",
            agency_id=world.agency(AgencyKind.police).id,
            scopes=["queue:read"],
        )
    async with transaction(db.sessionmaker) as session:
        token, _ = await login_client(session, db.settings, acct.client_id, secret)
    headers = {"Authorization": f"Bearer {token}"}
    r = await client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": secret, "new_password": "x" * 12},
    )
    assert r.status_code == 403, r.text  # a service account has a secret, not a password
    for method, path, perm in ROUTES:
        if perm is None:
            continue
        r = await _call(client, method, path, headers)
        if perm in (Permission.queue_read,):
            assert r.status_code not in (401, 403), (method, path, r.text)
        else:
            assert r.status_code == 403, (method, path, r.status_code)
