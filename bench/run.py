"""Measure labourwatch against reference apps on this machine; print and write RESULTS.md.

    .venv/bin/python bench/run.py            # full: 3 runs × 10 s each, 1M-row queue
    .venv/bin/python bench/run.py --quick    # smoke: 3 runs × 3 s, no 1M seeding
    .venv/bin/python bench/run.py --only tips_pg,queue_304

Needs wrk and a PostgreSQL server at LABOURWATCH_TEST_PG (default
postgresql://postgres@127.0.0.1:5432; throwaway databases are created and dropped).
Every figure is the median of the runs, with its spread, and a ratio against a
reference app measured in the same session.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, Row
from bench.scenarios.common import FULL, QUICK, Plan
from bench.scenarios.external import external
from bench.scenarios.queue import queue_304, queue_pages
from bench.scenarios.scaleout import scale_out
from bench.scenarios.tips import form_page, tip_intake_pg, tip_intake_sqlite
from bench.topology import kept_section

RESULTS = ROOT / "bench" / "RESULTS.md"


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        or "unknown"
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    load = os.getloadavg()
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- commit: {commit}{' (with uncommitted changes)' if dirty else ''}",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), {mem / 1024 / 1024:.1f} GiB RAM, "
        f"Python {platform.python_version()}",
        f"- load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        "(other work on the machine lowers every figure; the ratios hold better)",
    ]


def fmt(row: Row) -> list[str]:
    f, met = row.figure, row.met
    verdict = "" if met is None else ("met" if met else "**missed**")
    if f is None:
        return [row.name, row.value or "—", "", "", "", "", row.target or row.note, verdict]
    bad = sum(r.non_2xx for r in f.runs)
    ref = f"{row.reference.rps:,.0f}/s" if row.reference else ""
    ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
    rps = f"{f.rps:,.0f}/s ±{f.spread * 50:.0f}%"
    lat = f"{f.p50_ms:.1f} / {f.p99_ms:.1f}"
    return [
        row.name + (f" ({bad} non-2xx/3xx)" if bad else ""),
        rps,
        lat,
        ref,
        ratio,
        str(len(f.runs)),
        row.target,
        verdict,
    ]


WHY = """## Why targets are missed, and what it would take

Profiles and the SQL of each path are in bench/README.md ("Where the time goes").

- **Tip intake (both backends)**: the audit chain no longer serialises writers
  (entries are sealed off the request path) and a JSON tip is one autocommitted
  statement on PostgreSQL, so the server is now CPU-bound: about 1.3-1.7 ms of
  Python per tip against the raw reference's 0.3 ms. The rest is spread thin:
  SQLAlchemy executing the one statement (~18% of samples), FastAPI's dependency
  solving, body and response handling (~20%), the middleware stack (~8%), the two
  rate-limit counters (~6%), the receipt, HMACs and contact encryption. 0.5x would
  need the intake path outside FastAPI's routing and SQLAlchemy (a bare ASGI
  handler on the asyncpg connection), giving up the shared error translation
  (503 and pool invalidation on a lost connection). p99 at 32 connections follows
  from throughput (Little's law: 32 / rate). On SQLite aiosqlite runs each of
  BEGIN, two INSERTs and COMMIT on its thread; the reference does one INSERT.
- **Queue page vs raw keyset**: one Core select of 17 columns, no ORM; what is
  left is SQLAlchemy's execution and result layers (~0.2 ms of ~1 ms per page) and
  building and serialising 50 items. Running the compiled statement on the asyncpg
  connection itself measured 0.38 ms against 0.60 ms, but bypasses the same error
  translation, so it was not done. The 1M page is within 1.5x of the 1k page.
- **2 workers**: on 2 cores shared with wrk and PostgreSQL, a second process has
  little CPU to gain.
"""


HEAD = [
    "figure",
    "requests/s (median ± half-spread)",
    "p50 / p99 ms",
    "reference",
    "ratio",
    "runs",
    "target",
    "verdict",
]


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in fmt(r)) + " |" for r in rows]
    return "\n".join(lines)


def scenarios(plan: Plan) -> dict[str, Callable[[], list[Row]]]:
    done: dict[str, list[Row]] = {}

    def tips_pg() -> list[Row]:
        done["tips_pg"] = tip_intake_pg(plan)
        return done["tips_pg"]

    def scale() -> list[Row]:
        return scale_out(plan)

    return {
        "tips_pg": tips_pg,
        "tips_sqlite": lambda: tip_intake_sqlite(plan),
        "queue_304": lambda: queue_304(plan),
        "queue_pages": lambda: queue_pages(plan),
        "form": lambda: form_page(plan),
        "scale_out": scale,
        "external": lambda: external(plan),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, no 1M seeding")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    chosen = scenarios(plan)
    names = [n for n in args.only.split(",") if n] or list(chosen)
    rows: list[Row] = []
    started = time.monotonic()
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        try:
            rows += chosen[name]()
        except Exception as exc:
            rows.append(Row(name, None, value=f"failed: {type(exc).__name__}: {exc}"[:300]))
        print(table(rows), file=sys.stderr, flush=True)
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            "Generated by `.venv/bin/python bench/run.py"
            f"{' --quick' if args.quick else ''}` — do not edit by hand; "
            "see bench/README.md for what each figure means and why a target is missed.",
            "",
            *machine(),
            f"- plan: {plan.runs} runs × {plan.seconds} s after a {plan.warmup} s warm-up, wrk "
            f"{plan.connections} connections, 2 threads; one uvicorn worker unless noted; "
            f"took {(time.monotonic() - started) / 60:.1f} min",
            "- tip intake servers run with LABOURWATCH_TIP_INTAKE_GLOBAL_RATE and "
            "LABOURWATCH_TIP_INTAKE_SOURCE_RATE set to 10000000/minute, so rate limiting is "
            "done on every request but never answers 429",
            "",
            table(rows),
            "",
            *[f"- {r.name}: {r.note}" for r in rows if r.note and r.figure is not None],
            "",
            WHY,
        ]
    )
    # bench/topology.py writes its own section; a rerun of this script keeps it
    kept = kept_section(Path(args.out))
    Path(args.out).write_text(text + ("\n\n" + kept if kept else ""))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
