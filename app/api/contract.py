"""The OpenAPI documents as client generators need them, and the docs pages that show them.

FastAPI writes the paths and the body models; this module finishes the document
with what the code does but FastAPI cannot see: the real problem+json shapes
(RFC 9457) of every error, the headers sent (`Link`, `ETag`, `Retry-After`,
`X-Request-ID`), the OAuth2 client-credentials flow beside the password one, and
`security: []` on open operations. It changes no behaviour, only the description.

The docs pages (Swagger UI and ReDoc) are served from files inside the installed
`fastapi-offline` package, never a CDN: inspectorates' intranets often have no
internet at all.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import Any, Literal

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field

from app.api.operation_ids import operation_id

LICENSE = {"name": "Apache-2.0", "identifier": "Apache-2.0"}
SERVERS = [{"url": "/", "description": "The server that serves this document"}]
SCHEME = "OAuth2"
TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret
PROBLEM_JSON = "application/problem+json"
RECEIPT_PATHS = (
    "/public/v1/tips/lookup",
    "/public/v1/tips/followups",
    "/public/v1/tips/followups/with-attachments",
)


class Problem(BaseModel):
    """An RFC 9457 problem: every error this API sends."""

    type: str = Field(
        description="A URI naming the kind of problem; `about:blank` when the status says it all."
    )
    title: str = Field(description="Short, the same for every problem of this kind.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(None, description="What went wrong this time, for a person.")
    instance: str | None = Field(None, description="The request path, when given.")
    request_id: str | None = Field(None, description="On 5xx answers: quote it when reporting.")


class FieldError(BaseModel):
    loc: list[str | int] = Field(
        description="Where: `body`/`query`/`path`/`header`, then field names and list indexes."
    )
    msg: str = Field(description="What is wrong (zh-CN on the public tip-line).")
    type: str = Field(description="A machine-readable kind, e.g. `missing`, `value_error`.")


class ValidationProblem(Problem):
    """422: the request has invalid fields; `errors` names each one."""

    errors: list[FieldError]


class ConflictProblem(Problem):
    """409: the thing exists already (`existing_id` names it), or a concurrent request
    with the same Idempotency-Key is in flight (retry after `Retry-After`)."""

    existing_id: uuid.UUID | None = None


class TokenProblem(Problem):
    """The token endpoint's errors, with the OAuth2 `error` code (RFC 6749 §5.2)."""

    error: (
        Literal["invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type"]
        | None
    ) = None


MODELS: tuple[type[BaseModel], ...] = (
    Problem,
    FieldError,
    ValidationProblem,
    ConflictProblem,
    TokenProblem,
)

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "This request's id, as sent or as made here; it is in the server's log.",
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Link": {
        "description": 'The next page, as `<url>; rel="next"` (RFC 8288); absent on the last page.',
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": "The version of this answer; send it back as `If-None-Match`.",
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {"description": "`Bearer`.", "schema": {"type": "string"}},
}


def offline_app(*, docs_prefix: str, **kwargs: Any) -> FastAPI:
    """A FastAPI app whose Swagger UI (`{docs_prefix}/docs`) and ReDoc (`{docs_prefix}/redoc`)
    load their scripts and styles from this server (`{docs_prefix}/docs-assets/`)."""
    app = FastAPIOffline(
        docs_url=f"{docs_prefix}/docs",
        redoc_url=f"{docs_prefix}/redoc",
        static_url=f"{docs_prefix}/docs-assets",
        swagger_ui_oauth2_redirect_url=f"{docs_prefix}/docs/oauth2-redirect",
        # Swagger UI would otherwise send the document to validator.swagger.io for a badge.
        swagger_ui_parameters={"validatorUrl": None},
        generate_unique_id_function=operation_id,
        license_info=LICENSE,
        servers=SERVERS,
        **kwargs,
    )
    return app


def describe(app: FastAPI) -> None:
    """Serve the finished document: called last, after the error handlers' own
    changes to it (fastapi-problem), which this replaces with the real shapes."""
    inner = app.openapi
    finished: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not finished:
            finished.append(finish(copy.deepcopy(inner())))
        return finished[0]

    app.openapi = openapi  # type: ignore[method-assign]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str, schema: str = "Problem", *headers: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": _ref(schema)}},
    }
    answer["headers"] = {
        h: {"$ref": f"#/components/headers/{h}"} for h in ("X-Request-ID", *headers)
    }
    return answer


def _add_components(doc: dict[str, Any]) -> None:
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    for model in MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    components["headers"] = HEADERS
    old = components.get("securitySchemes", {}).pop("OAuth2PasswordBearer", None)
    if old is not None:
        components["securitySchemes"][SCHEME] = {
            "type": "oauth2",
            "description": "Staff sign in with the password grant; agency systems' service "
            "accounts with client credentials. Both at the same token URL.",
            "flows": {
                "password": {"tokenUrl": TOKEN_URL, "scopes": {}},
                "clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": {}},
            },
        }


def _is_html(op: dict[str, Any]) -> bool:
    return any("text/html" in r.get("content", {}) for r in op["responses"].values())


