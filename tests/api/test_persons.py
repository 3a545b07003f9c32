"""Issue 15's done-when, over HTTP: the kiln's 19 workers, one a child, paid and handed over.

The documents' kiln: a roster of 19 workers (5 from Sichuan) is imported, the ID
numbers flag a 15-year-old, wages are owed to all and paid in three instalments by
the employer and the advance fund; the site cannot be closed while anyone is unpaid
and unexplained, the case not before the child is handed to a guardian; commerce,
on the same case, sees no one; the database holds no ID number or phone in clear;
the statistics table counts the settled wages, the advance fund and the child.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event

import app.models
from app.domain.id_numbers import check_char
from app.domain.taxonomy import AgencyKind, Role
from tests.cases_support import make_employer
from tests.conftest import TestDatabase
from tests.factories import World

API = "/api/v1"
TYPES = ["wage_arrears", "child_labour", "no_business_licence"]
CHILD_ID = "510123201103010019"  # born 1 March 2011: 15 on 4 December 2026
OWED = Decimal("3000.00")
MASKED = re.compile(r"^\d{4}\*{10}[\dX]{4}$")


def id_number(area: str, born: str, seq: int) -> str:
    first17 = f"{area}{born}{seq:03d}"
    return first17 + check_char(first17)


def roster() -> list[dict[str, str]]:
    """19 workers: 5 from Sichuan (51…), the rest from Hebei and Henan; the child among the
    Sichuan five, entered as a worker like everyone else."""
    rows = []
    for i in range(19):
        if i == 0:
            number = CHILD_ID
        elif i < 5:
            number = id_number("510123", f"19{80 + i}0612", 10 + 2 * i + 1)
        elif i < 12:
            number = id_number("130981", f"19{70 + i}0305", 20 + i)
        else:
            number = id_number("410522", f"19{70 + i}1120", 40 + i)
        rows.append(
            {
                "姓名": f"工人{i + 1:02d}",
                "身份证号": number,
                "人员类别": "工人",
                "联系电话": f"139{i:08d}",
                "欠薪金额": str(OWED),
                "欠薪期间": "2026年3月至10月",
            }
        )
    return rows


def roster_csv(rows: list[dict[str, str]], extra: list[list[str]] | None = None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    header = list(rows[0])
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[h] for h in header])
    for row in extra or []:
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


@dataclass
class Kiln:
    case_id: str
    shares: dict[AgencyKind, str]
    headers: dict[AgencyKind, dict[str, str]]


async def open_kiln(client: httpx.AsyncClient, world: World, db: TestDatabase) -> Kiln:
    employer_id = await make_employer(db, world, name="黄骅市曹庄子砖窑厂")
    r = await client.post(
        f"{API}/cases",
        headers=world.headers(Role.coordinator),
        json={
            "employer_id": str(employer_id),
            "violation_types": TYPES,
            "description": "无照砖窑，拖欠19名工人工资，使用童工",
        },
    )
    assert r.status_code == 201, r.text
    case = r.json()
    headers = {AgencyKind.police: world.headers(Role.agency_officer)}
    for kind in (AgencyKind.labour, AgencyKind.civil_affairs, AgencyKind.commerce):
        _, headers[kind] = await world.add_user(Role.agency_officer, kind)
    shares = {}
    for a in case["assignments"]:
        kind = AgencyKind(a["agency"]["kind"])
        shares[kind] = a["id"]
        if kind is AgencyKind.coordinator:  # no township agency: its share is the office's
            headers[kind] = world.headers(Role.coordinator)
        r = await client.post(f"{API}/assignments/{a['id']}/accept", headers=headers[kind])
        assert r.status_code == 200, r.text
    return Kiln(case["id"], shares, headers)


async def persons_of(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: str
) -> dict[str, Any]:
    r = await client.get(f"{API}/cases/{case_id}/persons", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def campaign(client: httpx.AsyncClient, world: World, today: date) -> str:
    r = await client.post(
        f"{API}/campaigns",
        headers=world.headers(Role.coordinator),
        json={
            "name": "整治非法用工专项行动",
            "jurisdiction_id": str(world.places["home"].id),
            "starts_on": str(today - timedelta(days=10)),
            "ends_on": str(today + timedelta(days=30)),
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def database_text(db: TestDatabase) -> str:
    """Every value of every table, as text (bytes read as Latin-1): what a dump holds."""
    parts: list[str] = []
    async with db.engine.connect() as conn:
        for table in app.models.metadata.sorted_tables:
            for row in (await conn.execute(sa.select(table))).all():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


async def test_the_kiln_walk_through(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    campaign_id = await campaign(client, world, fixed_day)
    kiln = await open_kiln(client, world, db)
    labour, civil = kiln.headers[AgencyKind.labour], kiln.headers[AgencyKind.civil_affairs]
    commerce, office = kiln.headers[AgencyKind.commerce], world.headers(Role.coordinator)
    rows = roster()
    bad = ["错号", "510123198106120110", "工人", "", "3000", ""]  # wrong check character

    # 1. The roster goes in; the ID numbers flag the 15-year-old; a rerun adds no one.
    upload = {"file": ("花名册.csv", roster_csv(rows, [bad]), "text/csv")}
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/persons/import", headers=labour, files=upload
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 19 and r.json()["flagged_children"] == 1
    assert r.json()["rejected"] == [{"row": 21, "errors": [r.json()["rejected"][0]["errors"][0]]}]
    assert "check character" in r.json()["rejected"][0]["errors"][0]
    again = await client.post(
        f"{API}/cases/{kiln.case_id}/persons/import",
        headers=office,
        files={"file": ("花名册.csv", roster_csv(rows), "text/csv")},
    )
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 19)

    listed = await persons_of(client, labour, kiln.case_id)
    people = {p["name"]: p for p in listed["items"]}
    assert len(people) == 19
    assert sum(p["hometown"] == "四川省" for p in people.values()) == 5
    child = people["工人01"]
    assert (child["role"], child["role_entered"], child["flagged_child"], child["age"]) == (
        "child",
        "worker",
        True,
        15,
    )
    assert all(MASKED.match(p["id_number"]) for p in people.values())
    assert child["id_number"] == "5101**********0019" and child["phone"] == "139****0000"
    assert listed["totals"]["owed"] == str(OWED * 19)
    assert listed["totals"]["children"] == 1 and listed["totals"]["not_handed_over"] == 1

    # 2. Commerce is on the case (it bans the unlicensed kiln) but sees no one.
    r = await client.get(f"{API}/cases/{kiln.case_id}", headers=commerce)
    assert r.status_code == 200 and r.json()["persons"] is None
    r = await client.get(f"{API}/cases/{kiln.case_id}", headers=civil)
    assert r.json()["persons"]["children"] == 1 and "工人01" not in r.text
    for method, path, body in (
        ("GET", f"/cases/{kiln.case_id}/persons", None),
        ("GET", f"/persons/{child['id']}", None),
        ("POST", f"/persons/{child['id']}/reveal", {"reason": "核对身份信息"}),
        ("POST", f"/cases/{kiln.case_id}/persons", {"role": "worker", "name": "某人"}),
    ):
        r = await client.request(method, API + path, headers=commerce, json=body)
        assert r.status_code == 404, (path, r.status_code, r.text)
    r = await client.get(f"{API}/ledger/persons", headers=commerce)
    assert r.status_code == 200 and len(r.content.decode("utf-8-sig").splitlines()) == 1

    # 3. A reveal, with a reason, shows the numbers; the audit keeps the reason only.
    r = await client.post(
        f"{API}/persons/{child['id']}/reveal", headers=labour, json={"reason": "通知监护人"}
    )
    assert r.status_code == 200
    assert (r.json()["id_number"], r.json()["phone"]) == (CHILD_ID, "13900000000")
    r = await client.get(
        f"{API}/audit", headers=office, params={"entity_type": "person", "entity_id": child["id"]}
    )
    actions = [e["action"] for e in r.json()["items"]]
    assert "person.identity_revealed" in actions
    assert CHILD_ID not in r.text and "13900000000" not in r.text

    # 4. Three instalments: the employer twice, then the advance fund.
    for source in ("employer", "employer"):
        for p in people.values():
            r = await client.post(
                f"{API}/persons/{p['id']}/payments",
                headers=labour,
                json={"amount": "1000.00", "paid_on": str(fixed_day), "source": source},
            )
            assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/persons/{child['id']}/payments",
        headers=labour,
        json={"amount": "1000.01", "paid_on": str(fixed_day), "source": "employer"},
    )
    assert r.status_code == 409  # more than is owed

    # 5. The site cannot be closed while wages are outstanding, and the 409 says whose.
    site_closed = {"type": "site_closed", "note": "依法取缔关闭"}
    share = kiln.shares[AgencyKind.commerce]
    r = await client.post(f"{API}/assignments/{share}/actions", headers=commerce, json=site_closed)
    assert r.status_code == 409, r.text
    assert len(r.json()["persons"]) == 19 and "工人01（欠1000.00元）" in r.json()["detail"]

    absconded = people["工人19"]
    for p in people.values():
        if p is absconded:
            continue
        r = await client.post(
            f"{API}/persons/{p['id']}/payments",
            headers=labour,
            json={"amount": "1000.00", "paid_on": str(fixed_day), "source": "advance_fund"},
        )
        assert r.status_code == 201
    r = await client.post(f"{API}/assignments/{share}/actions", headers=commerce, json=site_closed)
    assert r.status_code == 409 and [p["name"] for p in r.json()["persons"]] == ["工人19"]
    r = await client.patch(
        f"{API}/persons/{absconded['id']}",
        headers=labour,
        json={"outstanding_reason": "已申请欠薪保障金垫付"},
    )
    assert r.status_code == 200 and r.json()["outstanding"] == "1000.00"
    r = await client.post(f"{API}/assignments/{share}/actions", headers=commerce, json=site_closed)
    assert r.status_code == 201, r.text

    totals = (await persons_of(client, office, kiln.case_id))["totals"]
    assert totals["paid_by_source"] == {
        "employer": "38000.00",
        "advance_fund": "18000.00",
        "guarantee": "0.00",
    }
    assert (totals["paid"], totals["outstanding"]) == ("56000.00", "1000.00")

    # 6. Every share done, the case still cannot close before the child is handed over.
    for kind, share_id in kiln.shares.items():
        r = await client.post(
            f"{API}/assignments/{share_id}/conclude",
            headers=kiln.headers[kind],
            json={"summary": "办结"},
        )
        assert r.status_code == 200, (kind, r.text)
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/close", headers=office, json={"summary": "结案"}
    )
    assert r.status_code == 409 and "工人01（儿童）" in r.json()["detail"]
    r = await client.post(
        f"{API}/persons/{child['id']}/handover",
        headers=civil,
        json={"kind": "guardian", "to": "父亲 张某", "on": str(fixed_day)},
    )
    assert r.status_code == 200 and r.json()["handover"]["kind"] == "guardian"
    for p in list(people.values())[:6]:
        r = await client.post(
            f"{API}/persons/{p['id']}/documents-returned",
            headers=labour,
            json={"on": str(fixed_day)},
        )
        assert r.status_code == 200
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/close", headers=office, json={"summary": "结案"}
    )
    assert r.status_code == 200, r.text

    # 7. Nothing in the database holds an ID number or a phone in clear.
    dump = await database_text(db)
    for row in rows:
        assert row["身份证号"] not in dump, row["姓名"]
        assert row["联系电话"] not in dump, row["姓名"]

    # 8. The statistics table counts from these records.
    r = await client.get(f"{API}/stats", headers=office, params={"campaign_id": campaign_id})
    assert r.status_code == 200, r.text
    total = r.json()["total"]
    assert total["wages_owed_amount"] == "57000.00" and total["workers_owed"] == 19
    assert total["workers_paid"] == 18
    assert total["wages_recovered_amount"] == "38000.00"
    assert total["wages_recovered_amount_recorded"] == "38000.00"
    assert total["wages_recovered_workers"] == 19
    assert total["advance_fund_paid"] == "18000.00"
    assert (total["children_rescued"], total["children_rescued_recorded"]) == (1, 1)
    assert (total["persons_repatriated"], total["id_cards_returned"]) == (1, 6)
    assert total["sites_closed"] == 1


async def test_a_case_without_persons_still_counts_its_actions_and_says_so(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    campaign_id = await campaign(client, world, fixed_day)
    kiln = await open_kiln(client, world, db)
    labour = kiln.headers[AgencyKind.labour]
    share = kiln.shares[AgencyKind.labour]
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/persons",
        headers=labour,
        json={"role": "worker", "name": "李小军", "id_number": CHILD_ID, "amount_owed": "800"},
    )
    assert r.status_code == 201 and r.json()["role"] == "child"
    for action in (
        {"type": "children_rescued", "count": 1},  # the same child: not counted twice
        {"type": "persons_repatriated", "count": 2},  # no hand-over recorded: the action counts
    ):
        r = await client.post(f"{API}/assignments/{share}/actions", headers=labour, json=action)
        assert r.status_code == 201, r.text
    other = await make_employer(db, world, name="黄骅市某作坊")
    r = await client.post(
        f"{API}/cases",
        headers=world.headers(Role.coordinator),
        json={
            "employer_id": str(other),
            "violation_types": ["child_labour"],
            "description": "童工",
        },
    )
    other_share = next(a["id"] for a in r.json()["assignments"] if a["agency"]["kind"] == "labour")
    await client.post(f"{API}/assignments/{other_share}/accept", headers=labour)
    r = await client.post(
        f"{API}/assignments/{other_share}/actions",
        headers=labour,
        json={"type": "children_rescued", "count": 3},
    )
    assert r.status_code == 201
    r = await client.get(
        f"{API}/stats", headers=world.headers(Role.coordinator), params={"campaign_id": campaign_id}
    )
    total = r.json()["total"]
    assert (total["children_rescued"], total["children_rescued_recorded"]) == (4, 1)
    assert (total["persons_repatriated"], total["persons_repatriated_recorded"]) == (2, 0)
    columns = {c["key"]: c["label_zh"] for c in r.json()["columns"]}
    assert columns["children_rescued_recorded"] == "解救童工（人）·其中逐人记录"


async def test_a_wrong_id_number_is_422_and_a_second_entry_409(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    kiln = await open_kiln(client, world, db)
    labour = kiln.headers[AgencyKind.labour]
    url = f"{API}/cases/{kiln.case_id}/persons"
    r = await client.post(
        url,
        headers=labour,
        json={"role": "worker", "name": "王五", "id_number": CHILD_ID[:-1] + "8"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "id_number"]
    body = {"role": "worker", "name": "王五", "id_number": CHILD_ID.lower()}
    assert (await client.post(url, headers=labour, json=body)).status_code == 201
    r = await client.post(url, headers=labour, json=body)
    assert r.status_code == 409
    r = await client.post(
        url, headers=labour, json={"role": "vulnerable", "name": "无名氏", "age": 40}
    )
    assert r.status_code == 201 and r.json()["id_number"] is None
    r = await client.post(url, headers=labour, json={"role": "worker", "name": "小明", "age": 14})
    assert r.json()["role"] == "child"  # an estimated age counts too


async def test_the_wage_ledger_is_per_person_masked_and_defused(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    kiln = await open_kiln(client, world, db)
    labour = kiln.headers[AgencyKind.labour]
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/persons",
        headers=labour,
        json={
            "role": "worker",
            "name": '=HYPERLINK("x")',
            "id_number": CHILD_ID,
            "amount_owed": "500",
        },
    )
    pid = r.json()["id"]
    await client.post(
        f"{API}/persons/{pid}/payments",
        headers=labour,
        json={"amount": "200", "paid_on": str(fixed_day), "source": "guarantee"},
    )
    r = await client.get(f"{API}/ledger/persons", headers=labour, params={"case_id": kiln.case_id})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["案件编号", "用人单位", "姓名"] and len(lines) == 2
    row = dict(zip(lines[0], lines[1], strict=True))
    assert row["姓名"].startswith("'=")
    assert row["身份证号（脱敏）"] == "5101**********0019" and CHILD_ID not in r.text
    assert (row["应付工资（元）"], row["工资保证金支付（元）"], row["未结清（元）"]) == (
        "500.00",
        "200.00",
        "300.00",
    )
    r = await client.get(f"{API}/ledger/persons", headers=labour, params={"format": "xlsx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"


async def test_the_wage_ledger_reads_each_batch_in_index_order(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    """Each batch of the export is the next 500 persons in (created_at, id) order: without
    an index in that order every batch sorted all the persons in the area (100,000
    persons: 200 sorts, 35 s in bench/persons_export_bench.py, against 0.4 s for COPY)."""
    if not db.is_postgres:
        pytest.skip("the plan asked for is PostgreSQL's")
    kiln = await open_kiln(client, world, db)
    labour = kiln.headers[AgencyKind.labour]
    upload = {"file": ("花名册.csv", roster_csv(roster()), "text/csv")}
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/persons/import", headers=labour, files=upload
    )
    assert r.json()["created"] == 19
    plans: list[str] = []

    def explain(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM person JOIN" in statement:
            cursor.execute("SET enable_sort = off")  # a sort only if nothing else can do
            cursor.execute("EXPLAIN " + statement, params)
            plans.append("\n".join(str(r[0]) for r in cursor.fetchall()))
            cursor.execute("RESET enable_sort")

    event.listen(db.engine.sync_engine, "before_cursor_execute", explain)
    try:
        r = await client.get(f"{API}/ledger/persons", headers=labour)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", explain)
    assert r.status_code == 200 and r.text.count("\n") == 20  # the header and 19 workers
    assert plans and not [p for p in plans if "Sort Key" in p], plans


async def test_persons_never_reach_a_published_result(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    kiln = await open_kiln(client, world, db)
    labour, office = kiln.headers[AgencyKind.labour], world.headers(Role.coordinator)
    await client.post(
        f"{API}/cases/{kiln.case_id}/persons",
        headers=labour,
        json={
            "role": "worker",
            "name": "赵大勇",
            "id_number": id_number("130981", "19800101", 123),
        },
    )
    for kind, share_id in kiln.shares.items():
        headers = kiln.headers[kind]
        await client.post(
            f"{API}/assignments/{share_id}/conclude", headers=headers, json={"summary": "办结"}
        )
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/close", headers=office, json={"summary": "结案"}
    )
    assert r.status_code == 200, r.text
    url = f"{API}/cases/{kiln.case_id}/disclosure"
    for text in ("为工人赵 大勇追发工资", "身份证 1309 8119 8001 0112 3X 已返还"):
        number = id_number("130981", "19800101", 123)
        text = text.replace("1309 8119 8001 0112 3X", " ".join([number[:4], number[4:]]))
        r = await client.post(url, headers=office, json={"summary_public": text, "approve": True})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "summary_public"]
    r = await client.post(
        url, headers=office, json={"summary_public": "追发工资，取缔关闭", "approve": True}
    )
    assert r.status_code == 201, r.text
