"""Tokens: the right credentials get one; every kind of bad token is a 401 problem."""

from __future__ import annotations

import time

import httpx
import pytest
from jose import jwt

from app.domain.taxonomy import AgencyKind, Role
from app.security import ALGORITHM, derive_keys
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, World


async def test_password_grant_gives_a_token_that_reads_me(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "coordinator.home", "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    data = me.json()
    assert data["username"] == "coordinator.home"
    assert data["role"] == "coordinator"
    assert data["agency"]["kind"] == "coordinator"
    assert data["jurisdiction"]["name"] == "黄骅市"


async def test_wrong_password_is_401_problem(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "coordinator.home", "password": "wrong"},
    )
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 401


def _forge(claims: dict[str, object], key: bytes | None = None, alg: str = ALGORITHM) -> str:
    return str(jwt.encode(claims, key or derive_keys(TEST_SECRET).jwt, algorithm=alg))


def _claims(world: World, **over: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": f"user:{world.user(Role.admin).id}",
        "iss": "labourwatch",
        "aud": "labourwatch-api",
        "iat": now,
        "exp": now + 600,
        "lw": {
            "kind": "user",
            "username": "admin.home",
            "name": "x",
            "role": "admin",
            "agency_id": str(world.agency(AgencyKind.coordinator).id),
            "agency_kind": "coordinator",
            "agency_name": "",
            "jurisdiction_id": str(world.places["home"].id),
            "jurisdiction_path": world.places["home"].path,
            "jurisdiction_name": "",
            "scopes": [],
        },
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


async def test_bad_tokens_are_401(client: httpx.AsyncClient, world: World) -> None:
    import base64
    import json

    good = _forge(_claims(world))
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {good}"})
    ).status_code == 200
    header = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        .rstrip(b"=")
        .decode()
    )
    payload = good.split(".")[1]
    tampered_payload = (
        base64.urlsafe_b64encode(
            json.dumps(_claims(world, sub=f"user:{world.user(Role.coordinator).id}")).encode()
        )
        .rstrip(b"=")
        .decode()
    )
    bad = {
        "expired": _forge(_claims(world, exp=int(time.time()) - 5)),
        "no aud": _forge(_claims(world, aud=None)),
        "no exp": _forge(_claims(world, exp=None)),
        "no iss": _forge(_claims(world, iss=None)),
        "wrong aud": _forge(_claims(world, aud="someone-else")),
        "wrong iss": _forge(_claims(world, iss="someone-else")),
        "no sub": _forge(_claims(world, sub=None)),
        "old version": _forge(_claims(world, ver=-1)),
        "version not a number": _forge(_claims(world, ver="0")),
        "other key": _forge(_claims(world), key=b"k" * 32),
        "alg none": f"{header}.{payload}.",
        "tampered": f"{good.split('.')[0]}.{tampered_payload}.{good.split('.')[2]}",
        "HS512": _forge(_claims(world), alg="HS512"),
        "garbage": "not-a-token",
    }
    for name, token in bad.items():
        r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, name
        assert r.headers["content-type"] == "application/problem+json", name
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_token_kept_as_verified_is_refused_once_it_expires(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified tokens are kept in the process, but never past their `exp`."""
    from app.api import deps

    headers = world.headers(Role.inspector)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    later = time.time() + 2 * 24 * 3600
    monkeypatch.setattr(deps.time, "time", lambda: later)
    monkeypatch.setattr(time, "time", lambda: later)  # jose reads the same clock
    r = await client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem")
