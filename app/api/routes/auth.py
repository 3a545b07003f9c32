"""Tokens and the caller's own identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form

from app.api.deps import CurrentActor, SessionDep, SettingsDep
from app.errors import BadRequest
from app.models.schemas import AgencyRef, JurisdictionRef, MePublic, TokenPublic
from app.services import accounts

router = APIRouter(prefix="/api/v1", tags=["auth"])
GRANTS = ("password", "client_credentials")


@router.post("/auth/token", response_model=TokenPublic)
async def issue_token(
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
    an agency system's service account. Wrong credentials → 401.
    """
    if grant_type == "password" and username and password:
        token, ttl = await accounts.login_password(session, settings, username, password)
    elif grant_type == "client_credentials" and client_id and client_secret:
        token, ttl = await accounts.login_client(session, settings, client_id, client_secret)
    elif grant_type in GRANTS:
        raise BadRequest("The grant is missing its credentials.", error="invalid_request")
    else:
        raise BadRequest("grant_type must be password or client_credentials.",
                         error="unsupported_grant_type")
    return TokenPublic(access_token=token, expires_in=ttl)


@router.get("/me", response_model=MePublic)
async def read_me(actor: CurrentActor) -> MePublic:
    """Who the token belongs to: role, agency and jurisdiction."""
    return MePublic(
        id=actor.id, username=actor.username, display_name=actor.name, kind=actor.kind,
        role=actor.role,
        agency=AgencyRef(id=actor.agency_id, kind=actor.agency_kind, name=actor.agency_name),
        jurisdiction=JurisdictionRef(id=actor.jurisdiction_id, name=actor.jurisdiction_name),
        permissions=sorted(p.value for p in actor.permissions),
    )
