"""Staff users and service accounts (admin)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from app.api.deps import MayAccountsWrite, SessionDep, runtime_of, token_versions
from app.models.schemas import (
    ServiceAccountCreate,
    ServiceAccountCreated,
    ServiceAccountPublic,
    UserCreate,
    UserPublic,
)
from app.services.registry import accounts

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
async def create_user(body: UserCreate, session: SessionDep, actor: MayAccountsWrite) -> UserPublic:
    """Create a staff account in an agency of your area. Passwords: at least 10 characters."""
    user = await accounts.create_user(
        session,
        actor,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
        role=body.role,
        agency_id=body.agency_id,
    )
    return UserPublic.model_validate(user)


@router.post(
    "/service-accounts", status_code=status.HTTP_201_CREATED, response_model=ServiceAccountCreated
)
async def create_service_account(
    body: ServiceAccountCreate, session: SessionDep, actor: MayAccountsWrite
) -> ServiceAccountCreated:
    """Create an agency system's client. `client_secret` is in this response only."""
    acct, secret = await accounts.create_service_account(
        session, actor, name=body.name, agency_id=body.agency_id, scopes=body.scopes
    )
    return ServiceAccountCreated(
        id=acct.id,
        name=acct.name,
        agency_id=acct.agency_id,
        scopes=acct.scopes,
        client_id=acct.client_id,
        client_secret=secret,
    )


@router.post("/users/{user_id}/deactivate", response_model=UserPublic)
async def deactivate_user(
    user_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    actor: MayAccountsWrite,
) -> UserPublic:
    """Switch a staff account off: it cannot log in, and every token it holds is refused
    (on every process within `LABOURWATCH_TOKEN_CHECK_SECONDS`). Not your own account."""
    user = await accounts.set_user_active(session, actor, user_id, active=False)
    token_versions(runtime_of(request)).forget("user", user.id)
    return UserPublic.model_validate(user)


@router.post("/users/{user_id}/reactivate", response_model=UserPublic)
async def reactivate_user(
    user_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    actor: MayAccountsWrite,
) -> UserPublic:
    """Let a deactivated account log in again. Tokens from before the deactivation stay dead."""
    user = await accounts.set_user_active(session, actor, user_id, active=True)
    token_versions(runtime_of(request)).forget("user", user.id)
    return UserPublic.model_validate(user)


@router.post("/service-accounts/{account_id}/deactivate", response_model=ServiceAccountPublic)
async def deactivate_service_account(
    account_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    actor: MayAccountsWrite,
) -> ServiceAccountPublic:
    """Switch an agency system's client off: its logins and its tokens are refused. To
    replace a leaked secret, create a new service account and deactivate the old one."""
    acct = await accounts.deactivate_service_account(session, actor, account_id)
    token_versions(runtime_of(request)).forget("service", acct.id)
    return ServiceAccountPublic.model_validate(acct)
