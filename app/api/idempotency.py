"""Idempotency-Key for retried writes.

The same key and body replays the first response, for `idempotency_hours`; the
same key with another body is a 422. Keys are per caller: an unauthenticated
request is never replayed anything (no public route stores a response here; the
tip-line scopes its keys to the client, app/services/tipline/tip_privacy.py). The record
is written in the request's own transaction, so a write and its record commit
together or not at all; two concurrent requests with one key cannot both commit
(primary key), and the loser is told to retry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import SessionDep, runtime_of
from app.errors import Conflict, Replay, Unprocessable, unprocessable
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord
from app.security import InvalidToken
from app.services.registry.accounts import actor_from_token

MAX_KEY = 200


@dataclass
class Idempotency:
    session: AsyncSession
    principal: str
    key: str | None
    request_hash: str

    async def respond(self, status_code: int, payload: Any) -> JSONResponse:
        body = jsonable_encoder(payload)
        if self.key is not None:
            self.session.add(
                IdempotencyRecord(
                    principal=self.principal,
                    key=self.key,
                    request_hash=self.request_hash,
                    status_code=status_code,
                    body=body,
                )
            )
            try:
                async with self.session.begin_nested():
                    await self.session.flush()
            except IntegrityError:
                raise Conflict(
                    "A request with this Idempotency-Key is being handled; retry.",
                    headers={"Retry-After": "1"},
                ) from None
        return JSONResponse(body, status_code=status_code)


def _principal(request: Request) -> str:
    """Keys are per caller: one agency system's key never replays another's response."""
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return "public"
    try:
        actor = actor_from_token(runtime_of(request).settings, auth[7:].strip())
    except (InvalidToken, ValueError, KeyError):
        return "public"
    return f"{actor.kind}:{actor.id}"


KEY_DOC = (
    "Retry safely: the same key with the same body replays the first answer and "
    "writes nothing twice; with another body it is a 422 (1–200 characters)."
)
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", description=KEY_DOC)]


async def get_idempotency(
    request: Request, session: SessionDep, _declared: IdempotencyKey = None
) -> Idempotency:
    """`_declared` only puts the header in the OpenAPI document; the raw value is read here."""
    key = request.headers.get("idempotency-key")
    body = await request.body()
    digest = hashlib.sha256(
        request.method.encode() + request.url.path.encode() + b"\0" + body
    ).hexdigest()
    principal = _principal(request)
    if key is not None:
        key = key.strip()
        if not key or len(key) > MAX_KEY:
            raise unprocessable(["header", "Idempotency-Key"], f"1 to {MAX_KEY} characters.")
        found = await session.get(IdempotencyRecord, (principal, key))
        hours = runtime_of(request).settings.idempotency_hours
        if found is not None and found.created_at < utcnow() - timedelta(hours=hours):
            await session.delete(found)  # expired: the worker has not purged it yet
            await session.flush()
            found = None
        if found is not None:
            if found.request_hash != digest:
                raise Unprocessable(
                    "This Idempotency-Key was used with another request body.",
                    errors=[
                        {
                            "loc": ["header", "Idempotency-Key"],
                            "msg": "reused with a different body",
                        }
                    ],
                )
            raise Replay(found.status_code, found.body)
    return Idempotency(session=session, principal=principal, key=key, request_hash=digest)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
