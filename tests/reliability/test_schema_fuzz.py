"""Schemathesis against both OpenAPI documents, through the in-process app.

Every operation of openapi/internal.json (as a coordinator and as an admin) and
openapi/public.json gets a few generated requests (deterministic: derandomized,
no example database). Each answer must not be a server error, and its status
code, content type and body must be ones the document declares. Cases are
generated synchronously by Hypothesis, then sent with the async test client on
the test's own event loop, so the app runs exactly as in the other API tests.
Run on SQLite only: on both backends the generated traffic is the same and the
PostgreSQL pass would double the time the reliability suite may take (~60 s);
PostgreSQL-specific failure modes are covered by test_pg_restart and the API tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.case import Case as _Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.domain.taxonomy import Role
from tests.conftest import TestDatabase
from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]
Case = _Case[Any]
EXAMPLES = 4
# Answers that are files: only their status code and content type are checked.
FILE_TYPES = (
    "text/csv",
    "application/vnd.openxmlformats",
    "image/",
    "application/pdf",
    "text/html",
    "application/zip",
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


def _operations(name: str) -> list[Any]:
    schema = schemathesis.openapi.from_path(ROOT / "openapi" / f"{name}.json")
    return [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


def _cases(operation: Any) -> list[Case]:
    found: list[Case] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def collect(case: Case) -> None:
        found.append(case)

    collect()
    return found[:EXAMPLES]


async def _send(client: httpx.AsyncClient, case: Case, headers: dict[str, str]) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url="http://test", headers=headers)
    prepared = requests.Request(
        **{
            k: kwargs.get(k)
            for k in ("method", "url", "headers", "params", "json", "data", "files", "cookies")
        }
    ).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in prepared.headers.items()}
    return await client.request(
        prepared.method or "GET", prepared.url or "", headers=headers, content=body
    )  # type: ignore[arg-type]


def _problem_422(response: httpx.Response) -> bool:
    """A 422 in the shape app/errors.py sends: type, title, status and errors of loc + msg.

    Checked on top of the document's ValidationProblem schema, which allows more.
    """
    body = response.json()
    return {"type", "title", "status", "errors"} <= set(body) and all(
        isinstance(e.get("loc"), list) and isinstance(e.get("msg"), str) for e in body["errors"]
    )


def _check(case: Case, response: httpx.Response) -> str | None:
    ctype = response.headers.get("content-type", "")
    checks = list(CHECKS)
    page = ctype.startswith("text/html")  # the reporting form answers errors as a page
    if response.status_code == 422 and not page and not _problem_422(response):
        return f"{case.operation.label} → 422 not a problem+json with errors: {response.text}"
    if not ctype.startswith(FILE_TYPES):
        checks.append(response_schema_conformance)
    try:
        case.validate_response(response, checks=checks)
    except (AssertionError, FailureGroup) as exc:
        return (
            f"{case.operation.label} → {response.status_code}: {str(exc)[:400]}\n"
            f"  sent: {case.as_curl_command()[:400]}"
        )
    return None


async def _fuzz(client: httpx.AsyncClient, document: str, headers: dict[str, str]) -> list[str]:
    problems: list[str] = []
    for operation in _operations(document):
        for case in _cases(operation):
            response = await _send(client, case, headers)
            if (problem := _check(case, response)) is not None:
                problems.append(problem)
    return problems


@pytest.mark.parametrize("role", [Role.coordinator, Role.admin])
async def test_internal_api_answers_what_its_document_declares(
    client: httpx.AsyncClient, world: World, db: TestDatabase, role: Role
) -> None:
    if db.is_postgres:
        pytest.skip("schema fuzzing runs on SQLite only (time budget; see the module doc)")
    problems = await _fuzz(client, "internal", world.headers(role))
    assert not problems, "\n".join(problems)


async def test_public_api_answers_what_its_document_declares(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    if db.is_postgres:
        pytest.skip("schema fuzzing runs on SQLite only (time budget; see the module doc)")
    problems = await _fuzz(client, "public", {})
    assert not problems, "\n".join(problems)


def test_both_documents_are_fuzzed() -> None:
    assert {len(_operations(n)) > 0 for n in ("internal", "public")} == {True}
    assert json.loads((ROOT / "openapi" / "public.json").read_text())["paths"]
