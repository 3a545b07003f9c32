"""The stored-response strategy of Idempotency-Key as a FastAPI dependency (`IdempotencyDep`).

Which writes take it, and why tip intake keeps its key on the tip instead, is decided
once in app/services/core/idempotency.py, with both strategies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import SessionDep, runtime_of
from app.security import InvalidToken
from app.services.core import idempotency
from app.services.registry.accounts import actor_from_token


@dataclass
class Idempotency:
    session: AsyncSession
    principal: str
    key: str | None
    request_hash: str

    async def respond(self, status_code: int, payload: Any) -> JSONResponse:
        body = jsonable_encoder(payload)
        if self.key is not None:
            await idempotency.store_response(
                self.session,
                principal=self.principal,
                key=self.key,
                digest=self.request_hash,
                status_code=status_code,
                body=body,
            )
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
    return idempotency.principal_of(actor)


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
    digest = idempotency.request_digest(request.method, request.url.path, await request.body())
    principal = _principal(request)
    if key is not None:
        key = idempotency.read_key(key)
        await idempotency.replay_stored(
            session,
            principal=principal,
            key=key,
            digest=digest,
            hours=runtime_of(request).settings.idempotency_hours,
        )
    return Idempotency(session=session, principal=principal, key=key, request_hash=digest)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
