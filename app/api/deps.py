"""Dependencies every route uses: the request's session, the caller, permission checks."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import SessionMaker, replica_lag, transaction
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


REPLICA_RETRY_SECONDS = 5.0
"""After the replica failed to answer, reports read the primary this long before trying
it again, rather than each waiting out a connect timeout."""


def _read_from(request: Request, where: str, lag: str | None) -> None:
    """Say in the response where a report read from (app/middleware.py sends it)."""
    headers = [(b"x-read-from", where.encode())]
    if lag is not None:
        headers.append((b"x-replica-lag", lag.encode()))
    request.state.response_headers = headers


async def _on_replica(request: Request, maker: SessionMaker) -> AsyncSession | None:
    """A session on the replica when it is reachable and within the staleness bound
    (its lag measured on that session), else None with the headers saying why."""
    runtime = runtime_of(request)
    if time.monotonic() < float(str(runtime.extras.get("replica_down_until", 0.0))):
        _read_from(request, "primary", "unavailable")
        return None
    for attempt in (1, 2):
        session = maker()
        try:
            lag = await replica_lag(session)
            break
        except (OSError, SQLAlchemyError, TimeoutError) as exc:
            await session.close()
            if attempt == 1 and isinstance(exc, DBAPIError) and exc.connection_invalidated:
                continue  # a pooled connection the standby dropped (it restarted): once more
            runtime.extras["replica_down_until"] = time.monotonic() + REPLICA_RETRY_SECONDS
            _read_from(request, "primary", "unavailable")
            return None
    if lag is None or lag > runtime.settings.replica_max_lag_seconds:
        await session.close()
        _read_from(request, "primary", "unknown" if lag is None else f"{lag:.3f}")
        return None
    _read_from(request, "replica", f"{lag:.3f}")
    return session


async def report_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The session a report reads on: the streaming replica when one is configured
    (LABOURWATCH_DATABASE_REPLICA_URL) and no more than `replica_max_lag_seconds` behind,
    else the primary. The response says which (`X-Read-From`) and how stale
    (`X-Replica-Lag`, seconds). For statistics, ledgers, exports and other reports that
    write nothing; a route switches with `session: ReportSessionDep`."""
    runtime = runtime_of(request)
    replica = runtime.replica_sessionmaker
    session = None if replica is None else await _on_replica(request, replica)
    if session is None:
        async for primary in get_session(request):
            yield primary
        return
    try:
        yield session
        await session.rollback()  # a report writes nothing; a replica could not take it
    finally:
        await session.close()


async def report_sessionmaker(request: Request) -> SessionMaker:
    """Where a streamed report opens its own sessions: the replica under the same rule
    as `report_session` (its headers too), else the primary."""
    runtime = runtime_of(request)
    replica = runtime.replica_sessionmaker
    if replica is not None:
        session = await _on_replica(request, replica)
        if session is not None:
            await session.close()
            return replica
    assert runtime.sessionmaker is not None, "the app's lifespan has not started"
    return runtime.sessionmaker


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the commit happens before the response leaves, so a failed
# commit is reported as an error instead of after a 201 was already sent.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReportSessionDep = Annotated[AsyncSession, Depends(report_session, scope="function")]
ReportSessionmakerDep = Annotated[SessionMaker, Depends(report_sessionmaker)]


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


def required_permission(dependant: Any) -> Permission | None:
    """The permission a route declares through its `May…` alias (searched through its
    dependencies), or None for an open route."""
    for dep in dependant.dependencies:
        found = getattr(dep.call, "required_permission", None)
        if isinstance(found, Permission):
            return found
        nested = required_permission(dep)
        if nested is not None:
            return nested
    return None


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
MayPersonsWrite = Annotated[Actor, Depends(require(Permission.persons_write))]
MayPersonsReveal = Annotated[Actor, Depends(require(Permission.persons_reveal))]
MayPublicityRead = Annotated[Actor, Depends(require(Permission.publicity_read))]
MayPublicityWrite = Annotated[Actor, Depends(require(Permission.publicity_write))]
