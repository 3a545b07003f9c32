"""The README stays true: its two commands, and every setting the code reads."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [f"LABOURWATCH_{name.upper()}" for name in Settings.model_fields
               if f"LABOURWATCH_{name.upper()}" not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    first_screen = README.split("---", 1)[0]
    commands = [line for line in first_screen.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    assert "labourwatch serve" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()
