"""Real error answers have the shape the committed OpenAPI documents declare for them.

A generated client parses a 422 into `ValidationProblem`, a 409 into `ConflictProblem`,
a token error into `TokenProblem`: the bodies the server really sends must fit.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from app.domain.taxonomy import Role
from tests.factories import World

OPENAPI = Path(__file__).resolve().parents[2] / "openapi"


def declared(doc: str, method: str, path: str, status: int) -> dict[str, Any]:
    spec = json.loads((OPENAPI / doc).read_text(encoding="utf-8"))
    responses = spec["paths"][path][method]["responses"]
    answer = responses.get(str(status)) or responses[f"{str(status)[0]}XX"]
    schema = answer["content"]["application/problem+json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    return {"name": name, **spec["components"]["schemas"][name]}


def assert_fits(r: httpx.Response, doc: str, method: str, path: str) -> str:
    """The body has every required member and none the schema does not name; enums hold."""
    assert r.headers["content-type"] == "application/problem+json", r.headers
    schema = declared(doc, method, path, r.status_code)
    body = r.json()
    assert set(schema["required"]) <= set(body), (schema["name"], body)
    assert set(body) <= set(schema["properties"]), (schema["name"], body)
    for key, value in body.items():
        options = schema["properties"][key].get("anyOf", [schema["properties"][key]])
        enums = [o["enum"] for o in options if "enum" in o]
        if enums and value is not None:
            assert value in enums[0], (key, value)
    return str(schema["name"])


def uscc_for(n: int) -> str:
    from app.domain.uscc import uscc_check_digit

    first17 = f"91130983MA{n:07d}"
    return first17 + uscc_check_digit(first17)


async def test_internal_errors_fit_their_declared_problems(
    client: httpx.AsyncClient, world: World
) -> None:
    coord = world.headers(Role.coordinator)
    home = str(world.places["home"].id)
    body = {
        "name": "某砖厂",
        "industry": "brick_kiln",
        "jurisdiction_id": home,
        "uscc": uscc_for(1),
    }
    assert (await client.post("/api/v1/employers", json=body, headers=coord)).status_code == 201
    taken = await client.post("/api/v1/employers", json={**body, "name": "别的名字"}, headers=coord)
    assert taken.status_code == 409
    assert assert_fits(taken, "internal.json", "post", "/api/v1/employers") == "ConflictProblem"
    assert uuid.UUID(taken.json()["existing_id"])

    invalid = await client.post("/api/v1/employers", json={"name": ""}, headers=coord)
    assert invalid.status_code == 422
    assert assert_fits(invalid, "internal.json", "post", "/api/v1/employers") == "ValidationProblem"
    assert all(set(e) == {"loc", "msg", "type"} for e in invalid.json()["errors"])

    anonymous = await client.get("/api/v1/me")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert assert_fits(anonymous, "internal.json", "get", "/api/v1/me") == "Problem"

    missing = await client.get(f"/api/v1/employers/{uuid.uuid4()}", headers=coord)
    assert missing.status_code == 404
    assert (
        assert_fits(missing, "internal.json", "get", "/api/v1/employers/{employer_id}") == "Problem"
    )


async def test_token_errors_carry_the_oauth2_error_code(
    client: httpx.AsyncClient, world: World
) -> None:
    token = "/api/v1/auth/token"
    cases = [
        (
            {"grant_type": "password", "username": "nobody", "password": "x" * 12},
            401,
            "invalid_grant",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "no", "client_secret": "x"},
            401,
            "invalid_client",
        ),
        ({"grant_type": "password"}, 400, "invalid_request"),
        ({"grant_type": "implicit"}, 400, "unsupported_grant_type"),
    ]
    for form, status, error in cases:
        r = await client.post(token, data=form)
        assert r.status_code == status, r.text
        assert assert_fits(r, "internal.json", "post", token) == "TokenProblem"
        assert r.json()["error"] == error


async def test_public_errors_fit_their_declared_problems(
    client: httpx.AsyncClient, world: World
) -> None:
    unknown = await client.post(
        "/public/v1/tips/lookup", json={"receipt": "AAAA-AAAA-AAAA-AAAA-AAAA"}
    )
    assert unknown.status_code == 404
    assert assert_fits(unknown, "public.json", "post", "/public/v1/tips/lookup") == "Problem"
    invalid = await client.post("/public/v1/tips", json={"description": ""})
    assert invalid.status_code == 422
    assert assert_fits(invalid, "public.json", "post", "/public/v1/tips") == "ValidationProblem"
