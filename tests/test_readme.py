"""The README stays true: its two commands, its walkthrough, every setting the code reads."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from app.config import Settings
from tests.e2e.serving import running_serve

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [
        f"LABOURWATCH_{name.upper()}"
        for name in Settings.model_fields
        if f"LABOURWATCH_{name.upper()}" not in README
    ]
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    first_screen = README.split("---", 1)[0]
    commands = [line for line in first_screen.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    assert "labourwatch serve" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def using_it() -> list[str]:
    """The shell lines of the README's "Using it" block, continuations joined."""
    section = README.split("## Using it", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found is not None
    text = found.group(1).replace("\\\n", " ")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_every_token_the_walkthrough_uses_is_set_before() -> None:
    lines = using_it()
    uses = [i for i, line in enumerate(lines) if "$TOKEN" in line]
    sets = [i for i, line in enumerate(lines) if line.startswith("TOKEN=")]
    assert uses and sets and sets[0] < uses[0], lines
    assert "jq" not in " ".join(lines)  # not installed on a fresh machine


def test_the_walkthrough_runs_pasted_against_a_real_server(tmp_path: Path) -> None:
    """The block as a user pastes it, against `labourwatch serve --demo` (on another port)."""
    with running_serve("sqlite", tmp_path) as (base, env):
        script = "\n".join(using_it()).replace("http://127.0.0.1:8000", base)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    me = json.loads(done.stdout.splitlines()[-1])
    assert (me["username"], me["role"]) == ("coordinator", "coordinator")
