"""Hostile input on write endpoints: a clear 4xx, never a 500, and nothing half-written.

Zip bombs, XML entity bombs and GBK garbage in imports are covered in
tests/api/test_import.py (test_zip_bomb_is_refused_before_unpacking,
test_xml_entities_are_not_expanded, test_gbk_garbage_does_not_break_the_import,
test_hostile_text_is_stored_as_text); image bombs in tests/api/test_tip_media.py.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
import sqlalchemy as sa

from app.db import transaction
from app.domain.taxonomy import Role
from app.models.audit import AuditEntry
from app.models.employers import Employer
from app.models.tips import Tip
from tests.conftest import TestDatabase
from tests.factories import World

HOSTILE = [
    "x'); DROP TABLE employer;--",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "' OR '1'='1",
    "=cmd|' /C calc'!A0",
    "\\u0000 %s %(x)s {0} ${jndi:ldap://x}",
]


async def counts(db: TestDatabase) -> tuple[int, int, int]:
    await db.seal_audit()
    async with transaction(db.sessionmaker) as session:
        out = []
        for model in (Employer, Tip, AuditEntry):
            out.append(
                (await session.exec(sa.select(sa.func.count()).select_from(model))).scalar_one()
            )  # type: ignore[call-overload]
        return out[0], out[1], out[2]


def deep(levels: int) -> bytes:
    return b'{"name":' + b"[" * levels + b"]" * levels + b"}"


def employer_body(world: World, text: str) -> dict[str, object]:
    return {
        "name": text,
        "industry": "brick_kiln",
        "jurisdiction_id": str(world.places["home"].id),
        "address": text,
        "licences": [{"kind": "business", "number": text[:64]}],
    }


def assert_problem(r: httpx.Response, *codes: int) -> None:
    assert r.status_code in codes, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers


@pytest.mark.parametrize("url", ["/api/v1/employers", "/public/v1/tips"])
async def test_oversized_and_deeply_nested_bodies_are_refused(
    client: httpx.AsyncClient, world: World, db: TestDatabase, url: str
) -> None:
    headers = {**world.headers(Role.coordinator), "content-type": "application/json"}
    before = await counts(db)
    # The tip-line path also takes attachments, so it has the upload limit.
    limit = (
        db.settings.max_upload_bytes if url.startswith("/public") else db.settings.max_body_bytes
    )
    big = b'{"name":"' + b"x" * (limit + 10) + b'"}'
    assert_problem(await client.post(url, content=big, headers=headers), 413)

    async def chunks() -> object:  # no Content-Length: counted while read
        for _ in range(limit // (1 << 20) + 2):
            yield b" " * (1 << 20)

    r = await client.post(url, content=chunks(), headers=headers)  # type: ignore[arg-type]
    assert_problem(r, 413)
    assert_problem(await client.post(url, content=deep(10_000), headers=headers), 400, 422)
    assert_problem(
        await client.post(url, content=b'{"name": "unterminated', headers=headers), 400, 422
    )
    assert_problem(
        await client.post(url, content=b"\xff\xfe\x00garbage", headers=headers), 400, 422
    )
    assert await counts(db) == before


async def test_malformed_multipart_to_the_import_is_a_4xx(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    url = "/api/v1/employers/import"
    auth = world.headers(Role.coordinator)
    before = await counts(db)
    bodies = [
        (b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end', "b"),
        (b"not multipart at all", "b"),
        (b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n", "b"),
        (b"--x\r\n\r\n--x--\r\n", ""),
    ]
    for body, boundary in bodies:
        ctype = f"multipart/form-data; boundary={boundary}" if boundary else "multipart/form-data"
        r = await client.post(url, content=body, headers={**auth, "content-type": ctype})
        assert_problem(r, 400, 422)
    r = await client.post(
        url, content=b"x" * 100, headers={**auth, "content-type": "application/octet-stream"}
    )
    assert_problem(r, 400, 415, 422)
    assert await counts(db) == before


async def test_sql_and_html_in_every_employer_field_are_stored_as_text(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers(Role.coordinator)
    for text in HOSTILE:
        r = await client.post("/api/v1/employers", json=employer_body(world, text), headers=headers)
        assert r.status_code == 201, r.text
        got = (await client.get(f"/api/v1/employers/{r.json()['id']}", headers=headers)).json()
        assert (got["name"], got["address"]) == (text, text)
        assert got["licences"][0]["number"] == text[:64]
        listed = await client.get("/api/v1/employers", params={"q": text[:20]}, headers=headers)
        assert listed.status_code == 200, listed.text


async def test_sql_and_html_in_every_tip_field_are_stored_as_text(
    client: httpx.AsyncClient, world: World
) -> None:
    office = world.headers(Role.coordinator)
    for text in HOSTILE:
        body = {
            "description": text,
            "employer_name": text,
            "address": text,
            "violation_types": ["wage_arrears"],
            "jurisdiction_id": str(world.places["home"].id),
            "contact": {"name": text, "phone": text[:40]},
        }
        r = await client.post(
            "/public/v1/tips", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        assert r.status_code == 201, r.text
        items = (await client.get("/api/v1/tips", headers=office)).json()["items"]
        tip_id = next(i["id"] for i in items if i["description"] == text)
        tip = (await client.get(f"/api/v1/tips/{tip_id}", headers=office)).json()
        assert (tip["description"], tip["employer_name"], tip["address"]) == (text, text, text)
        contact = await client.post(
            f"/api/v1/tips/{tip_id}/contact", headers=office, json={"reason": "核实举报内容"}
        )
        assert contact.status_code == 200, contact.text
        assert contact.json()["name"] == text and contact.json()["phone"] == text[:40]
        lookup = await client.post("/public/v1/tips/lookup", json={"receipt": r.json()["receipt"]})
        assert lookup.status_code == 200, lookup.text


async def test_a_nul_byte_in_text_is_a_4xx_and_writes_nothing(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    """PostgreSQL cannot store U+0000 in text; SQLite can. Either way, never a 500."""
    before = await counts(db)
    tip = await client.post(
        "/public/v1/tips", json={"description": "砖窑\u0000童工", "employer_name": "某\u0000厂"}
    )
    employer = await client.post(
        "/api/v1/employers",
        headers=world.headers(Role.coordinator),
        json=employer_body(world, "某砖窑\u0000厂"),
    )
    if db.is_postgres:
        assert_problem(tip, 422)
        assert_problem(employer, 422)
        assert await counts(db) == before
    else:
        assert tip.status_code == 201 and employer.status_code == 201
