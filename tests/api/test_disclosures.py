"""Published results: only closed cases with an approval on record, redacted, newest first."""

from __future__ import annotations

import unicodedata

import httpx

from app.domain.redaction import redact
from app.domain.taxonomy import AgencyKind, Role
from tests.cases_support import file, make_employer, serve_decision
from tests.conftest import TestDatabase
from tests.factories import World

PUBLIC = "/public/v1/disclosures"


async def _closed_case(
    client: httpx.AsyncClient,
    world: World,
    db: TestDatabase,
    name: str = "黄骅镇旺达砖厂",
    place: str = "town",
    tipster: dict[str, str] | None = None,
) -> str:
    case_id = await file(db, await make_employer(db, world, place, name=name), "wage_arrears")
    if tipster is not None:  # a public tip with contact details, linked to the case
        sent = await client.post(
            "/public/v1/tips",
            json={
                "description": "砖厂拖欠工资",
                "contact": tipster,
                "jurisdiction_id": str(world.places[place].id),
            },
        )
        tips = (await client.get("/api/v1/tips", headers=world.headers(Role.coordinator))).json()[
            "items"
        ]
        assert sent.status_code == 201 and len(tips) == 1
        r = await client.post(
            f"/api/v1/tips/{tips[0]['id']}/triage",
            headers=world.headers(Role.coordinator),
            json={
                "decision": "link_case",
                "case_id": str(case_id),
                "violation_types": ["wage_arrears"],
            },
        )
        assert r.status_code == 200, r.text
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    queue = (await client.get("/api/v1/queue", headers=labour)).json()["items"]
    aid = next(i["id"] for i in queue if i["case"]["id"] == str(case_id))
    await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    await serve_decision(client, labour, aid, 20000)
    for body in (
        {"type": "fine", "note": "罚款", "amount": 20000},
        {"type": "wages_recovered", "note": "追回", "amount": "86000.50", "count": 31},
    ):
        assert (
            await client.post(f"/api/v1/assignments/{aid}/actions", headers=labour, json=body)
        ).status_code == 201
    await client.post(
        f"/api/v1/assignments/{aid}/conclude", headers=labour, json={"summary": "已处理"}
    )
    r = await client.post(
        f"/api/v1/cases/{case_id}/close",
        headers=world.headers(Role.coordinator),
        json={"summary": "结案"},
    )
    assert r.status_code == 200, r.text
    return str(case_id)


def _publish(
    case_id: str, text: str = "责令补发工资", approve: bool = True
) -> tuple[str, dict[str, object]]:
    return f"/api/v1/cases/{case_id}/disclosure", {"summary_public": text, "approve": approve}


