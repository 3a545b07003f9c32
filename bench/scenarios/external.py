"""Figures measured by other scripts in bench/ (statistics table, 100k import): run and quote."""

from __future__ import annotations

import re
import subprocess
import sys

from bench.harness import Row, app_env, pg_database
from bench.scenarios.common import BENCH, Plan


def _stats_met(text: str) -> bool | None:
    """stats_bench prints `… median of 3 155 ms …`: under a second?"""
    found = re.search(r"median of \d+ (\d+) ms", text)
    return None if found is None else int(found.group(1)) < 1000


def _import_met(text: str) -> bool | None:
    """import_employers prints `first: … seconds=12.6 peak_rss=139 MB`: < 30 s, < 250 MB?"""
    found = re.search(r"first:.*?seconds=([\d.]+) peak_rss=(\d+) MB", text)
    return None if found is None else float(found.group(1)) < 30 and int(found.group(2)) < 250


CHECKS = {"stats_bench.py": _stats_met, "import_employers.py": _import_met}

SCRIPTS: list[tuple[str, str, list[str], str]] = [
    ("statistics table, county with 1,000,000 findings", "stats_bench.py", [], "< 1 s"),
    ("100,000 employers imported (CSV)", "import_employers.py", [], "< 30 s, < 250 MB"),
]


def _run(script: str, args: list[str], env: dict[str, str], timeout: int) -> str:
    out = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    text = (out.stdout + out.stderr).strip()
    if out.returncode != 0:
        errors = [line for line in text.splitlines() if "Error" in line and ":" in line]
        return f"failed (exit {out.returncode}): {(errors or text.splitlines() or [''])[-1][:300]}"
    return text


def external(plan: Plan) -> list[Row]:
    import os

    rows = []
    for name, script, args, target in SCRIPTS:
        if not (BENCH / script).exists():
            rows.append(Row(name, None, note=f"bench/{script} not present", value="—"))
            continue
        small = ["--findings", "20000"] if "stats" in script else ["--rows", "10000"]
        extra = [] if plan.million else small
        with pg_database() as url:
            env = {**os.environ, **app_env(url)}
            text = _run(script, [*args, *extra], env, timeout=1800)
        last = " / ".join(line for line in text.splitlines()[-3:] if line.strip())
        rows.append(
            Row(
                f"{name} (PostgreSQL)",
                None,
                note=f"target {target}",
                value=last,
                checked=CHECKS[script](text) if plan.million else None,
            )
        )
    return rows
