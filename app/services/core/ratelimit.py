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
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

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
    limiter: SlidingWindowCounterRateLimiter = field(
        default_factory=lambda: SlidingWindowCounterRateLimiter(MemoryStorage())
    )

    async def _check(self, rule: str, *identifiers: str) -> None:
        item = _parsed(rule)
        if not await self.limiter.hit(item, *identifiers):
            raise await _too_many(self.limiter, item, identifiers)

    async def check_lookup(self, receipt_key: str, address: str | None = None) -> None:
        """Raises TooManyRequests (429 + Retry-After) when over any limit; per source first."""
        await self._check(self.lookup_per_source, "lookup-src", self.source_of(address))
        await self._check(self.lookup_global, "lookup", "*")
        await self._check(self.lookup_per_receipt, "lookup", receipt_key)

    async def check_followup(self, receipt_key: str, address: str | None = None) -> None:
        await self._check(self.followup_per_source, "followup-src", self.source_of(address))
        await self._check(self.followup_global, "followup", "*")
        await self._check(self.followup_per_receipt, "followup", receipt_key)

    def source_of(self, address: str | None) -> str:
        """The counter key for a client address: a keyed hash, never the address."""
        return hmac.new(self.source_key, (address or "").encode(), hashlib.sha256).hexdigest()[:32]

    async def check_intake(self, address: str | None = None) -> None:
        """Per source first, so a flooder's refused tips do not eat the global budget."""
        await self._check(self.intake_per_source, "intake", self.source_of(address))
        await self._check(self.intake_global, "intake", "*")


@lru_cache(maxsize=64)
def _parsed(rule: str) -> RateLimitItem:
    return parse(rule)


async def _too_many(
    limiter: SlidingWindowCounterRateLimiter, item: RateLimitItem, identifiers: tuple[str, ...]
) -> TooManyRequests:
    stats = await limiter.get_window_stats(item, *identifiers)
    wait = max(1, math.ceil(stats.reset_time - time.time()))
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
