"""Logins, tokens, and the people and systems that hold them.

A token carries its account's `token_version` (claim `ver`). Deactivating an
account or changing its password raises the version, and every request checks the
token's against the account's row (app/api/deps.py), so both end every token issued
before them, on every process within `token_check_seconds`. Reactivation does not
lower it: a token issued before a deactivation stays dead.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.permissions import SERVICE_SCOPES, STAFF_ROLES, Actor
from app.domain.taxonomy import AgencyKind, Role
from app.errors import Conflict, Forbidden, NotFound, Unauthorized, unprocessable
from app.models.accounts import ServiceAccount, User
from app.models.reference import Agency, Jurisdiction
from app.security import (
    derive_keys,
    hash_password_off_loop,
    issue_token,
    new_client_secret,
    read_token,
    verify_password_off_loop,
)
from app.services.core import access
from app.services.registry.login_throttle import LoginThrottle
from app.services.registry.reference import ensure_root_office

MIN_PASSWORD = 10


def _actor_claims(
    kind: str,
    username: str,
    name: str,
    role: Role,
    agency: Agency,
    jurisdiction: Jurisdiction,
    scopes: list[str],
) -> dict[str, Any]:
    return {
        "kind": kind,
        "username": username,
        "name": name,
        "role": role.value,
        "agency_id": str(agency.id),
        "agency_kind": agency.kind,
        "agency_name": agency.name,
        "jurisdiction_id": str(jurisdiction.id),
        "jurisdiction_path": jurisdiction.path,
        "jurisdiction_name": jurisdiction.name,
        "scopes": scopes,
    }


async def _agency_and_place(
    session: AsyncSession, agency_id: uuid.UUID
) -> tuple[Agency, Jurisdiction]:
    row = (
        await session.exec(
            select(Agency, Jurisdiction)
            .join(Jurisdiction, col(Agency.jurisdiction_id) == col(Jurisdiction.id))
            .where(Agency.id == agency_id)
        )
    ).one()
    return row[0], row[1]


async def login_password(
    session: AsyncSession,
    settings: Settings,
    username: str,
    password: str,
    *,
    throttle: LoginThrottle | None = None,
    address: str | None = None,
) -> tuple[str, int]:
    """A staff login. Under `throttle`, refused with 429 while the name or the source is
    locked out (a right password too), and every failure counted; a deactivated account
    fails like a wrong password."""
    if throttle is not None:
        throttle.check(username, address)
    user = (await session.exec(select(User).where(User.username == username))).first()
    await _check_secret(
        session,
        username,
        password,
        (user.password_hash, user.is_active) if user else None,
        throttle=throttle,
        address=address,
        refusal=Unauthorized("Wrong username or password.", error="invalid_grant"),
    )
    assert user is not None  # refused above otherwise
    return await token_for_user(session, settings, user)


async def _check_secret(
    session: AsyncSession,
    name: str,
    secret: str,
    stored: tuple[str, bool] | None,
    *,
    throttle: LoginThrottle | None,
    address: str | None,
    refusal: Unauthorized,
) -> None:
    """Verify `secret` against the stored (hash, active) off the event loop, counting the
    outcome for the throttle; `refusal` when it is wrong, unknown or deactivated (the
    same answer for each, so a name's existence does not show)."""
    await _release_connection(session)
    ok = await verify_password_off_loop(secret, stored[0] if stored else None)
    if not ok or stored is None or not stored[1]:
        if throttle is not None:
            throttle.failed(name, address)
        raise refusal
    if throttle is not None:
        throttle.succeeded(name, address)


async def _release_connection(session: AsyncSession) -> None:
    """End the read before the slow hash, so that logins waiting for a hash thread hold no
    database connection: SQLite has only one, and a login flood would otherwise stall
    every request (PostgreSQL's pool would fill the same way, only later). Nothing was
    written; the session reads again on its next query."""
    await session.commit()


async def token_for_user(session: AsyncSession, settings: Settings, user: User) -> tuple[str, int]:
    agency, place = await _agency_and_place(session, user.agency_id)
    claims = _actor_claims(
        "user", user.username, user.display_name, Role(user.role), agency, place, []
    )
    return (
        _token(settings, f"user:{user.id}", claims, user.token_version),
        settings.access_token_minutes * 60,
    )


async def login_client(
    session: AsyncSession,
    settings: Settings,
    client_id: str,
    client_secret: str,
    *,
    throttle: LoginThrottle | None = None,
    address: str | None = None,
) -> tuple[str, int]:
    """An agency system's login (client_credentials), throttled as staff logins are."""
    if throttle is not None:
        throttle.check(client_id, address)
    acct = (
        await session.exec(select(ServiceAccount).where(ServiceAccount.client_id == client_id))
    ).first()
    await _check_secret(
        session,
        client_id,
        client_secret,
        (acct.secret_hash, acct.is_active) if acct else None,
        throttle=throttle,
        address=address,
        refusal=Unauthorized("Wrong client id or secret.", error="invalid_client"),
    )
    assert acct is not None  # refused above otherwise
    agency, place = await _agency_and_place(session, acct.agency_id)
    claims = _actor_claims(
        "service", acct.client_id, acct.name, Role.service, agency, place, sorted(acct.scopes)
    )
    return (
        _token(settings, f"service:{acct.id}", claims, acct.token_version),
        settings.access_token_minutes * 60,
    )


def _token(settings: Settings, subject: str, claims: dict[str, Any], version: int) -> str:
    keys = derive_keys(settings.resolved_secret())
    return issue_token(
        keys,
        subject=subject,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_minutes * 60,
        extra={"lw": claims, "ver": version},
    )


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    actor: Actor
    expires: float
    """The token's verified `exp`."""
    version: int
    """The account's token version when it was issued (`ver`; 0 before there was one)."""


def actor_from_token(settings: Settings, token: str) -> Actor:
    """The actor a signed token names. This checks the signature and claims only; a
    request's caller is also checked against the account's row (`TokenVersions`)."""
    return verify_token(settings, token).actor


def actor_and_expiry(settings: Settings, token: str) -> tuple[Actor, float]:
    """The actor a token names and when the token expires (its verified `exp`)."""
    found = verify_token(settings, token)
    return found.actor, found.expires


def verify_token(settings: Settings, token: str) -> VerifiedToken:
    keys = derive_keys(settings.resolved_secret())
    claims = read_token(keys, token, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    lw = claims.get("lw")
    if not isinstance(lw, dict):
        raise ValueError("token without labourwatch claims")
    version = claims.get("ver", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError("token version is not an integer")
    kind, _, ident = str(claims["sub"]).partition(":")
    if kind == "user":
        actor = _actor("user", ident, lw)
    elif kind == "service":
        actor = _actor("service", ident, lw)
    else:  # tokens are issued to accounts only, never to the system or the public
        raise ValueError("token subject is not an account")
    return VerifiedToken(actor, float(claims["exp"]), version)


class TokenVersions:
    """Each account's row as last read by this process — (token version, active) — kept
    `ttl` seconds (`token_check_seconds`), so a deactivation or password change made on
    another process ends a token here within that bound, at one small read per account
    per `ttl` instead of one per request. The process that made the change forgets its
    copy at once (`forget`). At most `size` accounts are kept."""

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._rows: OrderedDict[tuple[str, str], tuple[float, int, bool]] = OrderedDict()

    async def current(self, token: VerifiedToken, *, sessionmaker: Any) -> bool:
        """True when the token's account is active and the token names its version; the
        row is read, when due, in a short session from `sessionmaker`."""
        actor = token.actor
        key = (actor.kind, actor.id)
        now = time.monotonic()
        hit = self._rows.get(key)
        if hit is None or now - hit[0] >= self.ttl:
            async with sessionmaker() as session:
                row = await _version_row(session, actor.kind, actor.id)
            if row is None:
                self._rows.pop(key, None)
                return False
            hit = (now, row[0], row[1])
            self._rows[key] = hit
            self._rows.move_to_end(key)
            if len(self._rows) > self.size:
                self._rows.popitem(last=False)
        return hit[2] and hit[1] == token.version

    def forget(self, kind: str, ident: str | uuid.UUID) -> None:
        self._rows.pop((kind, str(ident)), None)


async def _version_row(session: AsyncSession, kind: str, ident: str) -> tuple[int, bool] | None:
    try:
        uid = uuid.UUID(ident)
    except ValueError:
        return None
    model: type[User] | type[ServiceAccount]
    if kind == "user":
        model = User
    elif kind == "service":
        model = ServiceAccount
    else:
        return None
    row = (
        await session.exec(select(model.token_version, model.is_active).where(model.id == uid))
    ).first()
    return None if row is None else (int(row[0]), bool(row[1]))


def _actor(kind: Literal["user", "service"], ident: str, claims: dict[str, Any]) -> Actor:
    return Actor(
        kind=kind,
        id=ident,
        name=str(claims["name"]),
        role=Role(claims["role"]),
        agency_id=uuid.UUID(str(claims["agency_id"])),
        agency_kind=AgencyKind(claims["agency_kind"]),
        jurisdiction_id=uuid.UUID(str(claims["jurisdiction_id"])),
        jurisdiction_path=str(claims["jurisdiction_path"]),
        scopes=frozenset(claims.get("scopes") or ()),
        username=str(claims.get("username", "")),
        agency_name=str(claims.get("agency_name", "")),
        jurisdiction_name=str(claims.get("jurisdiction_name", "")),
    )


async def actor_for_user(session: AsyncSession, user: User) -> Actor:
    """The actor a token of `user` would carry, for work done on a user's behalf
    without a request (the demo's story)."""
    agency, place = await _agency_and_place(session, user.agency_id)
    claims = _actor_claims(
        "user", user.username, user.display_name, Role(user.role), agency, place, []
    )
    return _actor("user", str(user.id), claims)


async def create_user(
    session: AsyncSession,
    actor: Actor,
    *,
    username: str,
    password: str,
    display_name: str,
    role: Role,
    agency_id: uuid.UUID,
    password_hash: str | None = None,
) -> User:
    """`password_hash`: the caller's hash of this same `password`, when it has one (the
    demo's users share one password, and each hash costs a deliberate ~0.1 s)."""
    if role not in STAFF_ROLES:
        raise unprocessable(["body", "role"], "Staff roles: " + ", ".join(STAFF_ROLES))
    _check_policy(password, ["body", "password"])
    agency = await access.get_agency(session, actor, agency_id)
    if (await session.exec(select(User.id).where(User.username == username))).first():
        raise Conflict(f"The username {username!r} is taken.")
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        agency_id=agency.id,
        password_hash=password_hash or await hash_password_off_loop(password),
    )
    session.add(user)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        after=auditlog.snapshot(user, exclude=("password_hash",)),
    )
    return user


async def create_service_account(
    session: AsyncSession, actor: Actor, *, name: str, agency_id: uuid.UUID, scopes: list[str]
) -> tuple[ServiceAccount, str]:
    unknown = sorted(set(scopes) - SERVICE_SCOPES)
    if unknown:
        raise unprocessable(
            ["body", "scopes"],
            "Unknown scopes: "
            + ", ".join(unknown)
            + ". Known: "
            + ", ".join(sorted(SERVICE_SCOPES)),
        )
    agency = await access.get_agency(session, actor, agency_id)
    secret = new_client_secret()
    acct = ServiceAccount(
        name=name,
        agency_id=agency.id,
        scopes=sorted(set(scopes)),
        client_id="lw_" + secrets.token_hex(12),
        secret_hash=await hash_password_off_loop(secret),
    )
    session.add(acct)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "service_account.create",
        "service_account",
        acct.id,
        after=auditlog.snapshot(acct, exclude=("secret_hash",)),
    )
    return acct, secret


