"""Documents (文书): numbered, rendered as PDF and Word, served, and what a fine needs."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import threading

import docx
import httpx
import pikepdf
import pytest
import sqlalchemy as sa

from app.clock import today
from app.domain.taxonomy import AgencyKind, Role
from app.services.cases.document_render import cjk_font
from app.services.cases.documents import FACE_CUTTER
from app.services.demo.demo_story import demo_uscc
from tests.cases_support import file, make_employer, serve_decision
from tests.conftest import TestDatabase
from tests.factories import World

BASIS = ["《劳动保障监察条例》第二十六条", "《中华人民共和国劳动合同法》第八十五条"]


async def _accepted(
    client: httpx.AsyncClient,
    world: World,
    db: TestDatabase,
    *,
    uscc: str | None = None,
    name: str = "黄骅市旺达建材有限公司",
) -> tuple[str, dict[str, str]]:
    await file(db, await make_employer(db, world, name=name, uscc=uscc), "wage_arrears")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    aid = (await client.get("/api/v1/queue?status=pending", headers=labour)).json()["items"][0][
        "id"
    ]
    assert (
        await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    ).status_code == 200
    return aid, labour


async def _issue(
    client: httpx.AsyncClient, headers: dict[str, str], aid: str, kind: str, **extra: object
) -> httpx.Response:
    return await client.post(
        f"/api/v1/assignments/{aid}/documents",
        headers=headers,
        json={
            "kind": kind,
            "facts": "拖欠31名工人工资共计86000元。",
            "legal_basis": BASIS,
            **extra,
        },
    )


async def _serve(
    client: httpx.AsyncClient, headers: dict[str, str], doc: dict[str, str]
) -> httpx.Response:
    return await client.post(
        f"/api/v1/documents/{doc['id']}/service",
        headers=headers,
        json={"served_on": doc["issued_on"], "method": "direct", "recipient": "法定代表人 王某"},
    )


def _pdf_fonts_embedded(data: bytes) -> bool:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        fonts = [f for page in pdf.pages for f in page.Resources.Font.values()]
        descriptors = [
            d.get("/FontDescriptor") for f in fonts for d in [f, *f.get("/DescendantFonts", [])]
        ]
        return any(d is not None and "/FontFile2" in d for d in descriptors)


async def test_a_labour_officer_walks_a_wage_case_from_filing_to_fine(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aid, labour = await _accepted(client, world, db, uscc=demo_uscc("MA0D1KQ8"))
    early = await _issue(client, labour, aid, "penalty_notice", fine_amount="30000")
    assert early.status_code == 409 and "立案" in early.json()["detail"]
    assert (
        await client.post(f"/api/v1/assignments/{aid}/file", headers=labour, json={})
    ).status_code == 200
    agency = world.agency(AgencyKind.labour)
    year = today().year
    r = await _issue(client, labour, aid, "rectification_instruction", deadline=str(today()))
    assert r.status_code == 201, r.text
    instruction = r.json()
    assert instruction["number"] == f"{agency.name}令〔{year}〕1号"
    # no decision before a served notice
    r = await _issue(client, labour, aid, "penalty_decision", fine_amount="30000")
    assert r.status_code == 409 and "penalty_notice" in r.json()["detail"]
    r = await _issue(client, labour, aid, "penalty_notice", fine_amount="30000")
    assert r.status_code == 201, r.text
    notice = r.json()
    assert notice["hearing_right"] is True and notice["number"] == f"{agency.name}告〔{year}〕1号"
    # a fine before the decision is refused, naming what is missing
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={"type": "fine", "note": "罚款", "amount": "30000"},
    )
    assert r.status_code == 409 and "penalty_decision" in r.json()["detail"]
    for doc in (instruction, notice):
        assert (await _serve(client, labour, doc)).status_code == 200
    again = await _serve(client, labour, notice)
    assert again.status_code == 409
    heavier = await _issue(client, labour, aid, "penalty_decision", fine_amount="40000")
    assert heavier.status_code == 409 and "第45条" in heavier.json()["detail"]
    r = await _issue(client, labour, aid, "penalty_decision", fine_amount="30000")
    assert r.status_code == 201, r.text
    decision = r.json()
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={"type": "fine", "note": "罚款", "amount": "30000"},
    )
    assert r.status_code == 409 and decision["number"] in r.json()["detail"]  # not served yet
    served = await _serve(client, labour, decision)
    assert served.status_code == 200 and served.json()["service"]["method"] == "direct"
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={"type": "fine", "note": "罚款", "amount": "30000"},
    )
    assert r.status_code == 201, r.text
    assert (
        await client.post(
            f"/api/v1/assignments/{aid}/conclude", headers=labour, json={"summary": "已处罚"}
        )
    ).status_code == 200
    for doc, words in (
        (instruction, "责令改正指令书"),
        (notice, "听证"),
        (decision, "六十日内依法申请行政复议"),
    ):
        pdf = await client.get(
            f"/api/v1/documents/{doc['id']}", headers=labour, params={"format": "pdf"}
        )
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        with pikepdf.open(io.BytesIO(pdf.content)) as opened:
            assert len(opened.pages) >= 1
        if cjk_font() is not None:
            assert _pdf_fonts_embedded(pdf.content)
        assert hashlib.sha256(pdf.content).hexdigest() == doc["sha256"]
        word = await client.get(
            f"/api/v1/documents/{doc['id']}", headers=labour, params={"format": "docx"}
        )
        assert word.status_code == 200
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
        assert doc["number"] in text and "拖欠31名工人工资" in text and words in text
    # the hash is on the audit chain
    await db.seal_audit()
    audit = await client.get(
        "/api/v1/audit",
        headers=world.headers(Role.coordinator),
        params={"entity_type": "document", "entity_id": decision["id"]},
    )
    entries = {e["action"]: e for e in audit.json()["items"]}
    assert entries["document.issue"]["after"]["sha256"] == decision["sha256"]
    assert "pdf" not in entries["document.issue"]["after"]
    assert entries["document.serve"]["after"]["service_method"] == "direct"


async def test_a_person_gets_a_hearing_from_a_smaller_fine_than_a_company(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    person, labour = await _accepted(client, world, db, name="王某砖窑")
    for aid in (person,):
        await client.post(f"/api/v1/assignments/{aid}/file", headers=labour, json={})
    r = await _issue(client, labour, person, "penalty_notice", fine_amount="1000")
    assert r.status_code == 201 and r.json()["hearing_right"] is True
    company, labour2 = await _accepted(
        client, world, db, uscc=demo_uscc("MA0D1KQ8"), name="黄骅市银河有限公司"
    )
    await client.post(f"/api/v1/assignments/{company}/file", headers=labour2, json={})
    r = await _issue(client, labour2, company, "penalty_notice", fine_amount="19999.99")
    assert r.status_code == 201 and r.json()["hearing_right"] is False
    assert "听证" not in "\n".join(
        p.text
        for p in docx.Document(
            io.BytesIO(
                (
                    await client.get(
                        f"/api/v1/documents/{r.json()['id']}",
                        headers=labour2,
                        params={"format": "docx"},
                    )
                ).content
            )
        ).paragraphs
    )


async def test_a_rectification_order_issues_its_numbered_instruction(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aid, labour = await _accepted(client, world, db)
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={"type": "rectification_order", "note": "未签订劳动合同", "deadline": str(today())},
    )
    assert r.status_code == 201, r.text
    doc = r.json()["document"]
    assert doc["kind"] == "rectification_instruction" and "令〔" in doc["number"]
    word = await client.get(
        f"/api/v1/documents/{doc['id']}", headers=labour, params={"format": "docx"}
    )
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert doc["number"] in text and "未签订劳动合同" in text
    assert "《劳动保障监察条例》第十八条" in text


async def test_documents_are_read_only_on_the_case_and_served_by_their_agency(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aid, labour = await _accepted(client, world, db)
    doc = (await _issue(client, labour, aid, "inquiry_record")).json()
    url = f"/api/v1/documents/{doc['id']}"
    _, foreign = await world.add_user(Role.agency_officer, AgencyKind.labour, "foreign")
    assert (await client.get(url, headers=foreign)).status_code == 404
    assert (
        await client.post(
            f"{url}/service",
            headers=foreign,
            json={"served_on": doc["issued_on"], "method": "post", "recipient": "x"},
        )
    ).status_code == 404
    assert (await client.get(url, headers=world.headers(Role.coordinator))).status_code == 200
    listed = await client.get(f"/api/v1/assignments/{aid}/documents", headers=labour)
    assert [d["number"] for d in listed.json()] == [doc["number"]]
    assert (
        await client.get(f"/api/v1/assignments/{aid}/documents", headers=foreign)
    ).status_code == 404
    assert (await client.get("/api/v1/documents/not-an-id", headers=labour)).status_code == 404
    r = await client.post(
        f"{url}/service",
        headers=labour,
        json={"served_on": "2000-01-01", "method": "post", "recipient": "x"},
    )
    assert r.status_code == 422
    r = await _issue(client, labour, aid, "rectification_instruction")
    assert r.status_code == 422  # no deadline
    r = await _issue(client, labour, aid, "inquiry_record", external_number="HH-询-7")
    assert r.status_code == 201 and r.json()["number"] == "HH-询-7"
    r = await _issue(client, labour, aid, "inquiry_record", external_number="HH-询-7")
    assert r.status_code == 409


async def test_numbers_stay_gap_free_under_parallel_issue(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    if not db.is_postgres:
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    aid, labour = await _accepted(client, world, db)
    answers = await asyncio.gather(
        *(_issue(client, labour, aid, "inquiry_record") for _ in range(8))
    )
    assert [r.status_code for r in answers] == [201] * 8
    numbers = sorted(int(re.findall(r"〕(\d+)号", r.json()["number"])[0]) for r in answers)
    assert numbers == list(range(1, 9))


async def test_a_paper_waiting_for_its_number_is_cut_already(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    """From the number to the commit the agency's sequence is locked against every other
    issuer: the slow part of the paper (cutting the font) is done before, so an officer
    whose number comes free is issued at once, whoever is cutting then. Before, 32
    officers issuing together waited on the lock past the statement timeout."""
    if not db.is_postgres:
        pytest.skip("SQLite serialises writers; the lock needs PostgreSQL")
    aid, labour = await _accepted(client, world, db)
    assert (await _issue(client, labour, aid, "inquiry_record")).status_code == 201
    cutter_free = threading.Event()
    async with db.engine.connect() as other:  # another issuer, between its number and commit
        await other.execute(
            sa.text("SELECT last FROM number_sequence WHERE kind = 'doc:inquiry_record' FOR UPDATE")
        )
        issuing = asyncio.create_task(_issue(client, labour, aid, "inquiry_record"))
        while not await _waits_on_a_lock(db):
            assert not issuing.done(), issuing.result().text
            await asyncio.sleep(0.05)
        FACE_CUTTER.submit(cutter_free.wait)  # busy with another paper from now on
        await other.rollback()
    try:
        r = await asyncio.wait_for(issuing, 60)
    finally:
        cutter_free.set()
    assert r.status_code == 201, r.text
    assert r.json()["number"].endswith("〕2号")


async def _waits_on_a_lock(db: TestDatabase) -> bool:
    async with db.engine.connect() as conn:
        found = await conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE '%number_sequence%'"
            )
        )
        return bool(found.scalar_one())


async def test_a_fine_must_match_the_served_decision(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    aid, labour = await _accepted(client, world, db)
    number = await serve_decision(client, labour, aid, 5000)
    assert "罚〔" in number
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={"type": "fine", "note": "罚款", "amount": "4000"},
    )
    assert r.status_code == 409 and number in r.json()["detail"]  # not this amount


async def test_a_document_of_the_umbrella_share_is_hidden_from_the_county(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employer = await make_employer(db, world)
    await file(db, employer, "wage_arrears")
    await file(db, employer, "official_misconduct", umbrella=True)
    _, supervision = await world.add_user(Role.agency_officer, AgencyKind.supervision, "city")
    held = (await client.get("/api/v1/queue", headers=supervision)).json()["items"][0]["id"]
    assert (
        await client.post(f"/api/v1/assignments/{held}/accept", headers=supervision)
    ).status_code == 200
    r = await _issue(client, supervision, held, "inquiry_record")
    assert r.status_code == 201, r.text
    url = f"/api/v1/documents/{r.json()['id']}"
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    assert (await client.get(url, headers=labour)).status_code == 404
    assert (
        await client.get(f"/api/v1/assignments/{held}/documents", headers=labour)
    ).status_code == 404
    assert (await client.get(url, headers=supervision)).status_code == 200
    assert (await client.get(url, headers=world.headers(Role.coordinator))).status_code == 200
