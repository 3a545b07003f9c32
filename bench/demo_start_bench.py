"""`labourwatch serve --demo` on a fresh SQLite file, as the README's first command runs it:
the time until /readyz answers, wall and CPU.

    .venv/bin/python bench/demo_start_bench.py [--runs N]

Each run starts the command in an empty folder of its own (no LABOURWATCH_* settings, so
the embedded default: a new labourwatch.db, a generated key), waits for /readyz, and reads
the process's CPU time then (user + system, every thread: the SQLite thread and the
documents' font cutting included) from /proc. The whole campaign is loaded before the
port opens, so that is what a new user waits for. Target: ready in < 15 s of CPU.

Prints `serve --demo start: median of N: ready W s wall, C s CPU (runs: …)`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import LW, started_server

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a running process, every thread (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def one_start(folder: Path) -> tuple[float, float]:
    """Wall seconds until /readyz answers, and the process's CPU seconds by then."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABOURWATCH_")}
    started = time.monotonic()
    with started_server(
        [LW, "serve", "--demo", "--port", "{port}"],
        env=env,
        inherit_env=False,
        ready="/readyz",
        cwd=folder,
        within=180,
    ) as (_base, proc):
        return time.monotonic() - started, cpu_seconds(proc.pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="lw-demo-") as tmp:
        for i in range(args.runs):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            runs.append(one_start(folder))
            print(f"run {i + 1}: ready {runs[-1][0]:.1f} s wall, {runs[-1][1]:.1f} s CPU")
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    each = ", ".join(f"{w:.1f}/{c:.1f}" for w, c in runs)
    print(
        f"serve --demo start: median of {len(runs)}: ready {wall:.1f} s wall, {cpu:.1f} s CPU "
        f"(runs, wall/CPU s: {each})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
