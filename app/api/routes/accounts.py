"""Staff users and service accounts (admin)."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api.deps import Allowed, SessionDep
from app.domain.permissions import Permission
from app.models.schemas import (
    ServiceAccountCreate,
    ServiceAccountCreated,
    UserCreate,
    UserPublic,
)
from app.services import accounts

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
async def create_user(body: UserCreate, session: SessionDep,
                      actor: Allowed(Permission.accounts_write)) -> UserPublic:
    """Create a staff account in an agency of your area. Passwords: at least 10 characters."""
    user = await accounts.create_user(session, actor, username=body.username,
                                      password=body.password, display_name=body.display_name,
                                      role=body.role, agency_id=body.agency_id)
    return UserPublic.model_validate(user)


@router.post("/service-accounts", status_code=status.HTTP_201_CREATED,
             response_model=ServiceAccountCreated)
async def create_service_account(body: ServiceAccountCreate, session: SessionDep,
                                 actor: Allowed(Permission.accounts_write)
                                 ) -> ServiceAccountCreated:
    """Create an agency system's client. `client_secret` is in this response only."""
    acct, secret = await accounts.create_service_account(
        session, actor, name=body.name, agency_id=body.agency_id, scopes=body.scopes)
    return ServiceAccountCreated(id=acct.id, name=acct.name, agency_id=acct.agency_id,
                                 scopes=acct.scopes, client_id=acct.client_id,
                                 client_secret=secret)
