"""Deactivation, reactivation and password changes end the tokens issued before them."""

from __future__ import annotations

import time

import httpx
import pytest

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, Role
from app.services.registry import accounts
from tests.conftest import TestDatabase, app_for
from tests.factories import PASSWORD, World

NEW_PASSWORD = "a much better passphrase"


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )


def _bearer(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _audit_actions(
    client: httpx.AsyncClient, world: World, db: TestDatabase, entity_type: str
) -> list[str]:
    await db.seal_audit()
    r = await client.get(
        f"/api/v1/audit?entity_type={entity_type}", headers=world.headers(Role.auditor)
    )
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()["items"]]


async def test_a_deactivated_users_token_is_refused_and_they_cannot_log_in(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    inspector = world.user(Role.inspector)
    old = world.headers(Role.inspector)
    assert (await client.get("/api/v1/me", headers=old)).status_code == 200
    r = await client.post(
        f"/api/v1/users/{inspector.id}/deactivate", headers=world.headers(Role.admin)
    )
    assert r.status_code == 200, r.text
    assert r.json()["is_active"] is False
    r = await client.get("/api/v1/me", headers=old)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/queue", headers=old)).status_code == 401
    assert (await _login(client, "inspector.home", PASSWORD)).status_code == 401
    assert "user.deactivate" in await _audit_actions(client, world, db, "user")


async def test_reactivation_lets_the_user_log_in_but_old_tokens_stay_dead(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    inspector = world.user(Role.inspector)
    old = world.headers(Role.inspector)
    admin = world.headers(Role.admin)
    assert (
        await client.post(f"/api/v1/users/{inspector.id}/deactivate", headers=admin)
    ).status_code == 200
    r = await client.post(f"/api/v1/users/{inspector.id}/reactivate", headers=admin)
    assert r.status_code == 200 and r.json()["is_active"] is True
    assert (await client.get("/api/v1/me", headers=old)).status_code == 401
    fresh = _bearer(await _login(client, "inspector.home", PASSWORD))
    assert (await client.get("/api/v1/me", headers=fresh)).status_code == 200
    actions = await _audit_actions(client, world, db, "user")
    assert {"user.deactivate", "user.reactivate"} <= set(actions)


async def test_a_password_change_ends_old_tokens_and_the_new_password_logs_in(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    old = world.headers(Role.coordinator)
    # a wrong current password: 403 (the token itself is fine), and nothing changes
    r = await client.post(
        "/api/v1/me/password",
        headers=old,
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
    )
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/me", headers=old)).status_code == 200
    # the creation policy holds for the new password
    r = await client.post(
        "/api/v1/me/password",
        headers=old,
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "new_password"]
    r = await client.post(
        "/api/v1/me/password",
        headers=old,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    fresh = _bearer(r)
    assert (await client.get("/api/v1/me", headers=old)).status_code == 401
    assert (await client.get("/api/v1/me", headers=fresh)).status_code == 200
    assert (await _login(client, "coordinator.home", PASSWORD)).status_code == 401
    assert (await _login(client, "coordinator.home", NEW_PASSWORD)).status_code == 200
    assert "user.password_change" in await _audit_actions(client, world, db, "user")


async def test_wrong_current_passwords_count_as_failed_logins(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers(Role.coordinator)
    statuses = [
        (
            await client.post(
                "/api/v1/me/password",
                headers=headers,
                json={"current_password": f"guess-{i}", "new_password": NEW_PASSWORD},
            )
        ).status_code
        for i in range(6)
    ]
    assert statuses == [403] * 5 + [429]
    assert (await _login(client, "coordinator.home", PASSWORD)).status_code == 429


async def test_other_processes_refuse_the_token_within_token_check_seconds(
    client: httpx.AsyncClient, world: World, db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second app on the same database stands for another worker process."""
    old = world.headers(Role.inspector)
    transport = httpx.ASGITransport(app=app_for(db))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as other:
        assert (await other.get("/api/v1/me", headers=old)).status_code == 200  # now cached
        r = await client.post(
            f"/api/v1/users/{world.user(Role.inspector).id}/deactivate",
            headers=world.headers(Role.admin),
        )
        assert r.status_code == 200
        later = time.monotonic() + db.settings.token_check_seconds
        monkeypatch.setattr(accounts.time, "monotonic", lambda: later)
        assert (await other.get("/api/v1/me", headers=old)).status_code == 401


async def test_only_admins_in_their_area_manage_accounts(
    client: httpx.AsyncClient, world: World
) -> None:
    target = world.user(Role.inspector)
    for verb in ("deactivate", "reactivate"):
        r = await client.post(
            f"/api/v1/users/{target.id}/{verb}", headers=world.headers(Role.coordinator)
        )
        assert r.status_code == 403, (verb, r.text)
        r = await client.post(
            f"/api/v1/users/{target.id}/{verb}", headers=world.headers(Role.admin, "foreign")
        )
        assert r.status_code == 404, (verb, r.text)
    assert (
        await client.get("/api/v1/me", headers=world.headers(Role.inspector))
    ).status_code == 200
    # an admin does not lock themselves out
    r = await client.post(
        f"/api/v1/users/{world.user(Role.admin).id}/deactivate", headers=world.headers(Role.admin)
    )
    assert r.status_code == 409


async def test_a_deactivated_service_account_cannot_log_in_or_poll(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    async with transaction(db.sessionmaker) as session:
        acct, secret = await accounts.create_service_account(
            session,
            SYSTEM_ACTOR,
            name="police system",
            agency_id=world.agency(AgencyKind.police).id,
            scopes=["queue:read"],
        )
    creds = {
        "grant_type": "client_credentials",
        "client_id": acct.client_id,
        "client_secret": secret,
    }
    old = _bearer(await client.post("/api/v1/auth/token", data=creds))
    assert (await client.get("/api/v1/queue", headers=old)).status_code == 200
    r = await client.post(
        f"/api/v1/service-accounts/{acct.id}/deactivate",
        headers=world.headers(Role.admin, "foreign"),
    )
    assert r.status_code == 404
    r = await client.post(
        f"/api/v1/service-accounts/{acct.id}/deactivate", headers=world.headers(Role.admin)
    )
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert "client_secret" not in r.json()
    assert (await client.get("/api/v1/queue", headers=old)).status_code == 401
    assert (await client.post("/api/v1/auth/token", data=creds)).status_code == 401
    assert "service_account.deactivate" in await _audit_actions(
        client, world, db, "service_account"
    )
