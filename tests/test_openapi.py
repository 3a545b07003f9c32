"""The committed contract in openapi/ is what the code serves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from app.api.contract import describe, offline_app
from app.api.operation_ids import OPERATION_IDS
from app.openapi_export import documents, render
from tests.conftest import TestDatabase, app_for, make_settings

OPENAPI = Path(__file__).resolve().parent.parent / "openapi"


def test_committed_openapi_matches_the_code(tmp_path: Path) -> None:
    docs = documents(make_settings(f"sqlite+aiosqlite:///{tmp_path}/o.db"))
    for name, doc in docs.items():
        committed = (OPENAPI / name).read_text(encoding="utf-8")
        assert committed == render(doc), (
            f"openapi/{name} is stale: run `labourwatch export-openapi` and commit it"
        )


def test_contract_paths_are_present(tmp_path: Path) -> None:
    docs = documents(make_settings(f"sqlite+aiosqlite:///{tmp_path}/o.db"))
    internal = docs["internal.json"]["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/service-accounts",
        "/api/v1/jurisdictions",
        "/api/v1/agencies",
        "/api/v1/violation-types",
        "/api/v1/audit",
        "/api/v1/audit/verify",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert path in internal, path
    public = docs["public.json"]["paths"]
    assert "/public/v1/violation-types" in public and "/api/v1/me" not in public
    errors = internal["/api/v1/jurisdictions"]["post"]["responses"]
    assert "application/problem+json" in errors["422"]["content"]


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op) for path, item in doc["paths"].items() for method, op in item.items()
    ]


def test_every_operation_has_a_short_stable_unique_camel_case_id(tmp_path: Path) -> None:
    docs = documents(make_settings(f"sqlite+aiosqlite:///{tmp_path}/o.db"))
    seen: list[str] = []
    for name, doc in docs.items():
        for method, path, op in _operations(doc):
            oid = op["operationId"]
            assert OPERATION_IDS.get((method.upper(), path)) == oid, (name, method, path, oid)
            assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", oid) and len(oid) <= 32, oid
            seen.append(oid)
    assert len(seen) == len(set(seen)), sorted(o for o in seen if seen.count(o) > 1)
    assert {"listEmployers", "signInspection", "submitTip", "issueToken"} <= set(seen)


def test_renaming_a_handler_keeps_its_operation_id() -> None:
    """The id comes from the (method, path) table, so a refactor that renames the Python
    function changes no generated client."""

    async def renamed_in_a_refactor() -> None:
        return None

    router = APIRouter()
    router.add_api_route("/api/v1/employers", renamed_in_a_refactor, methods=["GET"])
    app = offline_app(docs_prefix="", title="t", version="1")
    app.include_router(router)
    describe(app)
    assert app.openapi()["paths"]["/api/v1/employers"]["get"]["operationId"] == "listEmployers"


def test_schema_names_are_unique_and_free_of_module_paths(tmp_path: Path) -> None:
    docs = documents(make_settings(f"sqlite+aiosqlite:///{tmp_path}/o.db"))
    for doc in docs.values():
        schemas = doc["components"]["schemas"]
        assert not [n for n in schemas if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", n)]
        titles = [s.get("title", n) for n, s in schemas.items()]
        assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)
    inspection = docs["internal.json"]["components"]["schemas"]
    assert "CaseFinding" in inspection and "InspectionFinding" in inspection


@pytest.mark.parametrize(
    ("side", "prefix"), [("internal", ""), ("public", "/public"), ("all", ""), ("all", "/public")]
)
async def test_docs_pages_load_everything_from_this_server(
    db: TestDatabase, side: str, prefix: str
) -> None:
    """Swagger UI and ReDoc work on an intranet with no internet: every script, style and
    image the pages name, and the OpenAPI document, come from the app itself."""
    app = app_for(db, side=side)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://lw.test") as client:
        for page in (f"{prefix}/docs", f"{prefix}/redoc"):
            html = (await client.get(page)).raise_for_status().text
            absolute = re.findall(r"""(?:src|href|url)\s*[=:(]\s*['"]?(https?://[^'")\s]+)""", html)
            assert not [u for u in absolute if not u.startswith("http://lw.test")], absolute
            assets = re.findall(r"""(?:src|href)\s*=\s*['"](/[^'"]+)['"]""", html)
            assets += re.findall(r"""(?:url|spec-url)\s*:\s*['"](/[^'"]+)['"]""", html)
            assets += re.findall(r"""spec-url=['"](/[^'"]+)['"]""", html)
            assert any(a.endswith(".js") for a in assets), (page, assets)
            assert f"{prefix}/openapi.json" in assets, (page, assets)
            for asset in assets:
                answer = await client.get(asset)
                assert answer.status_code == 200 and answer.content, (page, asset)
            assert "validator.swagger.io" not in html


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(doc["components"]["schemas"][name])


def _enum_of(doc: dict[str, Any], prop: dict[str, Any]) -> list[Any] | None:
    """The fixed values a property may take (through $ref, anyOf with null, or const)."""
    for option in prop.get("anyOf", [prop]):
        if "$ref" in option:
            option = _schema(doc, option["$ref"].rsplit("/", 1)[1])
        if "enum" in option:
            return list(option["enum"])
        if "const" in option:
            return [option["const"]]
    return None


def test_fixed_value_fields_are_enums(tmp_path: Path) -> None:
    docs = documents(make_settings(f"sqlite+aiosqlite:///{tmp_path}/o.db"))
    internal, public = docs["internal.json"], docs["public.json"]
    fields = {
        "TokenPublic": ["token_type"],
        "MePublic": ["kind", "role", "permissions"],
        "CasePublic": ["status", "severity"],
        "CaseSummary": ["status", "severity"],
        "QueueCase": ["status", "severity"],
        "QueueItem": ["role", "status"],
        "AssignmentPublic": ["role", "status"],
        "AssignmentState": ["role", "status"],
        "RectificationPublic": ["status"],
        "ActionPublic": ["type", "referral_kind"],
        "ActionCreate": ["type"],
        "EscalationPublic": ["kind"],
        "TimelineEntry": ["actor_type"],
        "AuditEntryPublic": ["actor_type"],
        "ChangeAssignment": ["role", "status", "case_status", "severity"],
        "ChangePublic": ["change"],
        "TipPublic": ["channel", "status"],
        "TipCreated": ["channel", "status"],
        "TipDetail": ["channel", "status"],
        "StatsPlace": ["level"],
        "TeamMemberPublic": ["agency_kind"],
        "IssueTokenBody": ["grant_type"],
    }
    plain = []
    for model, names in fields.items():
        props = _schema(internal, model)["properties"]
        for name in names:
            prop = props[name]
            if prop.get("type") == "array":
                prop = prop["items"]
            if not _enum_of(internal, prop):
                plain.append(f"{model}.{name}")
    assert plain == []
    assert _enum_of(internal, _schema(internal, "TokenPublic")["properties"]["token_type"]) == [
        "bearer"
    ]
    for model, name in (
        ("TipReceipt", "status"),
        ("FollowupReceived", "status"),
        ("TipStatusPublic", "status"),
    ):
        assert _enum_of(public, _schema(public, model)["properties"][name]), (model, name)


def test_documents_declare_what_the_server_does(tmp_path: Path) -> None:
    docs = documents(make_settings(f"sqlite+aiosqlite:///{tmp_path}/o.db"))
    internal, public = docs["internal.json"], docs["public.json"]
    for doc in docs.values():
        assert doc["servers"] and doc["info"]["license"]["identifier"] == "Apache-2.0"
        for method, path, op in _operations(doc):
            assert "security" in op, (method, path)
            for code, answer in op["responses"].items():
                if code[0] in "45" and "text/html" not in str(op["responses"]):
                    assert list(answer["content"]) == ["application/problem+json"], (path, code)
                    assert "X-Request-ID" in answer["headers"]
            for param in op.get("parameters", []):
                if param["name"].endswith("_id") and param["in"] == "path":
                    assert param["schema"]["format"] == "uuid", (path, param)
    flows = internal["components"]["securitySchemes"]["OAuth2"]["flows"]
    assert set(flows) == {"password", "clientCredentials"}
    paths = internal["paths"]
    assert paths["/healthz"]["get"]["security"] == []
    assert paths["/api/v1/auth/token"]["post"]["security"] == []
    assert paths["/api/v1/me"]["get"]["security"] == [{"OAuth2": []}]
    for name, schema in internal["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            if field == "id" or field.endswith(("_id", "_ids")):
                text = json.dumps(prop)
                opaque = field in OPAQUE_IDS or (name, field) in FOREIGN_IDS
                assert "uuid" in text or opaque, (name, field, prop)

    employers = paths["/api/v1/employers"]
    assert "Link" in employers["get"]["responses"]["200"]["headers"]
    assert [p["name"] for p in employers["post"]["parameters"]] == ["Idempotency-Key"]
    conflict = employers["post"]["responses"]["409"]["content"]["application/problem+json"]
    assert conflict["schema"]["$ref"].endswith("/ConflictProblem")
    queue = paths["/api/v1/queue"]["get"]["responses"]
    assert "ETag" in queue["200"]["headers"] and "ETag" in queue["304"]["headers"]
    assert "Retry-After" in queue["503"]["headers"]
    token = paths["/api/v1/auth/token"]["post"]["responses"]["401"]
    assert token["content"]["application/problem+json"]["schema"]["$ref"].endswith("/TokenProblem")
    poster = paths["/api/v1/employers/{employer_id}/poster"]["get"]["responses"]["200"]
    assert all(
        c["schema"] == {"type": "string", "format": "binary"} for c in poster["content"].values()
    )
    problem = internal["components"]["schemas"]["ValidationProblem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])

    tips = public["paths"]["/public/v1/tips"]["post"]
    assert list(tips["requestBody"]["content"]) == ["application/json"]
    assert any(p["name"] == "Idempotency-Key" for p in tips["parameters"])
    assert "Retry-After" in tips["responses"]["429"]["headers"]
    multipart = public["paths"]["/public/v1/tips/with-attachments"]["post"]
    assert list(multipart["requestBody"]["content"]) == ["multipart/form-data"]
    for page in ("/", "/form", "/status"):
        assert page in public["paths"], page


# Audit and sign-off ids name any actor or entity ("system", a violation-type code), and
# a service account's client_id is a chosen name: none is a UUID.
OPAQUE_IDS = {"actor_id", "entity_id", "by_id", "client_id", "request_id"}
# Numbers other systems gave (a 12345 work order's `external_ref.id`, API.md's name).
FOREIGN_IDS = {("ExternalRef", "id")}
