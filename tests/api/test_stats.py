"""The statistics table adds up: every column, for each township and the total, in every format."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlmodel import select

from app.db import transaction
from app.domain.stats import COLUMN_KEYS, COLUMNS, Figures
from app.domain.taxonomy import AgencyKind, Role
from app.models.cases import Case
from app.models.inspections import Campaign
from tests.api.inspection_world import (
    KILN_HEADCOUNT,
    Team,
    add_employer,
    add_place,
    make_team,
    new_inspection,
)
from tests.factories import World
from tests.services.stats_world import (
    JULY,
    StatsWorld,
    _Builder,
    _employer_named,
    build_stats_world,
    expected,
    revisit,
)

STATS = "/api/v1/stats"


def _plain(figures: Figures) -> dict[str, Any]:
    return {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in figures.items()}


async def _get(
    client: httpx.AsyncClient,
    world: World,
    sw: StatsWorld,
    role: Role = Role.coordinator,
    **params: Any,
) -> httpx.Response:
    return await client.get(
        STATS, headers=world.headers(role), params={"campaign_id": str(sw.campaign_id), **params}
    )


async def test_every_column_adds_up_for_each_township_and_the_total(
    client: httpx.AsyncClient, world: World
) -> None:
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


async def test_a_township_table_rolls_its_villages_up(
    client: httpx.AsyncClient, world: World
) -> None:
    sw = await build_stats_world(world)
    r = await _get(client, world, sw, jurisdiction_id=str(sw.yang.id))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [row["jurisdiction"]["name"] for row in body["rows"]] == ["北二里村", "羊二庄镇"]
    assert body["total"] == _plain(expected()["羊二庄镇"])


async def test_a_place_outside_your_area_is_not_found(
    client: httpx.AsyncClient, world: World
) -> None:
    sw = await build_stats_world(world)
    r = await _get(client, world, sw, jurisdiction_id=str(world.places["foreign"].id))
    assert r.status_code == 404
    r = await _get(client, world, sw, role=Role.coordinator, jurisdiction_id=str(sw.town.id))
    assert r.status_code == 200
    r = await client.get(
        STATS,
        headers=world.headers(Role.coordinator, "foreign"),
        params={"campaign_id": str(sw.campaign_id)},
    )
    assert r.status_code == 404
    r = await _get(client, world, sw, role=Role.inspector)
    assert r.status_code == 403


async def test_a_city_campaign_is_reported_on_by_the_county_and_the_city(
    client: httpx.AsyncClient, world: World
) -> None:
    sw = await build_stats_world(world)
    _, city = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    r = await client.get(STATS, headers=city, params={"campaign_id": str(sw.campaign_id)})
    assert r.status_code == 200, r.text
    rows = {row["jurisdiction"]["name"]: row["figures"] for row in r.json()["rows"]}
    assert rows["黄骅市"] == _plain(expected()["合计"])
    assert rows["献县"]["fines_amount"] == "777.00" and rows["献县"]["cases_opened"] == 1


async def test_the_csv_has_a_bom_chinese_headers_and_defused_cells(
    client: httpx.AsyncClient, world: World
) -> None:
    sw = await build_stats_world(world)
    r = await client.get(
        STATS,
        headers={**world.headers(Role.coordinator), "Accept": "text/csv"},
        params={"campaign_id": str(sw.campaign_id)},
    )
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


async def test_a_formula_like_place_name_is_defused_in_csv(
    client: httpx.AsyncClient, world: World
) -> None:
    sw = await build_stats_world(world)
    await add_place(world, "=cmd|' /C calc'!A0")
    r = await _get(client, world, sw, format="csv")
    names = [row[0] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))]
    assert "'=cmd|' /C calc'!A0" in names
    assert not any(n.startswith("=") for n in names)


async def test_the_xlsx_opens_with_chinese_headers_and_a_total_row(
    client: httpx.AsyncClient, world: World
) -> None:
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


async def test_sign_off_freezes_the_figures_and_happens_once(
    client: httpx.AsyncClient, world: World
) -> None:
    sw = await build_stats_world(world)
    body = {"campaign_id": str(sw.campaign_id), "jurisdiction_id": str(world.places["home"].id)}
    r = await client.post(f"{STATS}/signoff", json=body, headers=world.headers(Role.auditor))
    assert r.status_code == 403
    r = await client.post(f"{STATS}/signoff", json=body, headers=world.headers(Role.coordinator))
    assert r.status_code == 201, r.text
    assert r.json()["signed_off"]["by"] == world.user(Role.coordinator).display_name
    await revisit(world, sw, '=HYPERLINK("x")小作坊', 22, ("wage_arrears",))
    r = await _get(client, world, sw)
    assert r.json()["signed_off"]["at"]
    assert r.json()["total"] == _plain(expected()["合计"])  # unchanged: frozen
    live = (await _get(client, world, sw, jurisdiction_id=str(sw.town.id))).json()
    assert live["signed_off"] is None and live["total"]["findings_wage_arrears"] == 2
    r = await client.post(f"{STATS}/signoff", json=body, headers=world.headers(Role.coordinator))
    assert r.status_code == 409
    audit = await client.get(
        "/api/v1/audit",
        headers=world.headers(Role.coordinator),
        params={"entity_type": "stats_signoff"},
    )
    assert audit.status_code == 200
    assert any(e["action"] == "stats.signoff" for e in audit.json()["items"])


async def _town(client: httpx.AsyncClient, world: World, campaign_id: str) -> dict[str, Any]:
    r = await client.get(
        STATS, headers=world.headers(Role.coordinator), params={"campaign_id": campaign_id}
    )
    assert r.status_code == 200, r.text
    rows: dict[str, dict[str, Any]] = {
        row["jurisdiction"]["name"]: row["figures"] for row in r.json()["rows"]
    }
    return rows["黄骅镇"]


async def _submitted(
    client: httpx.AsyncClient, team: Team, employer: uuid.UUID, codes: tuple[str, ...]
) -> str:
    h = team.of("leader")
    r = await new_inspection(client, h, employer, team_id=team.id)
    url = f"/api/v1/inspections/{r.json()['id']}"
    for code in codes:
        await client.post(
            f"{url}/findings", headers=h, json={"violation_type": code, "description": "见笔录"}
        )
    assert (await client.post(f"{url}/submit", headers=h)).status_code == 200
    return url


async def _amendment(client: httpx.AsyncClient, team: Team, url: str, **body: Any) -> str:
    r = await client.post(
        f"{url}/amendments", headers=team.of("leader"), json={"reason": "更正", **body}
    )
    assert r.status_code == 201, r.text
    amended = f"/api/v1/inspections/{r.json()['id']}"
    assert (await client.post(f"{amended}/submit", headers=team.of("leader"))).status_code == 200
    return amended


async def _seal(client: httpx.AsyncClient, team: Team, *urls: str) -> None:
    """Both team members sign; the member's signatures, the last, go in all at once."""
    for url in urls:
        assert (await client.post(f"{url}/sign", headers=team.of("leader"))).status_code == 200
    last = await asyncio.gather(
        *(client.post(f"{url}/sign", headers=team.of("member")) for url in urls)
    )
    assert [r.status_code for r in last] == [200] * len(urls), [r.text for r in last]


