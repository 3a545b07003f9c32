"""The statistics table adds up: every column, for each township and the total, in every format."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import httpx
from openpyxl import load_workbook

from app.db import transaction
from app.domain.stats import COLUMN_KEYS, COLUMNS, Figures
from app.domain.taxonomy import AgencyKind, Role
from app.models.inspections import Finding
from tests.api.inspection_world import add_place
from tests.factories import World
from tests.services.stats_world import StatsWorld, build_stats_world, expected

STATS = "/api/v1/stats"


def _plain(figures: Figures) -> dict[str, Any]:
    return {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in figures.items()}


async def _get(client: httpx.AsyncClient, world: World, sw: StatsWorld,
               role: Role = Role.coordinator, **params: Any) -> httpx.Response:
    return await client.get(STATS, headers=world.headers(role),
                            params={"campaign_id": str(sw.campaign_id), **params})


async def test_every_column_adds_up_for_each_township_and_the_total(
        client: httpx.AsyncClient, world: World) -> None:
    sw = await build_stats_world(world)
    r = await _get(client, world, sw)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["jurisdiction"]["name"] == "黄骅市" and body["signed_off"] is None
    assert [c["key"] for c in body["columns"]] == list(COLUMN_KEYS)
    want = expected()
    rows = {row["jurisdiction"]["name"]: row for row in body["rows"]}
    assert sorted(rows) == sorted(["黄骅镇", "羊二庄镇", "黄骅市"])
    assert rows["黄骅市"]["own"] is True and rows["黄骅镇"]["own"] is False
    for name in ("黄骅镇", "羊二庄镇", "黄骅市"):
        got = rows[name]["figures"]
        mismatched = {k: (got[k], v) for k, v in _plain(want[name]).items() if got[k] != v}
        assert mismatched == {}, name
    assert body["total"] == _plain(want["合计"])


async def test_a_township_table_rolls_its_villages_up(client: httpx.AsyncClient,
                                                       world: World) -> None:
    sw = await build_stats_world(world)
    r = await _get(client, world, sw, jurisdiction_id=str(sw.yang.id))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [row["jurisdiction"]["name"] for row in body["rows"]] == ["北二里村", "羊二庄镇"]
    assert body["total"] == _plain(expected()["羊二庄镇"])


async def test_a_place_outside_your_area_is_not_found(client: httpx.AsyncClient,
                                                      world: World) -> None:
    sw = await build_stats_world(world)
    r = await _get(client, world, sw, jurisdiction_id=str(world.places["foreign"].id))
    assert r.status_code == 404
    r = await _get(client, world, sw, role=Role.coordinator, jurisdiction_id=str(sw.town.id))
    assert r.status_code == 200
    r = await client.get(STATS, headers=world.headers(Role.coordinator, "foreign"),
                         params={"campaign_id": str(sw.campaign_id)})
    assert r.status_code == 404
    r = await _get(client, world, sw, role=Role.inspector)
    assert r.status_code == 403


async def test_a_city_campaign_is_reported_on_by_the_county_and_the_city(
        client: httpx.AsyncClient, world: World) -> None:
    sw = await build_stats_world(world)
    _, city = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    r = await client.get(STATS, headers=city, params={"campaign_id": str(sw.campaign_id)})
    assert r.status_code == 200, r.text
    rows = {row["jurisdiction"]["name"]: row["figures"] for row in r.json()["rows"]}
    assert rows["黄骅市"] == _plain(expected()["合计"])
    assert rows["献县"]["fines_amount"] == "777.00" and rows["献县"]["cases_opened"] == 1


async def test_the_csv_has_a_bom_chinese_headers_and_defused_cells(client: httpx.AsyncClient,
                                                                   world: World) -> None:
    sw = await build_stats_world(world)
    r = await client.get(STATS, headers={**world.headers(Role.coordinator),
                                         "Accept": "text/csv"},
                         params={"campaign_id": str(sw.campaign_id)})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header == ["地区", *(c.label_zh for c in COLUMNS)]
    assert "罚款金额（元）" in header and "出动检查人员（人次）" in header
    total = dict(zip(header, rows[-1], strict=True))
    assert total["地区"] == "合计" and total["罚款金额（元）"] == "8000.50"
    assert total["检查用人单位数（户）"] == "4"


async def test_a_formula_like_place_name_is_defused_in_csv(client: httpx.AsyncClient,
                                                           world: World) -> None:
    sw = await build_stats_world(world)
    await add_place(world, "=cmd|' /C calc'!A0")
    r = await _get(client, world, sw, format="csv")
    names = [row[0] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))]
    assert "'=cmd|' /C calc'!A0" in names
    assert not any(n.startswith("=") for n in names)


async def test_the_xlsx_opens_with_chinese_headers_and_a_total_row(client: httpx.AsyncClient,
                                                                   world: World) -> None:
    sw = await build_stats_world(world)
    r = await _get(client, world, sw, format="xlsx")
    assert r.status_code == 200, r.text
    assert ".xlsx" in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["地区", *(c.label_zh for c in COLUMNS)]
    assert rows[-1][0] == "合计"
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert total["解救童工（人）"] == 1 and total["追发工资（元）"] == 12000.5


async def test_sign_off_freezes_the_figures_and_happens_once(client: httpx.AsyncClient,
                                                             world: World) -> None:
    sw = await build_stats_world(world)
    body = {"campaign_id": str(sw.campaign_id), "jurisdiction_id": str(world.places["home"].id)}
    r = await client.post(f"{STATS}/signoff", json=body, headers=world.headers(Role.auditor))
    assert r.status_code == 403
    r = await client.post(f"{STATS}/signoff", json=body, headers=world.headers(Role.coordinator))
    assert r.status_code == 201, r.text
    assert r.json()["signed_off"]["by"] == world.user(Role.coordinator).display_name
    async with transaction(world.db.sessionmaker) as s:
        s.add(Finding(inspection_id=sw.inspections["a2"], violation_type="wage_arrears",
                      description="补录"))
    r = await _get(client, world, sw)
    assert r.json()["signed_off"]["at"]
    assert r.json()["total"] == _plain(expected()["合计"])  # unchanged: frozen
    live = (await _get(client, world, sw, jurisdiction_id=str(sw.town.id))).json()
    assert live["signed_off"] is None and live["total"]["findings_wage_arrears"] == 2
    r = await client.post(f"{STATS}/signoff", json=body, headers=world.headers(Role.coordinator))
    assert r.status_code == 409
    audit = await client.get("/api/v1/audit", headers=world.headers(Role.coordinator),
                             params={"entity_type": "stats_signoff"})
    assert audit.status_code == 200
    assert any(e["action"] == "stats.signoff" for e in audit.json()["items"])