async def test_nothing_is_public_without_an_approval(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    office = world.headers(Role.coordinator)
    open_case = await file(db, await make_employer(db, world, name="未结案砖厂"), "child_labour")
    url, body = _publish(str(open_case))
    assert (await client.post(url, headers=office, json=body)).status_code == 409
    case_id = await _closed_case(client, world, db)
    assert (await client.get(PUBLIC)).json()["items"] == []
    url, body = _publish(case_id, approve=False)
    r = await client.post(url, headers=office, json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "approve"]
    assert (await client.get(PUBLIC)).json()["items"] == []
    foreign = world.headers(Role.coordinator, "foreign")
    url, body = _publish(case_id)
    assert (await client.post(url, headers=foreign, json=body)).status_code == 404
    assert (
        await client.post(url, headers=world.headers(Role.agency_officer), json=body)
    ).status_code == 403


async def test_a_published_case_is_listed_redacted_then_withdrawn(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    office = world.headers(Role.coordinator)
    case_id = await _closed_case(client, world, db)
    url, body = _publish(
        case_id,
        "经查该厂拖欠工资，举报人电话13812345678，身份证号13098119900101123X，15岁工人已送返。",
    )
    r = await client.post(url, headers=office, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["approved_by"] == str(world.user(Role.coordinator).id)
    assert (await client.post(url, headers=office, json=body)).status_code == 409
    [item] = (await client.get(PUBLIC)).json()["items"]
    assert item["employer_name"] == "黄骅镇旺达砖厂"
    assert item["township"]["name"] == world.places["town"].name
    assert item["violation_types"] == [{"code": "wage_arrears", "name_zh": "拖欠、克扣工资"}]
    assert "13812345678" not in item["summary"] and "138****5678" in item["summary"]
    assert "13098119900101123X" not in item["summary"] and "15岁" not in item["summary"]
    assert item["outcome"]["fines"] == 1 and float(item["outcome"]["fines_amount"]) == 20000
    assert item["outcome"]["wages_recovered_workers"] == 31
    assert "description" not in item and "tip_ids" not in item
    audit = (
        await client.get("/api/v1/audit", headers=office, params={"entity_type": "disclosure"})
    ).json()["items"]
    assert [a["action"] for a in audit] == ["disclosure.approve"]
    r = await client.post(
        f"/api/v1/disclosures/{item['id']}/withdraw", headers=office, json={"reason": "信息有误"}
    )
    assert r.status_code == 200 and r.json()["withdrawn_at"] is not None
    assert (await client.get(PUBLIC)).json()["items"] == []


async def test_the_tipsters_phone_written_six_ways_is_never_published(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    office = world.headers(Role.coordinator)
    case_id = await _closed_case(
        client, world, db, tipster={"name": "张三", "phone": "13987654321"}
    )
    written = [
        "+86 139 8765 4321",
        "139-8765-4321",
        "１３９８７６５４３２１",
        "0086 139.8765.4321",
        "(+86)139 8765 4321",
        "139\u3000 8765 4321",
    ]
    text = (
        "举报人张 三反映属实。联系电话："
        + "；".join(written)
        + "。身份证１３０９８１２００８０１０１１２３Ｘ。"
    )
    url, body = _publish(case_id, text)
    r = await client.post(url, headers=office, json=body)
    assert r.status_code == 201, r.text
    [item] = (await client.get(PUBLIC)).json()["items"]
    digits = "".join(c for c in unicodedata.normalize("NFKC", item["summary"]) if c.isdigit())
    assert "87654321" not in digits and "8765" not in digits
    assert "张 三" not in item["summary"] and "张某" in item["summary"]
    assert "200801011" not in digits

    bare = await _closed_case(client, world, db, name="另一砖厂")
    url, body = _publish(bare, "举报人电话 139,8765,4321，请回电")
    r = await client.post(url, headers=office, json=body)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["loc"] == ["body", "summary_public"]
    assert "8765" not in r.text
    assert len((await client.get(PUBLIC)).json()["items"]) == 1


async def test_newest_first_with_filters_and_keyset_pages(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    office = world.headers(Role.coordinator)
    first = await _closed_case(client, world, db, "甲厂")
    second = await _closed_case(client, world, db, "乙厂", place="home")
    for case_id in (first, second):
        url, body = _publish(case_id)
        assert (await client.post(url, headers=office, json=body)).status_code == 201
    names = [i["employer_name"] for i in (await client.get(PUBLIC)).json()["items"]]
    assert names == ["乙厂", "甲厂"]
    page = await client.get(PUBLIC, params={"limit": 1})
    assert [i["employer_name"] for i in page.json()["items"]] == ["乙厂"]
    assert 'rel="next"' in page.headers["link"]
    rest = await client.get(PUBLIC, params={"limit": 1, "cursor": page.json()["next_cursor"]})
    assert [i["employer_name"] for i in rest.json()["items"]] == ["甲厂"]
    town = await client.get(PUBLIC, params={"township_id": str(world.places["town"].id)})
    assert [i["employer_name"] for i in town.json()["items"]] == ["甲厂"]
    assert (await client.get(PUBLIC, params={"violation_type": "child_labour"})).json()[
        "items"
    ] == []
    assert (
        len((await client.get(PUBLIC, params={"violation_type": "wage_arrears"})).json()["items"])
        == 2
    )


def test_redaction_masks_phones_ids_minor_ages_and_known_names() -> None:
    text = redact("王小明（电话15900001111）反映，身份证130981200801011234，14周岁", ["王小明"])
    assert text == "王某（电话159****1111）反映，身份证1309**************，**周岁"
    assert redact("成年工人30岁") == "成年工人30岁"