async def create_admin(
    session: AsyncSession, actor: Actor, *, username: str, password: str
) -> User:
    """The first admin, at the top coordinator agency (made if there is none)."""

    office = await ensure_root_office(session, actor)
    return await create_user(
        session,
        actor,
        username=username,
        password=password,
        display_name=username,
        role=Role.admin,
        agency_id=office.id,
    )


def _check_policy(password: str, loc: list[str]) -> None:
    """The one password rule, for new accounts and changed passwords alike."""
    if len(password) < MIN_PASSWORD:
        raise unprocessable(loc, f"At least {MIN_PASSWORD} characters.")


async def _user_in_scope(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    """A user of an agency in the actor's area; anyone else is 404, like every read."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id} in your area.")
    try:
        await access.get_agency(session, actor, user.agency_id)
    except NotFound:
        raise NotFound(f"No user {user_id} in your area.") from None
    return user


async def set_user_active(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, active: bool
) -> User:
    """Deactivate or reactivate a staff account (admin, within their area).

    Deactivation raises the token version, so every token the user holds is refused
    from then on; reactivation lets the user log in again but does not revive those
    tokens. Admins cannot deactivate themselves (the last admin would lock everyone out).
    Doing what is already done changes and audits nothing.
    """
    user = await _user_in_scope(session, actor, user_id)
    if not active and actor.kind == "user" and actor.id == str(user.id):
        raise Conflict("You cannot deactivate your own account.")
    if user.is_active == active:
        return user
    before = auditlog.snapshot(user, exclude=("password_hash",))
    user.is_active = active
    if not active:
        user.token_version += 1
    session.add(user)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "user.reactivate" if active else "user.deactivate",
        "user",
        user.id,
        before=before,
        after=auditlog.snapshot(user, exclude=("password_hash",)),
    )
    return user


async def change_own_password(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    *,
    current_password: str,
    new_password: str,
    throttle: LoginThrottle | None = None,
    address: str | None = None,
) -> tuple[User, str, int]:
    """A staff member changes their own password; returns the user and a fresh token.

    A wrong current password is 403 (not 401: the token is fine, and a client that
    took 401 for "log in again" would drop it), counted against the login throttle like
    a failed login (a stolen token must not become a way to guess the password). The change
    raises the token version: every token issued before it, on every device, is
    refused; the fresh token returned keeps this session going.
    """
    if actor.kind != "user":
        raise Forbidden(
            "Only staff accounts have a password; a service account's "
            "secret is replaced by an admin."
        )
    user = await session.get(User, uuid.UUID(actor.id))
    if user is None or not user.is_active:
        raise Unauthorized("The token is invalid or expired.")
    if throttle is not None:
        throttle.check(user.username, address)
    if not await verify_password_off_loop(current_password, user.password_hash):
        if throttle is not None:
            throttle.failed(user.username, address)
        raise Forbidden("The current password is wrong.")
    _check_policy(new_password, ["body", "new_password"])
    user.password_hash = await hash_password_off_loop(new_password)
    user.token_version += 1
    session.add(user)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "user.password_change",
        "user",
        user.id,
        after={"token_version": user.token_version},
    )
    token, ttl = await token_for_user(session, settings, user)
    return user, token, ttl


async def deactivate_service_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID
) -> ServiceAccount:
    """Switch an agency system's client off: it cannot log in, and its tokens are refused."""
    acct = await session.get(ServiceAccount, account_id)
    if acct is None:
        raise NotFound(f"No service account {account_id} in your area.")
    try:
        await access.get_agency(session, actor, acct.agency_id)
    except NotFound:
        raise NotFound(f"No service account {account_id} in your area.") from None
    if not acct.is_active:
        return acct
    before = auditlog.snapshot(acct, exclude=("secret_hash",))
    acct.is_active = False
    acct.token_version += 1
    session.add(acct)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "service_account.deactivate",
        "service_account",
        acct.id,
        before=before,
        after=auditlog.snapshot(acct, exclude=("secret_hash",)),
    )
    return acct
