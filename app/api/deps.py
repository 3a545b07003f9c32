"""Dependencies every route uses: the request's session, the caller, permission checks."""

from __future__ import annotations

import time
from collections import OrderedDict
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
from app.services.core import access
from app.services.registry.accounts import TokenVersions, VerifiedToken, verify_token

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


class VerifiedTokens:
    """Verified bearer tokens, each kept until the token expires (at most `size` of
    them): agency systems poll with one token all day, and checking its signature and
    claims every time cost more than answering an unchanged queue. A token is the same
    signed claims whenever it is the same string. Whether its account still accepts it
    (active, same token version) is asked of `TokenVersions` on every request."""

    def __init__(self, settings: Settings, size: int = 4096) -> None:
        self.settings = settings
        self.size = size
        self._tokens: OrderedDict[str, VerifiedToken] = OrderedDict()

    def verified(self, token: str) -> VerifiedToken | None:
        """The token's verified claims, or None when it does not verify (or has expired)."""
        hit = self._tokens.get(token)
        if hit is not None:
            if hit.expires > time.time():
                return hit
            del self._tokens[token]  # expired: verifying it again refuses it
        try:
            found = verify_token(self.settings, token)
        except (InvalidToken, ValueError, KeyError):
            return None
        self._tokens[token] = found
        if len(self._tokens) > self.size:
            self._tokens.popitem(last=False)
        return found


def verified_tokens(runtime: Runtime) -> VerifiedTokens:
    found = runtime.extras.get("verified_tokens")
    if not isinstance(found, VerifiedTokens):
        found = runtime.extras["verified_tokens"] = VerifiedTokens(runtime.settings)
    return found


def token_versions(runtime: Runtime) -> TokenVersions:
    found = runtime.extras.get("token_versions")
    if not isinstance(found, TokenVersions):
        found = runtime.extras["token_versions"] = TokenVersions(
            runtime.settings.token_check_seconds
        )
    return found


async def actor_for_token(runtime: Runtime, token: str) -> Actor | None:
    """The caller a bearer token names, or None: forged, expired, or its account since
    deactivated or its password changed (refused on every process within
    `token_check_seconds`).

    The account's row is read in a short session of its own, done before the route
    touches the database: on SQLite (one connection) reading it in the request's session
    would hold that connection while routes that first open one of their own (the audit
    log's sealing) wait for it. So a dependency that queries the request's session must
    come after the caller's in a route's signature, as `IdempotencyDep` does."""
    found = verified_tokens(runtime).verified(token)
    if found is None:
        return None
    if not await token_versions(runtime).current(found, sessionmaker=runtime.sessionmaker):
        return None
    return found.actor


async def get_actor(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    if not token:
        raise Unauthorized("Send `Authorization: Bearer <token>`; get one at /api/v1/auth/token.")
    actor = await actor_for_token(runtime_of(request), token)
    if actor is None:
        raise Unauthorized("The token is invalid or expired.")
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(get_actor)]


def require(permission: Permission) -> Callable[[Actor], Awaitable[Actor]]:
    async def check(actor: CurrentActor) -> Actor:
        access.require(actor, permission)
        return actor

    check.required_permission = permission  # type: ignore[attr-defined]
    return check


# `actor: MayCasesWrite` — the caller, known to hold the permission: one alias per
# permission, so every route's actor is a typed `Actor` and the permission is declared
# where mypy and the access-matrix test both read it (`route_permission`).
MayReferenceRead = Annotated[Actor, Depends(require(Permission.reference_read))]
MayReferenceWrite = Annotated[Actor, Depends(require(Permission.reference_write))]
MayRoutingWrite = Annotated[Actor, Depends(require(Permission.routing_write))]
MayAccountsWrite = Annotated[Actor, Depends(require(Permission.accounts_write))]
MayEmployersRead = Annotated[Actor, Depends(require(Permission.employers_read))]
MayEmployersWrite = Annotated[Actor, Depends(require(Permission.employers_write))]
MayCampaignsRead = Annotated[Actor, Depends(require(Permission.campaigns_read))]
MayCampaignsWrite = Annotated[Actor, Depends(require(Permission.campaigns_write))]
MayInspectionsRead = Annotated[Actor, Depends(require(Permission.inspections_read))]
MayInspectionsWrite = Annotated[Actor, Depends(require(Permission.inspections_write))]
MayCasesRead = Annotated[Actor, Depends(require(Permission.cases_read))]
MayCasesWrite = Annotated[Actor, Depends(require(Permission.cases_write))]
MayQueueRead = Annotated[Actor, Depends(require(Permission.queue_read))]
MayQueueWrite = Annotated[Actor, Depends(require(Permission.queue_write))]
MayTipsRead = Annotated[Actor, Depends(require(Permission.tips_read))]
MayTipsWrite = Annotated[Actor, Depends(require(Permission.tips_write))]
MayTipsTriage = Annotated[Actor, Depends(require(Permission.tips_triage))]
MayTipsContact = Annotated[Actor, Depends(require(Permission.tips_contact))]
MayStatsRead = Annotated[Actor, Depends(require(Permission.stats_read))]
MayStatsWrite = Annotated[Actor, Depends(require(Permission.stats_write))]
MayAuditRead = Annotated[Actor, Depends(require(Permission.audit_read))]
MayDisclosuresWrite = Annotated[Actor, Depends(require(Permission.disclosures_write))]
MayEnforcementApprove = Annotated[Actor, Depends(require(Permission.enforcement_approve))]
MayPublicityRead = Annotated[Actor, Depends(require(Permission.publicity_read))]
MayPublicityWrite = Annotated[Actor, Depends(require(Permission.publicity_write))]
