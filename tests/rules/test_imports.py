"""The house's rooms hold: the import contracts in pyproject.toml, and no hidden cycles.

`lint-imports` checks the contracts (service contexts depend downward only; the domain
imports nothing of ours; no web framework below the API). An import written inside a
function is how a cycle hides from it, so none is allowed outside the command line's lazy
edges (`app/cli.py` loads a subcommand's modules only when it runs).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAZY_EDGES = {"app/cli.py"}


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contracts_are_kept() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_a_registry_service_importing_cases_breaks_the_contract(tmp_path: Path) -> None:
    """The contract itself: the reference data must not depend on cases."""
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    reference = tmp_path / "app/services/registry/reference.py"
    reference.write_text(reference.read_text() + "\nfrom app.services.cases import cases  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "app.services.registry is not allowed to import app.services.cases" in result.stdout
    assert "app.services.registry.reference -> app.services.cases.cases" in result.stdout


def function_level_imports(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "app").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in LAZY_EDGES:
            continue
        tree = ast.parse(path.read_text(), rel)
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                found += [
                    f"{rel}:{n.lineno}"
                    for n in ast.walk(fn)
                    if isinstance(n, ast.Import | ast.ImportFrom)
                ]
    return sorted(set(found))


def test_no_import_is_hidden_inside_a_function() -> None:
    assert function_level_imports(ROOT) == []


def test_the_rule_finds_an_import_inside_a_function(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app/late.py").write_text("def f():\n    from app import cases\n    return cases\n")
    assert function_level_imports(tmp_path) == ["app/late.py:2"]
