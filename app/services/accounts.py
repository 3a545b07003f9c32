"""Logins, tokens, and the people and systems that hold them."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.permissions import SERVICE_SCOPES, STAFF_ROLES, Actor
from app.domain.taxonomy import AgencyKind, Role
from app.errors import Conflict, Unauthorized, unprocessable
from app.models.accounts import ServiceAccount, User
from app.models.reference import Agency, Jurisdiction
from app.security import (
    derive_keys,
    hash_password,
    issue_token,
    new_client_secret,
    read_token,
    verify_password,
)
from app.services import access

MIN_PASSWORD = 10


def _actor_claims(kind: str, username: str, name: str, role: Role, agency: Agency,
                  jurisdiction: Jurisdiction, scopes: list[str]) -> dict[str, Any]:
    return {"kind": kind, "username": username, "name": name, "role": role.value,
            "agency_id": str(agency.id),
            "agency_kind": agency.kind, "agency_name": agency.name,
            "jurisdiction_id": str(jurisdiction.id), "jurisdiction_path": jurisdiction.path,
            "jurisdiction_name": jurisdiction.name, "scopes": scopes}


async def _agency_and_place(session: AsyncSession, agency_id: uuid.UUID
                            ) -> tuple[Agency, Jurisdiction]:
    row = (await session.exec(
        select(Agency, Jurisdiction).join(Jurisdiction, col(Agency.jurisdiction_id) ==
                                          col(Jurisdiction.id)).where(Agency.id == agency_id)
    )).one()
    return row[0], row[1]


async def login_password(session: AsyncSession, settings: Settings, username: str,
                         password: str) -> tuple[str, int]:
    user = (await session.exec(select(User).where(User.username == username))).first()
    if not verify_password(password, user.password_hash if user else None) or user is None \
            or not user.is_active:
        raise Unauthorized("Wrong username or password.", error="invalid_grant")
    return await token_for_user(session, settings, user)


async def token_for_user(session: AsyncSession, settings: Settings, user: User
                         ) -> tuple[str, int]:
    agency, place = await _agency_and_place(session, user.agency_id)
    claims = _actor_claims("user", user.username, user.display_name, Role(user.role), agency,
                           place, [])
    return _token(settings, f"user:{user.id}", claims), settings.access_token_minutes * 60


async def login_client(session: AsyncSession, settings: Settings, client_id: str,
                       client_secret: str) -> tuple[str, int]:
    acct = (await session.exec(
        select(ServiceAccount).where(ServiceAccount.client_id == client_id))).first()
    if not verify_password(client_secret, acct.secret_hash if acct else None) or acct is None \
            or not acct.is_active:
        raise Unauthorized("Wrong client id or secret.", error="invalid_client")
    agency, place = await _agency_and_place(session, acct.agency_id)
    claims = _actor_claims("service", acct.client_id, acct.name, Role.service, agency, place,
                           sorted(acct.scopes))
    return _token(settings, f"service:{acct.id}", claims), settings.access_token_minutes * 60


def _token(settings: Settings, subject: str, claims: dict[str, Any]) -> str:
    keys = derive_keys(settings.resolved_secret())
    return issue_token(keys, subject=subject, issuer=settings.jwt_issuer,
                       audience=settings.jwt_audience,
                       ttl_seconds=settings.access_token_minutes * 60, extra={"lw": claims})


def actor_from_token(settings: Settings, token: str) -> Actor:
    """The actor a token names. Role and scope travel in the signed token, so a
    deactivated account keeps working until its token expires (access_token_minutes)."""
    return actor_and_expiry(settings, token)[0]


def actor_and_expiry(settings: Settings, token: str) -> tuple[Actor, float]:
    """The actor a token names and when the token expires (its verified `exp`)."""
    keys = derive_keys(settings.resolved_secret())
    claims = read_token(keys, token, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    lw = claims.get("lw")
    if not isinstance(lw, dict):
        raise ValueError("token without labourwatch claims")
    kind, _, ident = str(claims["sub"]).partition(":")
    return Actor(
        kind=kind, id=ident, name=str(lw["name"]), role=Role(lw["role"]),
        agency_id=str(lw["agency_id"]), agency_kind=AgencyKind(lw["agency_kind"]),
        jurisdiction_id=str(lw["jurisdiction_id"]), jurisdiction_path=str(lw["jurisdiction_path"]),
        scopes=frozenset(lw.get("scopes") or ()), username=str(lw.get("username", "")),
        agency_name=str(lw.get("agency_name", "")),
        jurisdiction_name=str(lw.get("jurisdiction_name", "")),
    ), float(claims["exp"])


async def create_user(session: AsyncSession, actor: Actor, *, username: str, password: str,
                      display_name: str, role: Role, agency_id: uuid.UUID) -> User:
    if role not in STAFF_ROLES:
        raise unprocessable(["body", "role"], "Staff roles: " + ", ".join(STAFF_ROLES))
    if len(password) < MIN_PASSWORD:
        raise unprocessable(["body", "password"], f"At least {MIN_PASSWORD} characters.")
    agency = await access.get_agency(session, actor, agency_id)
    if (await session.exec(select(User.id).where(User.username == username))).first():
        raise Conflict(f"The username {username!r} is taken.")
    user = User(username=username, display_name=display_name, role=role.value,
                agency_id=agency.id, password_hash=hash_password(password))
    session.add(user)
    await session.flush()
    auditlog.record(session, actor, "user.create", "user", user.id,
                    after=auditlog.snapshot(user, exclude=("password_hash",)))
    return user


async def create_service_account(session: AsyncSession, actor: Actor, *, name: str,
                                 agency_id: uuid.UUID, scopes: list[str]
                                 ) -> tuple[ServiceAccount, str]:
    unknown = sorted(set(scopes) - SERVICE_SCOPES)
    if unknown:
        raise unprocessable(["body", "scopes"], "Unknown scopes: " + ", ".join(unknown)
                            + ". Known: " + ", ".join(sorted(SERVICE_SCOPES)))
    agency = await access.get_agency(session, actor, agency_id)
    secret = new_client_secret()
    acct = ServiceAccount(name=name, agency_id=agency.id, scopes=sorted(set(scopes)),
                          client_id="lw_" + secrets.token_hex(12),
                          secret_hash=hash_password(secret))
    session.add(acct)
    await session.flush()
    auditlog.record(session, actor, "service_account.create", "service_account", acct.id,
                    after=auditlog.snapshot(acct, exclude=("secret_hash",)))
    return acct, secret


async def create_admin(session: AsyncSession, actor: Actor, *, username: str,
                       password: str) -> User:
    """The first admin, at the top coordinator agency (made if there is none)."""
    from app.services.reference import ensure_root_office

    office = await ensure_root_office(session, actor)
    return await create_user(session, actor, username=username, password=password,
                             display_name=username, role=Role.admin, agency_id=office.id)
