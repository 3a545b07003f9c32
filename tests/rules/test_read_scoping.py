"""Read scoping lives in one place: `app/services/core/access.py` (and, for the umbrella
part of a case, `app/services/core/case_visibility.py`).

A service that compares a row's agency with the caller's, or filters by the caller's
jurisdiction path itself, is a second copy of the rule that the next change will miss.
This test reads the source of every service and route and fails wherever the caller's
agency or place (`actor.agency_id`, `actor.jurisdiction_path`, `actor.jurisdiction_id`) is
read outside those two modules. The few places that only *show* or *record* who acted are
listed with why.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCOPE_ATTRIBUTES = {"agency_id", "jurisdiction_path", "jurisdiction_id"}
THE_RULE = {"app/services/core/access.py", "app/services/core/case_visibility.py"}
NOT_SCOPING = {
    "app/auditlog.py": "records who acted and where, on every write",
    "app/api/routes/auth.py": "GET /me shows callers their own agency and place",
}


def _is_actor(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "actor") or (
        isinstance(node, ast.Attribute) and node.attr == "actor"
    )


def scope_reads_outside_access(root: Path) -> list[str]:
    found: list[str] = []
    for path in sorted((root / "app").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in THE_RULE or rel in NOT_SCOPING:
            continue
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in SCOPE_ATTRIBUTES
                and _is_actor(node.value)
            ):
                found.append(f"{rel}:{node.lineno} actor.{node.attr}")
    return found


def test_read_scoping_is_decided_only_in_access() -> None:
    assert scope_reads_outside_access(ROOT) == []


def test_the_rule_finds_an_own_agency_comparison(tmp_path: Path) -> None:
    (tmp_path / "app/services").mkdir(parents=True)
    (tmp_path / "app/services/notes.py").write_text(
        "def get(note, actor):\n"
        "    if str(note.agency_id) != actor.agency_id:\n"
        "        raise NotFound()\n"
        "    return q.where(col(N.path).startswith(self.actor.jurisdiction_path))\n"
    )
    assert scope_reads_outside_access(tmp_path) == [
        "app/services/notes.py:2 actor.agency_id",
        "app/services/notes.py:4 actor.jurisdiction_path",
    ]