async def test_signing_and_amending_moves_the_inspection_figures(
    client: httpx.AsyncClient, world: World
) -> None:
    """Through the real signatures: an inspection counts once its last signature seals it,
    and each signed amendment replaces what its original counted, except the staff."""
    team = await make_team(client, world)
    url = await _submitted(
        client, team, await add_employer(world), ("wage_arrears", "child_labour")
    )
    await client.post(f"{url}/sign", headers=team.of("leader"))
    assert (await _town(client, world, team.campaign_id))["employers_inspected"] == 0
    await client.post(f"{url}/sign", headers=team.of("member"))
    got = await _town(client, world, team.campaign_id)
    assert (got["employers_inspected"], got["employers_inspected_brick_kiln"]) == (1, 1)
    assert (got["workers_total"], got["staff_turnout"], got["employers_with_problems"]) == (
        19,
        2,
        1,
    )
    assert (got["findings"], got["findings_wage_arrears"], got["findings_child_labour"]) == (
        2,
        1,
        1,
    )

    amended = await _amendment(
        client,
        team,
        url,
        headcount={**KILN_HEADCOUNT, "total": 25, "local": 20},
        findings=[{"violation_type": "no_labour_contract", "description": "无合同"}],
    )
    assert (await _town(client, world, team.campaign_id))["findings"] == 2  # a draft: no change
    await _seal(client, team, amended)
    got = await _town(client, world, team.campaign_id)
    assert (got["employers_inspected"], got["workers_total"], got["staff_turnout"]) == (1, 25, 2)
    assert (
        got["findings"],
        got["findings_no_labour_contract"],
        got["findings_wage_arrears"],
        got["findings_child_labour"],
        got["employers_with_problems"],
    ) == (1, 1, 0, 0, 1)

    await _seal(client, team, await _amendment(client, team, amended, findings=[]))
    got = await _town(client, world, team.campaign_id)
    assert (got["employers_inspected"], got["workers_total"], got["staff_turnout"]) == (1, 25, 2)
    assert (got["findings"], got["employers_with_problems"]) == (0, 0)


