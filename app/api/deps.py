"""Dependencies every route uses: the request's session, the caller, permission checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import transaction
from app.domain.permissions import Actor, Permission
from app.errors import Unauthorized
from app.runtime import Runtime
from app.security import InvalidToken
from app.services import access
from app.services.accounts import actor_from_token

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# The dependencies below are `async def` on purpose: FastAPI runs a plain `def`
# dependency in a worker thread, and those hops cost more than the work they do.


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_settings(request: Request) -> Settings:
    return runtime_of(request).settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent."""
    maker = runtime_of(request).sessionmaker
    assert maker is not None, "the app's lifespan has not started"
    async with transaction(maker) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the commit happens before the response leaves, so a failed
# commit is reported as an error instead of after a 201 was already sent.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_actor(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    if not token:
        raise Unauthorized("Send `Authorization: Bearer <token>`; get one at /api/v1/auth/token.")
    try:
        actor = actor_from_token(runtime_of(request).settings, token)
    except (InvalidToken, ValueError, KeyError):
        raise Unauthorized("The token is invalid or expired.") from None
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(get_actor)]


def require(permission: Permission) -> Callable[[Actor], Awaitable[Actor]]:
    async def check(actor: CurrentActor) -> Actor:
        access.require(actor, permission)
        return actor

    check.required_permission = permission  # type: ignore[attr-defined]
    return check


def Allowed(permission: Permission) -> type[Actor]:
    """`actor: Allowed(Permission.x)` — the caller, known to hold the permission."""
    return Annotated[Actor, Depends(require(permission))]  # type: ignore[return-value]
