"""Failed logins slow the next ones down: per account name and per source, growing delays.

Without a limit a password can be guessed at the speed of the hash (60 wrong
passwords, then the right one, were all answered). So `POST /auth/token` (both
grants) and `POST /me/password` count failures under two keys:

- the account name (username or client id) — one account guessed from many places;
- the source, an HMAC of the peer address under a random key made per process and
  never written anywhere (as the tip-line's limiter does) — many accounts guessed
  from one place. Its threshold is higher: an office behind one NAT address shares it.

After `login_max_failures` failures of a key (`login_max_failures_per_source` for a
source) every attempt under it is answered 429 with `Retry-After` until the lockout
ends — a right password too, or the lockout would tell a guesser when it had guessed
right. Each further failure doubles the lockout, from `login_lockout_seconds` up to
`login_lockout_max_seconds` (NIST SP 800-63B §5.2.2, "rate limiting"). The 429 is the
same whether or not the account exists: the name key is counted either way, so the
answer tells nothing about which names are real. A success clears its name's count
(not the source's: a valid account would otherwise reset the count of a source that
sprays guesses at others). A key with no failure for `FORGET_AFTER` seconds is
forgotten, and at most `MAX_KEYS` are held (the oldest go first), so what an
anonymous client can make us keep is bounded.

The counters live in memory, per process. A database counter on the account row was
considered and left out: a failed login would have to write in a transaction of its
own (the request's is rolled back with its 401), so a password-guessing flood would
become a write flood on the database every official depends on; and a name that
names no account has no row, so unknown names would be throttled differently from
real ones — which is exactly the difference the identical 429 hides. The cost of
memory: with P processes a guesser gets at most P × `login_max_failures` tries before
every process locks the name, and each lockout then grows in each process; with the
usual two to four workers that stays a handful of guesses per lockout window.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from app.config import Settings
from app.errors import TooManyRequests

EXTRAS_KEY = "login_throttle"
FORGET_AFTER = 24 * 3600
MAX_KEYS = 100_000


@dataclass(slots=True)
class _Count:
    failures: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0


@dataclass
class LoginThrottle:
    max_failures: int = 5
    max_failures_per_source: int = 20
    lockout_seconds: float = 30.0
    lockout_max_seconds: float = 900.0
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    _counts: OrderedDict[str, _Count] = field(default_factory=OrderedDict, repr=False)

    def keys(self, name: str, address: str | None) -> tuple[str, str]:
        """Counter keys: keyed hashes, so neither names typed nor addresses are held."""

        def mac(label: str, value: str) -> str:
            return hmac.new(self.key, f"{label}\0{value}".encode(), hashlib.sha256).hexdigest()[:32]

        return mac("name", name.strip().casefold()), mac("source", address or "")

    def check(self, name: str, address: str | None) -> None:
        """Raises TooManyRequests (429 + Retry-After) while either key is locked out."""
        now = time.time()
        until = max(
            (self._live(k, now).locked_until for k in self.keys(name, address)), default=0.0
        )
        if until > now:
            raise TooManyRequests(
                "Too many failed logins; wait before trying again.",
                headers={"Retry-After": str(max(1, math.ceil(until - now)))},
            )

    def failed(self, name: str, address: str | None) -> None:
        now = time.time()
        name_key, source_key = self.keys(name, address)
        for key, limit in (
            (name_key, self.max_failures),
            (source_key, self.max_failures_per_source),
        ):
            count = self._live(key, now)
            count.failures += 1
            count.last_failure = now
            self._counts[key] = count
            self._counts.move_to_end(key)
            if count.failures >= limit:
                doublings = min(count.failures - limit, 32)
                count.locked_until = now + min(
                    self.lockout_max_seconds, self.lockout_seconds * 2**doublings
                )
        while len(self._counts) > MAX_KEYS:
            self._counts.popitem(last=False)

    def succeeded(self, name: str, address: str | None) -> None:
        self._counts.pop(self.keys(name, address)[0], None)

    def _live(self, key: str, now: float) -> _Count:
        count = self._counts.get(key)
        if count is None:
            return _Count()
        if count.last_failure + FORGET_AFTER < now and count.locked_until < now:
            del self._counts[key]
            return _Count()
        return count


def throttle_for(extras: dict[str, object], s: Settings) -> LoginThrottle:
    """The app instance's throttle (`runtime.extras`), made on first use from the settings."""
    found = extras.get(EXTRAS_KEY)
    if isinstance(found, LoginThrottle):
        return found
    made = LoginThrottle(
        max_failures=s.login_max_failures,
        max_failures_per_source=s.login_max_failures_per_source,
        lockout_seconds=s.login_lockout_seconds,
        lockout_max_seconds=s.login_lockout_max_seconds,
    )
    extras[EXTRAS_KEY] = made
    return made
