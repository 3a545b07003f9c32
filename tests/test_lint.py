"""ruff and mypy are part of the suite: the code stays lint-clean and typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_is_clean() -> None:
    done = _run(str(BIN / "ruff"), "check", "app", "tests", "migrations", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_applied() -> None:
    """One formatter: `ruff format` leaves every file as it is."""
    done = _run(
        str(BIN / "ruff"), "format", "--check", "app", "tests", "migrations", "bench", "examples"
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean() -> None:
    done = _run(str(BIN / "mypy"), "app")
    assert done.returncode == 0, done.stdout + done.stderr