async def test_inspections_sealed_at_the_same_moment_are_each_counted_once(
    client: httpx.AsyncClient, world: World
) -> None:
    """Five employers of one township sealed at once, then two amendments of one of them:
    the township's figures are shared rows, and each amendment replaces the same original."""
    team = await make_team(client, world)
    codes = [("wage_arrears", "child_labour"), ("child_labour", "wage_arrears")]
    urls = [
        await _submitted(client, team, await add_employer(world, name=f"砖厂{n}"), codes[n % 2])
        for n in range(5)
    ]
    await _seal(client, team, *urls)
    got = await _town(client, world, team.campaign_id)
    assert (
        got["employers_inspected"],
        got["staff_turnout"],
        got["employers_with_problems"],
        got["findings_wage_arrears"],
        got["findings_child_labour"],
    ) == (5, 10, 5, 5, 5)
    await _seal(client, team, *[await _amendment(client, team, urls[0]) for _ in range(2)])
    got = await _town(client, world, team.campaign_id)
    # The original is replaced once; both amendments count, with the findings they copied.
    assert (
        got["employers_inspected"],
        got["staff_turnout"],
        got["employers_with_problems"],
        got["findings_wage_arrears"],
        got["findings_child_labour"],
    ) == (5, 10, 5, 6, 6)


async def test_without_campaign_id_the_campaign_under_way_in_your_area_answers(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    """Today is China's date (fixed_day); a campaign above your place counts as yours."""
    _, city = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    county = world.headers(Role.coordinator)

    async def campaign(
        headers: dict[str, str], place: str, name: str, starts: int, ends: int
    ) -> str:
        r = await client.post(
            "/api/v1/campaigns",
            headers=headers,
            json={
                "name": name,
                "jurisdiction_id": str(world.places[place].id),
                "starts_on": str(fixed_day + timedelta(days=starts)),
                "ends_on": str(fixed_day + timedelta(days=ends)),
            },
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    last_year = await campaign(city, "city", "去年全市专项行动", -400, -370)
    under_way = await campaign(county, "home", "本县专项行动", -10, 0)  # its last day
    await campaign(county, "home", "明年专项行动", 1, 30)

    async def current(headers: dict[str, str]) -> str:
        r = await client.get(STATS, headers=headers)
        assert r.status_code == 200, r.text
        return str(r.json()["campaign"]["id"])

    assert await current(county) == under_way
    assert await current(world.headers(Role.coordinator, "foreign")) == last_year  # the latest
    r = await client.get(STATS, headers=county, params={"campaign_id": last_year})
    assert r.json()["campaign"]["name"] == "去年全市专项行动"


async def test_filed_cases_and_households_are_counted_as_the_national_form_means(
    client: httpx.AsyncClient, world: World
) -> None:
    """立案/结案 count the agencies' filed and concluded cases, not the routing record;
    columns in 户 count employers, each once."""
    sw = await build_stats_world(world)
    async with transaction(world.db.sessionmaker) as s:
        campaign = await s.get(Campaign, sw.campaign_id)
        assert campaign is not None
        b = _Builder(world, s, campaign)
        kiln, shop = (
            await _employer_named(b, "某村砖窑厂"),
            await _employer_named(b, '=HYPERLINK("x")小作坊'),
        )
        shop_case = (await s.exec(select(Case).where(Case.employer_id == shop.id))).one()
        safety = await b.assignment(shop_case, AgencyKind.safety, "concluded", filed=JULY)
        await b.action(safety, "suspension")  # the same workshop suspended a second time
        kiln_case = (await s.exec(select(Case).where(Case.employer_id == kiln.id))).one()
        await b.assignment(kiln_case, AgencyKind.supervision)  # accepted, never filed
        kiln.jurisdiction_id = sw.yang.id  # the kiln moved and was inspected there again
        await b.inspection(kiln, 22, (5, 5, 0, 0, 0, 5), 2, ("wage_arrears",))
    r = await _get(client, world, sw)
    assert r.status_code == 200, r.text
    rows = {row["jurisdiction"]["name"]: row["figures"] for row in r.json()["rows"]}
    total = r.json()["total"]
    # The workshop's case was filed by labour and by safety: two 立案, both concluded.
    assert (rows["黄骅镇"]["cases_opened"], rows["黄骅镇"]["cases_closed"]) == (3, 2)
    assert rows["黄骅镇"]["suspensions"] == 1
    # The kiln had problems in both places: one household, counted where it was last seen.
    assert (total["employers_inspected"], total["employers_with_problems"]) == (4, 3)
    assert (
        rows["黄骅镇"]["employers_with_problems"],
        rows["羊二庄镇"]["employers_with_problems"],
    ) == (1, 2)
