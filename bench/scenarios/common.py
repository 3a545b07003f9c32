"""Run lengths and the measuring loop shared by the scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.harness import Figure, measure

BENCH = Path(__file__).resolve().parent.parent
POST_TIP = BENCH / "post_tip.lua"


@dataclass(frozen=True)
class Plan:
    runs: int = 3
    seconds: int = 10
    warmup: int = 3
    connections: int = 32
    million: bool = True

    def measure(self, name: str, url: str, **kw: object) -> Figure:
        return measure(
            name,
            url,
            runs=self.runs,
            warmup=self.warmup,
            seconds=self.seconds,
            connections=self.connections,
            **kw,
        )


FULL = Plan()
QUICK = Plan(runs=3, seconds=3, warmup=1, million=False)
