"""Every change of a record's status goes through `domain.lifecycles.transition()`.

The lifecycle tables in `app/domain/lifecycles.py` are the rules of each record's states;
a service that assigns `.status` directly, or writes `status=` in an UPDATE, bypasses them
(a closed case "started" by a raw UPDATE, an inspection signed twice). This test reads the
source of every service and route and fails on any status write whose value is not
`transition(...)` (or a name bound from it in the same function). Creating a record in its
first state is not a change and is not checked here.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
CHECKED = [APP / "services", APP / "api", APP / "worker.py"]


def _sources() -> list[Path]:
    out: list[Path] = []
    for root in CHECKED:
        out.extend([root] if root.is_file() else sorted(root.rglob("*.py")))
    return out


# Functions that only ever return `transition(...)` (wrappers that turn its errors into
# 409/422); found in the sources below and accepted like `transition` itself.
HELPERS = {"transition"}


def _is_transition(node: ast.AST, bound: set[str]) -> bool:
    if isinstance(node, ast.Call):
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return name in HELPERS
    return isinstance(node, ast.Name) and node.id in bound


def _find_helpers(trees: list[ast.Module]) -> None:
    for tree in trees:
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef):
                returns = [n.value for n in ast.walk(fn) if isinstance(n, ast.Return)]
                if returns and all(r is not None and _is_transition(r, set()) for r in returns):
                    HELPERS.add(fn.name)


def _pairs(node: ast.Assign) -> list[tuple[ast.expr, ast.expr]]:
    """(target, value) of an assignment, element by element for `a.x, a.y = 1, 2`."""
    out: list[tuple[ast.expr, ast.expr]] = []
    for t in node.targets:
        if isinstance(t, ast.Tuple) and isinstance(node.value, ast.Tuple):
            out.extend(zip(t.elts, node.value.elts, strict=False))
        elif isinstance(t, ast.Tuple):
            out.extend((e, node.value) for e in t.elts)
        else:
            out.append((t, node.value))
    return out


def _bound_from_transition(fn: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            for target, value in _pairs(node):
                if isinstance(target, ast.Name) and _is_transition(value, set()):
                    names.add(target.id)
    return names


def status_writes_outside_lifecycles(paths: list[Path], root: Path = APP.parent) -> list[str]:
    """`file:line` of each status write whose value does not come from `transition()`."""
    found: list[str] = []
    trees = {path: ast.parse(path.read_text(), str(path)) for path in paths}
    _find_helpers(list(trees.values()))
    for path, tree in trees.items():
        scopes = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for fn in scopes:
            bound = _bound_from_transition(fn)
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign):
                    for target, value in _pairs(node):
                        if (
                            isinstance(target, ast.Attribute)
                            and target.attr == "status"
                            and not _is_transition(value, bound)
                        ):
                            found.append(f"{path.relative_to(root)}:{node.lineno}")
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "values"
                ):
                    for kw in node.keywords:
                        if kw.arg == "status" and not _is_transition(kw.value, bound):
                            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return sorted(set(found))


def test_every_status_change_goes_through_the_lifecycle_tables() -> None:
    assert status_writes_outside_lifecycles(_sources()) == []


def test_the_rule_catches_a_direct_status_write(tmp_path: Path) -> None:
    """The check itself: a direct write and a raw UPDATE are both found."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "async def close(case, session):\n"
        "    case.status = 'closed'\n"
        "    case.status, case.closed_at = 'closed', now\n"
        "    await session.exec(sa.update(Case).values(status='in_progress'))\n"
        "def _target(case):\n"
        "    return transition(CASE, case.status, 'close')\n"
        "def also_fine(case):\n"
        "    case.status = _target(case)\n"
        "def fine(case):\n"
        "    target = transition(CASE, case.status, 'close')\n"
        "    case.status = target\n"
    )
    assert status_writes_outside_lifecycles([bad], tmp_path) == ["bad.py:2", "bad.py:3", "bad.py:4"]
