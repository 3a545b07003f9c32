"""Tokens and the caller's own identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.api.deps import CurrentActor, SessionDep, SettingsDep, runtime_of, token_versions
from app.errors import BadRequest
from app.models.schemas import (
    AgencyRef,
    JurisdictionRef,
    MePublic,
    PasswordChange,
    TokenPublic,
)
from app.services.registry import accounts
from app.services.registry.login_throttle import LoginThrottle, throttle_for

router = APIRouter(prefix="/api/v1", tags=["auth"])
GRANTS = ("password", "client_credentials")


def _throttle(request: Request) -> LoginThrottle:
    runtime = runtime_of(request)
    return throttle_for(runtime.extras, runtime.settings)


def _address(request: Request) -> str | None:
    """Only ever handed to the login throttle, which keeps a keyed hash of it in memory."""
    return request.client.host if request.client else None


@router.post(
    "/auth/token",
    response_model=TokenPublic,
    responses={429: {"description": "Too many failed logins (see Retry-After)."}},
)
async def issue_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    # Documented as an enum, checked below: another grant is the OAuth2 400 (RFC 6749 §5.2).
    grant_type: Annotated[str, Form(json_schema_extra={"enum": list(GRANTS)})],
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
) -> TokenPublic:
    """OAuth2 token endpoint (form-encoded).

    `grant_type=password` with `username` and `password` for staff;
    `grant_type=client_credentials` with `client_id` and `client_secret` for
    an agency system's service account. Wrong credentials, or a deactivated account → 401.

    After `LABOURWATCH_LOGIN_MAX_FAILURES` failures for one name (or more from one
    address) every attempt is 429 with `Retry-After` until the lockout ends, a right
    password included; each further failure doubles the wait. The answer is the same
    for names that exist and names that do not.
    """
    throttle, address = _throttle(request), _address(request)
    if grant_type == "password" and username and password:
        token, ttl = await accounts.login_password(
            session, settings, username, password, throttle=throttle, address=address
        )
    elif grant_type == "client_credentials" and client_id and client_secret:
        token, ttl = await accounts.login_client(
            session, settings, client_id, client_secret, throttle=throttle, address=address
        )
    elif grant_type in GRANTS:
        raise BadRequest("The grant is missing its credentials.", error="invalid_request")
    else:
        raise BadRequest(
            "grant_type must be password or client_credentials.", error="unsupported_grant_type"
        )
    return TokenPublic(access_token=token, expires_in=ttl)


@router.get("/me", response_model=MePublic)
async def read_me(actor: CurrentActor) -> MePublic:
    """Who the token belongs to: role, agency and jurisdiction."""
    return MePublic(
        id=actor.id,
        username=actor.username,
        display_name=actor.name,
        kind=actor.kind,
        role=actor.role,
        agency=AgencyRef(id=actor.agency_id, kind=actor.agency_kind, name=actor.agency_name),
        jurisdiction=JurisdictionRef(id=actor.jurisdiction_id, name=actor.jurisdiction_name),
        permissions=sorted(p.value for p in actor.permissions),
    )


@router.post(
    "/me/password",
    response_model=TokenPublic,
    responses={429: {"description": "Too many wrong passwords (see Retry-After)."}},
)
async def change_password(
    body: PasswordChange,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentActor,
) -> TokenPublic:
    """Change your own password (at least 10 characters).

    Every token issued before the change is refused from then on, on every device; the
    response carries a fresh token for this one. A wrong `current_password` is 403 and
    counts as a failed login (429 with `Retry-After` after too many)."""
    user, token, ttl = await accounts.change_own_password(
        session,
        settings,
        actor,
        current_password=body.current_password,
        new_password=body.new_password,
        throttle=_throttle(request),
        address=_address(request),
    )
    token_versions(runtime_of(request)).forget("user", user.id)
    return TokenPublic(access_token=token, expires_in=ttl)
