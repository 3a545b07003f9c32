"""The committed contract in openapi/ is what the code serves."""

from __future__ import annotations

from pathlib import Path

from app.openapi_export import documents, render
from tests.conftest import make_settings

OPENAPI = Path(__file__).resolve().parent.parent / "openapi"


def test_committed_openapi_matches_the_code(tmp_path: Path) -> None:
    docs = documents(make_settings(f"sqlite+aiosqlite:///{tmp_path}/o.db"))
    for name, doc in docs.items():
        committed = (OPENAPI / name).read_text(encoding="utf-8")
        assert committed == render(doc), (
            f"openapi/{name} is stale: run `labourwatch export-openapi` and commit it")


def test_contract_paths_are_present(tmp_path: Path) -> None:
    docs = documents(make_settings(f"sqlite+aiosqlite:///{tmp_path}/o.db"))
    internal = docs["internal.json"]["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/users", "/api/v1/service-accounts",
                 "/api/v1/jurisdictions", "/api/v1/agencies", "/api/v1/violation-types",
                 "/api/v1/audit", "/api/v1/audit/verify", "/healthz", "/readyz", "/metrics"):
        assert path in internal, path
    public = docs["public.json"]["paths"]
    assert "/public/v1/violation-types" in public and "/api/v1/me" not in public
    errors = internal["/api/v1/jurisdictions"]["post"]["responses"]
    assert "application/problem+json" in errors["422"]["content"]
