"""The case ledger (案件台帐): Chinese headers, a row per assignment × action, scoped."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlmodel import select

from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.models.cases import Assignment, Case
from app.models.employers import Employer
from app.models.tips import Tip
from app.services.cases.case_ledger import HEADERS
from tests.factories import World
from tests.services.stats_world import JULY, build_stats_world

LEDGER = "/api/v1/ledger/cases"


def _rows(r: httpx.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header == list(HEADERS)
    return [dict(zip(HEADERS, row, strict=True)) for row in rows]


async def _get(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await client.get(LEDGER, headers=headers, params=params)


async def _case_of(world: World, employer: str) -> Case:
    async with transaction(world.db.sessionmaker) as s:
        return (
            await s.exec(
                select(Case)
                .join(Employer, Employer.id == Case.employer_id)  # type: ignore[arg-type]
                .where(Employer.name == employer)
            )
        ).one()


async def test_the_csv_has_a_row_per_assignment_action_with_chinese_headers(
    client: httpx.AsyncClient, world: World
) -> None:
    await build_stats_world(world)
    rows = _rows(await _get(client, world.headers(Role.coordinator)))
    kiln = [r for r in rows if r["单位名称"] == "某村砖窑厂"]
    doers = ("人力资源和社会保障局", "公安局")
    assert [(r["承办单位"].endswith(doers), r["处理措施"]) for r in kiln] == [
        (True, "罚款"),
        (True, "追发工资"),
        (True, "责令整改"),
        (True, "刑事立案"),
        (True, "解救童工"),
        (True, "遣送返乡"),
    ]
    fine, wages, order = kiln[0], kiln[1], kiln[2]
    assert fine["金额（元）"] == "5000.00" and fine["案件状态"] == "办理中"
    assert fine["所在地"] == "黄骅镇" and fine["立案时间"] == "2026-07-12 10:00"
    assert (wages["金额（元）"], wages["人数"]) == ("12000.50", "6")
    assert (order["整改期限"], order["整改状态"]) == ("2026-07-20", "整改中")
    workshop = [r for r in rows if "HYPERLINK" in r["单位名称"]]
    assert workshop and all(r["单位名称"].startswith("'=") for r in workshop)
    assert not any(r["单位名称"] == "献县砖厂" for r in rows)  # another county's case


async def test_filters_by_status_and_opening_day(client: httpx.AsyncClient, world: World) -> None:
    await build_stats_world(world)
    headers = world.headers(Role.coordinator)
    closed = _rows(await _get(client, headers, status="closed"))
    assert {r["单位名称"] for r in closed} == {'\'=HYPERLINK("x")小作坊'}
    august = _rows(await _get(client, headers, **{"from": "2026-08-01", "to": "2026-08-31"}))
    assert {r["单位名称"] for r in august} == {"北二里煤矿"}
    r = await _get(client, headers, status="lost")
    assert r.status_code == 422


async def test_an_agency_sees_only_its_cases_and_no_restricted_share(
    client: httpx.AsyncClient, world: World
) -> None:
    await build_stats_world(world)
    case = await _case_of(world, "某村砖窑厂")
    async with transaction(world.db.sessionmaker) as s:
        s.add(
            Assignment(
                case_id=case.id,
                agency_id=world.agency(AgencyKind.supervision).id,
                role="also",
                status="pending",
                due_at=JULY,
                reason="保护伞线索",
                restricted=True,
                violation_types=["official_misconduct"],
            )
        )
        s.add(
            Tip(
                receipt_hash="f" * 64,
                channel="phone",
                description="举报人王五 13800000000",
                scope_path=world.places["town"].path,
                triage_due_at=JULY,
                case_id=case.id,
            )
        )
    police = _rows(await _get(client, world.headers(Role.agency_officer)))
    assert {r["单位名称"] for r in police} == {
        "某村砖窑厂",
        '\'=HYPERLINK("x")小作坊',
        "羊二庄镇红星砖窑厂",
    }
    assert not any(r["承办单位"].endswith("监察委员会") for r in police)
    office = await _get(client, world.headers(Role.coordinator))
    assert any(r["承办单位"].endswith("监察委员会") for r in _rows(office))
    assert "王五" not in office.text and "13800000000" not in office.text


async def test_the_xlsx_opens_with_the_headers(client: httpx.AsyncClient, world: World) -> None:
    await build_stats_world(world)
    r = await _get(client, world.headers(Role.auditor), format="xlsx")
    assert r.status_code == 200, r.text
    assert ".xlsx" in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(HEADERS)
    assert any(row[HEADERS.index("处理措施")] == "取缔关闭" for row in rows[1:])


async def test_a_slow_download_holds_no_connection_between_batches(world: World) -> None:
    """On SQLite the process has one connection: a client reading the CSV slowly must
    not keep it from everyone else while it reads."""
    from app.services.cases.case_ledger import LedgerFilters, stream_ledger_csv
    from app.services.registry.accounts import actor_from_token

    await build_stats_world(world)
    pool = world.db.engine.pool
    token = world.headers(Role.coordinator)["Authorization"].removeprefix("Bearer ")
    actor = actor_from_token(world.db.settings, token)
    chunks = stream_ledger_csv(world.db.sessionmaker, actor, LedgerFilters())
    body = b""
    async for chunk in chunks:
        body += chunk
        if "某村砖窑厂" in body.decode("utf-8", "ignore"):
            break
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    await chunks.aclose()
