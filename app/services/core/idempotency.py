"""Idempotency-Key: a retried write is answered as the first one was and writes nothing twice.

What every write that accepts the header promises (API.md): the same caller, key and
body within `idempotency_hours` get the first answer again (`Idempotent-Replayed:
true`); the same key with another body is a 422; keys are per caller, so one caller's
key never replays another's answer. Two strategies keep that promise, and the rule for
choosing between them is this:

**Tip intake takes the keyed tip; every other write the stored response.**

*Stored response* (`replay_stored`, `store_response`; the `IdempotencyDep` of
app/api/idempotency.py): the first answer is kept in `idempotency_record` under
(caller, key), written in the request's own transaction, so a write and its record
commit together or not at all; two concurrent requests with one key cannot both
commit (primary key), and the loser is told to retry.

*Keyed tip* (`KeyedRequest`; `POST /public/v1/tips` and the office's `POST
/api/v1/tips`): nothing is stored beside the tip. The tip's own row carries the key's
hash (unique) and the body's, and a keyed tip's receipt is derived from caller, key
and body (`tip_privacy.derived_receipt`), so a retry recomputes the receipt the first
answer held and finds its tip by the key. The tip-line cannot use the stored response:

- *one statement, autocommitted*: on PostgreSQL a JSON tip is a single `INSERT … ON
  CONFLICT DO NOTHING` carrying its audit entry, with no transaction around it — the
  intake of a flood, tuned in bench/README.md (`tips.submit_alone`). A stored response
  needs a lookup first and a second row committed with the tip in one transaction;
  here the key is looked up only when the INSERT did nothing (`keyed_tip`).
- *the answer is a secret*: it holds the receipt in clear, shown once; stored, it would
  sit in the database beside the tip it opens.
- *anonymous*: a public caller has no account to own its keys; it is its client address
  under a keyed hash (`public_principal`), itself never stored.

Both expire alike (`purge`, the worker's job): old records are dropped, and old tips
forget their key, which then starts a new tip with the receipt of the next generation
(`release_expired_key`, `GENERATIONS`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.domain.permissions import Actor
from app.errors import Conflict, Replay, Unprocessable, unprocessable
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord
from app.models.tips import Tip
from app.security import Keys, keyed_hash
from app.services.core.sealing import keys_of

MAX_KEY = 200
GENERATIONS = 8
"""Times one client's Idempotency-Key may expire and start a new tip (each its own receipt)."""

_TIP: sa.Table = Tip.__table__  # type: ignore[attr-defined]


def read_key(raw: str, *, zh: bool = False) -> str:
    """The key as sent, without surrounding blanks; 422 unless 1 to MAX_KEY characters
    (`zh`: in Chinese, as the tip-line answers)."""
    key = raw.strip()
    if key and len(key) <= MAX_KEY:
        return key
    if zh:
        raise Unprocessable(
            f"Idempotency-Key 应为 1 到 {MAX_KEY} 个字符。",
            errors=[{"loc": ["header", "Idempotency-Key"], "msg": f"应为 1 到 {MAX_KEY} 个字符"}],
        )
    raise unprocessable(["header", "Idempotency-Key"], f"1 to {MAX_KEY} characters.")


def principal_of(actor: Actor) -> str:
    """Whose keys an authenticated caller's are: its account, never its agency."""
    return f"{actor.kind}:{actor.id}"


def _reused() -> Unprocessable:
    return Unprocessable(
        "This Idempotency-Key was used with another request body.",
        errors=[{"loc": ["header", "Idempotency-Key"], "msg": "reused with a different body"}],
    )


# The stored response.


def request_digest(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + path.encode() + b"\0" + body).hexdigest()


async def replay_stored(
    session: AsyncSession, *, principal: str, key: str, digest: str, hours: int
) -> None:
    """Raise `Replay` with the first answer to this key; 422 when that was to another
    body. A record older than `hours` that the worker has not purged yet is dropped."""
    found = await session.get(IdempotencyRecord, (principal, key))
    if found is not None and found.created_at < utcnow() - timedelta(hours=hours):
        await session.delete(found)
        await session.flush()
        found = None
    if found is not None:
        if found.request_hash != digest:
            raise _reused()
        raise Replay(found.status_code, found.body)


async def store_response(
    session: AsyncSession,
    *,
    principal: str,
    key: str,
    digest: str,
    status_code: int,
    body: Any,
) -> None:
    """Keep the answer in this transaction; 409 (retry) while another request holds the key."""
    session.add(
        IdempotencyRecord(
            principal=principal,
            key=key,
            request_hash=digest,
            status_code=status_code,
            body=body,
        )
    )
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(
            "A request with this Idempotency-Key is being handled; retry.",
            headers={"Retry-After": "1"},
        ) from None


# The keyed tip.


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """A submission carrying an Idempotency-Key: who sent it, the key, the raw body."""

    principal: str
    key: str
    body: bytes


def public_principal(keys: Keys, address: str | None) -> str:
    """Whose Idempotency-Key an anonymous submission carries: the client address under a
    key derived from the secret, so one client's key never replays (and its reuse never
    reveals) another's tip or receipt. The address itself is never stored: this value
    only goes, with the key, into `idempotency_hash` and the derived receipt, and the
    hash is dropped after `idempotency_hours`."""
    return "public:" + keyed_hash(keys.receipt, f"source\0{address or ''}")[:32]


def tip_key_hash(keys: Keys, principal: str, idempotency_key: str) -> str:
    """The tip's `idempotency_hash`: unique, so a second INSERT with the key does nothing."""
    return keyed_hash(keys.receipt, f"idempotency\0{principal}\0{idempotency_key}")


def tip_body_hash(keys: Keys, body: bytes) -> str:
    """The tip's `request_hash`: a retry must send the same body."""
    return keyed_hash(keys.receipt, "body\0" + hashlib.sha256(body).hexdigest())


async def keyed_tip(session: AsyncSession, keys: Keys, keyed: KeyedRequest) -> Tip | None:
    """The tip holding this key, once its INSERT did nothing; 422 when it came with
    another body."""
    digest = tip_key_hash(keys, keyed.principal, keyed.key)
    found = (await session.exec(select(Tip).where(Tip.idempotency_hash == digest))).first()
    if found is not None and found.request_hash != tip_body_hash(keys, keyed.body):
        raise _reused()
    return found


async def release_expired_key(
    session: AsyncSession, settings: Settings, keyed: KeyedRequest, now: datetime
) -> bool:
    """True when the key was last used more than `idempotency_hours` ago: the old tip lets
    go of it (as `purge` does), and the key starts a new tip."""
    digest = tip_key_hash(keys_of(settings), keyed.principal, keyed.key)
    conn = await session.connection()
    released = await conn.execute(
        sa.update(_TIP)
        .where(
            _TIP.c.idempotency_hash == digest,
            _TIP.c.received_at < now - timedelta(hours=settings.idempotency_hours),
        )
        .values(idempotency_hash=None, request_hash=None)
    )
    return bool(released.rowcount)


# Both.


async def purge(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Stored responses older than `idempotency_hours` are dropped and keyed tips as old
    forget their key; the count of both."""
    cutoff = now - timedelta(hours=settings.idempotency_hours)
    dropped = await session.exec(
        sa.delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < cutoff)
    )
    released = await session.exec(
        sa.update(_TIP)
        .where(_TIP.c.idempotency_hash.is_not(None), _TIP.c.received_at < cutoff)
        .values(idempotency_hash=None, request_hash=None)
    )
    return int(dropped.rowcount or 0) + int(released.rowcount or 0)
