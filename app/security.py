"""Tokens, password hashes and keyed hashes. The only module that imports jose and pwdlib.

python-jose verifies a signature but does not insist that `exp`, `aud` or
`iss` be present, and accepts whatever algorithm list it is given; so one
algorithm is fixed here and every required claim is checked by our own code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jose import JWTError, jwt
from pwdlib import PasswordHash

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")
_hasher = PasswordHash.recommended()
# Verifying against this keeps a login for an unknown user as slow as for a known one.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class InvalidToken(Exception):
    """The token is missing a claim, expired, for someone else, or forged."""


@dataclass(frozen=True, slots=True)
class Keys:
    """Keys derived from the one secret; each purpose gets its own."""

    jwt: bytes
    receipt: bytes
    contact: bytes
    webhook: bytes
    identity: bytes
    """Keyed hashes of the ID numbers of persons on cases (finding one again on import)."""


@lru_cache(maxsize=8)
def derive_keys(secret: str) -> Keys:
    def sub(label: str) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"labourwatch/{label}".encode()
        ).derive(secret.encode())

    return Keys(
        jwt=sub("jwt"),
        receipt=sub("receipt"),
        contact=sub("contact"),
        webhook=sub("webhook"),
        identity=sub("identity"),
    )


def issue_token(
    keys: Keys,
    *,
    subject: str,
    issuer: str,
    audience: str,
    ttl_seconds: int,
    extra: dict[str, Any] | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": secrets.token_hex(8),
    }
    claims.update(extra or {})
    return str(jwt.encode(claims, keys.jwt, algorithm=ALGORITHM))


def read_token(keys: Keys, token: str, *, issuer: str, audience: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("unexpected algorithm")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            keys.jwt,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_aud": True,
                "require_iss": True,
                "require_sub": True,
                "leeway": 0,
            },
        )
    except JWTError as exc:
        raise InvalidToken(str(exc)) from exc
    missing = [c for c in REQUIRED_CLAIMS if c not in claims]
    if missing:
        raise InvalidToken(f"missing claims: {', '.join(missing)}")
    now = time.time()
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= now:
        raise InvalidToken("expired")
    if not isinstance(claims["iat"], int | float) or claims["iat"] > now + 60:
        raise InvalidToken("issued in the future")
    if claims["iss"] != issuer or claims["aud"] != audience:
        raise InvalidToken("wrong issuer or audience")
    return claims


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# Argon2 costs tens of milliseconds of CPU and 64 MiB by design. Run on the event loop it
# stalls every other request of the process (a four-client login flood made /healthz ten
# times slower); so the async callers below run it in worker threads (argon2-cffi lets go
# of the GIL), at most this many at once: a flood waits its turn instead of taking every
# thread of the pool (which file reads and sync routes share) or all the memory.
HASH_THREADS = 2
_LIMITER: RunVar[CapacityLimiter] = RunVar("labourwatch_hash_limiter")


def _hash_limiter() -> CapacityLimiter:
    """One limiter per event loop (as anyio keeps its own default one)."""
    try:
        return _LIMITER.get()
    except LookupError:
        made = CapacityLimiter(HASH_THREADS)
        _LIMITER.set(made)
        return made


async def hash_password_off_loop(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_hash_limiter())


async def verify_password_off_loop(password: str, password_hash: str | None) -> bool:
    """`verify_password` in a worker thread; as slow for an unknown account as a known one."""
    return await anyio.to_thread.run_sync(
        verify_password, password, password_hash, limiter=_hash_limiter()
    )


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed login, not a crash
        return False


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256: the database alone cannot be searched for the value."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def encrypt(key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def decrypt(key: bytes, blob: bytes, *, context: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:12], blob[12:], context)