def _finish_operation(method: str, path: str, op: dict[str, Any]) -> None:
    responses: dict[str, Any] = op["responses"]
    if _is_html(op):  # the reporting form answers every outcome, errors too, as a page
        for code in ("422", "4XX", "5XX"):
            responses.pop(code, None)
        responses["4XX"] = {
            "description": "The page again, saying what to change or why the "
            "tip-line cannot take it now.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
        for answer in responses.values():
            answer["headers"] = {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}}
        op["security"] = []
        return
    secured = False
    if op.get("security"):
        op["security"] = [{SCHEME: []}]
        secured = True
    else:
        op["security"] = []
    writes = method in ("post", "put", "patch", "delete")
    params = op.get("parameters", [])
    for param in params:  # some handlers take ids as text so a malformed one is a 404
        if (
            param["in"] == "path"
            and param["name"].endswith("_id")
            and param["schema"].get("type") == "string"
        ):
            param["schema"].setdefault("format", "uuid")
    if "422" in responses or writes or params:
        responses["422"] = _problem("Invalid fields; `errors` names each one.", "ValidationProblem")
    if path == TOKEN_URL:
        responses["400"] = _problem("A malformed grant (`error` says which).", "TokenProblem")
        responses["401"] = _problem("Wrong credentials.", "TokenProblem")
    elif secured:
        responses["401"] = _problem("No valid bearer token.", "Problem", "WWW-Authenticate")
        responses["403"] = _problem("Your role may not do this.")
    if any(p.get("in") == "path" for p in params):
        responses["404"] = _problem("Not found, or outside your agency's scope.")
    if path in RECEIPT_PATHS:
        responses["404"] = _problem("No tip has this receipt.")
    if writes and path != TOKEN_URL:
        responses["409"] = _problem(
            "Conflicts with what exists (`existing_id`), or the same Idempotency-Key is in flight.",
            "ConflictProblem",
            "Retry-After",
        )
    if path.startswith("/public/v1/tips"):
        responses["429"] = _problem(
            "Too many tips or lookups; wait `Retry-After` seconds.", "Problem", "Retry-After"
        )
    elif "429" in responses:  # a route's own limit (failed logins): its words, the shape
        responses["429"] = _problem(responses["429"]["description"], "Problem", "Retry-After")
    responses["4XX"] = _problem("Another client error.")
    responses["503"] = _problem(
        "The database is unreachable; retry after `Retry-After`.", "Problem", "Retry-After"
    )
    responses["5XX"] = _problem("An unexpected error; quote `request_id`.")
    for code, answer in responses.items():
        if not code.startswith(("2", "3")):
            continue
        headers = answer.setdefault("headers", {})
        if path == "/api/v1/queue":
            headers["ETag"] = {"$ref": "#/components/headers/ETag"}
        headers["X-Request-ID"] = {"$ref": "#/components/headers/X-Request-ID"}
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref", "").endswith("Page"):
            headers["Link"] = {"$ref": "#/components/headers/Link"}
        for media, body in answer.get("content", {}).items():
            if media.startswith("text/"):
                body.setdefault("schema", {"type": "string"})
            elif media != "application/json":
                body["schema"] = {"type": "string", "format": "binary"}


def _clear_name(name: str) -> str | None:
    """A generator-friendly name for a schema pydantic or FastAPI named mechanically:
    `Page_EmployerPublic_` → `EmployerPublicPage`, `Body_issueToken` → `IssueTokenBody`."""
    if match := re.fullmatch(r"Page_(\w+)_", name):
        return f"{match[1]}Page"
    if match := re.fullmatch(r"Body_([a-z])(\w*)", name):
        return f"{match[1].upper()}{match[2]}Body"
    return None


def _rename_schemas(doc: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(doc, ensure_ascii=False)
    renames = {
        n: c
        for n in doc.get("components", {}).get("schemas", {})
        if (c := _clear_name(n)) is not None
    }
    for name, clear in renames.items():
        text = text.replace(f'"#/components/schemas/{name}"', f'"#/components/schemas/{clear}"')
        text = text.replace(f'"{name}":', f'"{clear}":')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed.get("components", {}).get("schemas", {})
    for clear in renames.values():
        schemas[clear]["title"] = clear
    return renamed


def _hoist(node: Any, schemas: dict[str, Any]) -> Any:
    """Inline object schemas (bodies written out by hand in `openapi_extra`) become named
    components, so generators name their classes after the model, not the operation."""
    if isinstance(node, list):
        return [_hoist(v, schemas) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _hoist(v, schemas) for k, v in node.items()}
    name = node.get("title")
    if (
        node.get("type") == "object"
        and "properties" in node
        and isinstance(name, str)
        and re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)
        and schemas.get(name, node) == node
    ):
        schemas[name] = node
        return _ref(name)
    return node


def finish(doc: dict[str, Any]) -> dict[str, Any]:
    """Complete a FastAPI document (see the module's docstring); returns the new one."""
    doc = _rename_schemas(doc)
    _add_components(doc)
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            _finish_operation(method, path, op)
            if "requestBody" in op:
                op["requestBody"] = _hoist(op["requestBody"], doc["components"]["schemas"])
    schemas = doc["components"]["schemas"]
    for model in MODELS:  # a document declares only the problems it can answer with
        ref = json.dumps(f"#/components/schemas/{model.__name__}")
        if not any(
            ref in json.dumps(s) for n, s in schemas.items() if n != model.__name__
        ) and ref not in json.dumps(doc["paths"]):
            del schemas[model.__name__]
    return doc
