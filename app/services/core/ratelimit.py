"""Abuse limits for the public tip-line: short-lived in-memory counters, no client address.

The tip-line keeps no IP, so limits are keyed on what a request carries:

- lookups and follow-ups by receipt are limited per receipt hash (guessing one
  receipt again and again), per source and per process overall (guessing many
  receipts); with 99-bit receipts the global ceiling makes guessing hopeless,
  and the per-source limit, well below it, keeps one guesser from using up the
  global budget and locking every honest tipster out;
- intake has a limit per source and one high per-process ceiling: a flood from
  one address is slowed with 429 and `Retry-After` while everyone else still
  gets through. Behind a load balancer the address is the one the balancer puts
  in X-Forwarded-For, read from LABOURWATCH_TRUSTED_PROXIES only; without that
  setting every tipster would share the balancer's bucket. Scripts that retry
  with their Idempotency-Key lose and duplicate nothing.

A source is an HMAC of the client address under a random key made per
process and never written anywhere; only that hash is held, as a counter key,
for the counter's window, and the address itself is neither kept nor logged.
The per-source limit is checked first, so a source's refused requests do not
consume the global budget.

State lives per app instance (`runtime.extras`), so tests and several apps in
one process do not share counters, and it vanishes with the process.

The counters are `limits`' sliding window counter (the same arithmetic, see
`SlidingWindows`), kept in a plain dict and checked without awaiting: every tip
of a flood passes two of them, and `limits`' asyncio storage (a lock, a task
and several awaits per hit) cost more than the rest of the check together.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass, field
from functools import lru_cache

from limits import RateLimitItem, parse

from app.config import Settings
from app.errors import TooManyRequests

EXTRAS_KEY = "tip_rate_limits"


@dataclass
class TipRateLimits:
    lookup_per_receipt: str = "10/minute"
    lookup_per_source: str = "30/minute"
    lookup_global: str = "300/minute"
    followup_per_receipt: str = "5/minute"
    followup_per_source: str = "10/minute"
    followup_global: str = "120/minute"
    intake_global: str = "60000/minute"
    intake_per_source: str = "30/minute"
    source_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    limiter: SlidingWindows = field(default_factory=lambda: SlidingWindows())

    def check(self, rule: str, *identifiers: str) -> None:
        item = _parsed(rule)
        key = item.key_for(*identifiers)
        if not self.limiter.hit(key, item.amount, item.get_expiry()):
            raise _too_many(self.limiter.reset_at(key, item.get_expiry()))

    async def check_lookup(self, receipt_key: str, address: str | None = None) -> None:
        """Raises TooManyRequests (429 + Retry-After) when over any limit; per source first."""
        self.check(self.lookup_per_source, "lookup-src", self.source_of(address))
        self.check(self.lookup_global, "lookup", "*")
        self.check(self.lookup_per_receipt, "lookup", receipt_key)

    async def check_followup(self, receipt_key: str, address: str | None = None) -> None:
        self.check(self.followup_per_source, "followup-src", self.source_of(address))
        self.check(self.followup_global, "followup", "*")
        self.check(self.followup_per_receipt, "followup", receipt_key)

    def source_of(self, address: str | None) -> str:
        """The counter key for a client address: a keyed hash, never the address."""
        return hmac.new(self.source_key, (address or "").encode(), hashlib.sha256).hexdigest()[:32]

    async def check_intake(self, address: str | None = None) -> None:
        self.check_intake_now(address)

    def check_intake_now(self, address: str | None = None) -> None:
        """Per source first, so a flooder's refused tips do not eat the global budget."""
        self.check(self.intake_per_source, "intake", self.source_of(address))
        self.check(self.intake_global, "intake", "*")


class SlidingWindows:
    """Sliding window counters, as `limits`' SlidingWindowCounterRateLimiter counts them:
    windows aligned on multiples of the limit's period, and a hit allowed while the
    previous window's count, weighted by the share of it still inside the sliding
    window, plus the current window's count stays within the limit.

    `counts` maps a counter key to (period, window number, hits in that window, hits
    in the one before). Keys whose windows have both passed are dropped at most once a
    second, so a flood from many sources holds memory for a window or two only.
    """

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, int, int, int]] = {}
        self._swept = 0.0

    def _window(self, key: str, expiry: int, now: float) -> tuple[int, int, int]:
        """(window number, hits in it, hits in the previous window) at `now`."""
        number = int(now // expiry)
        found = self.counts.get(key)
        if found is None:
            return number, 0, 0
        _, held, current, previous = found
        if held == number:
            return number, current, previous
        return number, 0, current if held == number - 1 else 0

    def hit(self, key: str, limit: int, expiry: int) -> bool:
        now = time.time()
        if now - self._swept > 1.0:
            self._sweep(now)
        number, current, previous = self._window(key, expiry, now)
        weight = 1 - (now / expiry) % 1
        if math.floor(previous * weight + current) + 1 > limit:
            return False
        self.counts[key] = (expiry, number, current + 1, previous)
        return True

    def reset_at(self, key: str, expiry: int) -> float:
        """When the counter next lets a hit through, as `limits`' window stats say."""
        now = time.time()
        _, current, previous = self._window(key, expiry, now)
        if not (previous or current):
            return now
        fraction = (now / expiry) % 1
        previous_in = current_in = math.inf
        if previous:
            previous_in = ((1 - fraction) * expiry) % (expiry / previous)
        if current:
            current_in = ((1 - fraction) * expiry + expiry) % expiry
        return now + min(previous_in, current_in)

    def _sweep(self, now: float) -> None:
        self._swept = now
        stale = [
            key
            for key, (expiry, number, _, _) in self.counts.items()
            if int(now // expiry) > number + 1
        ]
        for key in stale:
            del self.counts[key]


@lru_cache(maxsize=64)
def _parsed(rule: str) -> RateLimitItem:
    return parse(rule)


def _too_many(reset_at: float) -> TooManyRequests:
    wait = max(1, math.ceil(reset_at - time.time()))
    return TooManyRequests(
        "请求过于频繁，请稍后再试。Too many requests; retry later.",
        headers={"Retry-After": str(wait)},
    )


def limits_for(extras: dict[str, object], s: Settings) -> TipRateLimits:
    """The app instance's limiter (`runtime.extras`), made on first use from the settings."""
    found = extras.get(EXTRAS_KEY)
    if isinstance(found, TipRateLimits):
        return found
    made = TipRateLimits(
        lookup_per_receipt=s.tip_lookup_rate,
        lookup_per_source=s.tip_lookup_source_rate,
        lookup_global=s.tip_lookup_global_rate,
        followup_per_receipt=s.tip_followup_rate,
        followup_per_source=s.tip_followup_source_rate,
        followup_global=s.tip_followup_global_rate,
        intake_global=s.tip_intake_global_rate,
        intake_per_source=s.tip_intake_source_rate,
    )
    extras[EXTRAS_KEY] = made
    return made
