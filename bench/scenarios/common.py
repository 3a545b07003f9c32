"""Run lengths and the measuring loop shared by the scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Figure, Run, measure, wrk

BENCH = Path(__file__).resolve().parent.parent
POST_TIP = BENCH / "post_tip.lua"


@dataclass(frozen=True)
class Plan:
    runs: int = 3
    seconds: int = 10
    warmup: int = 3
    connections: int = 32
    million: bool = True
    sizes: tuple[int, ...] = (1_000, 1_000_000)

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

    def pair(
        self,
        ref: tuple[str, str, dict[str, Any]],
        ours: tuple[str, str, dict[str, Any]],
    ) -> tuple[Figure, Figure]:
        """The reference and ours measured in turns (ref, ours, ref, ours, …), both
        servers up, so that a burst of other work on the machine falls on both alike."""
        for _, url, kw in (ref, ours):
            wrk(url, seconds=self.warmup, connections=self.connections, **kw)
        runs: tuple[list[Run], list[Run]] = ([], [])
        for _ in range(self.runs):
            for side, (_, url, kw) in zip(runs, (ref, ours), strict=True):
                side.append(wrk(url, seconds=self.seconds, connections=self.connections, **kw))
        return Figure(ref[0], runs[0]), Figure(ours[0], runs[1])


FULL = Plan()
QUICK = Plan(runs=3, seconds=3, warmup=1, million=False, sizes=(1_000,))
