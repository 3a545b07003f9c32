"""The ledger (台帐) export: Chinese headers, signers, defused formulas, scoped like the list."""

from __future__ import annotations

import csv
import io

import httpx
from openpyxl import load_workbook

from app.domain.taxonomy import Role
from app.services.inspections.inspection_ledger import HEADERS
from tests.api.inspection_world import Team, add_employer, add_place, make_team, new_inspection
from tests.factories import World

LEDGER = "/api/v1/inspections/ledger"


async def _two_inspections(client: httpx.AsyncClient, world: World) -> Team:
    await add_place(world, "羊二庄镇")
    team = await make_team(client, world, towns=("town", "羊二庄镇"))
    kiln = await add_employer(world, name="某村砖窑厂")
    evil = await add_employer(world, place="羊二庄镇", name='=HYPERLINK("http://x")')
    r = await new_inspection(client, team.of("leader"), kiln, team_id=team.id)
    url = f"/api/v1/inspections/{r.json()['id']}"
    await client.post(
        f"{url}/findings",
        headers=team.of("leader"),
        json={"violation_type": "no_work_injury_insurance", "description": "未买"},
    )
    await client.post(f"{url}/submit", headers=team.of("leader"))
    for who in ("leader", "member"):
        await client.post(f"{url}/sign", headers=team.of(who))
    await new_inspection(
        client, team.of("member"), evil, team_id=team.id, visited_on="2026-07-13", kind="follow_up"
    )
    return team


def _rows(r: httpx.Response) -> list[list[str]]:
    assert r.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


async def test_the_csv_ledger_lists_signers_and_defuses_formulas(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await _two_inspections(client, world)
    r = await client.get(
        LEDGER, headers=world.headers(Role.coordinator), params={"campaign_id": team.campaign_id}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    header, signed, draft = _rows(r)
    assert header == list(HEADERS)
    row = dict(zip(HEADERS, signed, strict=True))
    assert row["单位名称"] == "某村砖窑厂" and row["所属乡镇"] == "黄骅镇"
    assert (row["用工总数"], row["本地"], row["外地"]) == ("19", "14", "5")
    assert row["发现问题"] == "未缴纳工伤保险" and row["状态"] == "已签字"
    assert row["检查人员签字"].split("、") == [team.leader.display_name, team.member.display_name]
    assert row["签字时间"]
    other = dict(zip(HEADERS, draft, strict=True))
    assert other["单位名称"].startswith("'=")
    assert other["检查类型"] == "回访" and other["检查人员签字"] == "" and other["状态"] == "草稿"
    r = await client.get(
        LEDGER,
        headers=world.headers(Role.inspector),
        params={"township_id": str(world.places["羊二庄镇"].id)},
    )
    assert len(_rows(r)) == 2


async def test_the_xlsx_ledger_has_the_same_rows(client: httpx.AsyncClient, world: World) -> None:
    team = await _two_inspections(client, world)
    r = await client.get(
        LEDGER, headers=world.headers(Role.auditor), params={"team_id": team.id, "format": "xlsx"}
    )
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(HEADERS) and len(rows) == 3
    assert rows[1][1] == "某村砖窑厂" and rows[1][4] == 19
    assert str(rows[2][1]).startswith("'=")


async def test_the_ledger_is_scoped(client: httpx.AsyncClient, world: World) -> None:
    team = await _two_inspections(client, world)
    foreign = world.headers(Role.coordinator, "foreign")
    assert len(_rows(await client.get(LEDGER, headers=foreign))) == 1
    r = await client.get(LEDGER, headers=foreign, params={"campaign_id": team.campaign_id})
    assert r.status_code == 404
    agency = world.headers(Role.agency_officer)
    assert (await client.get(LEDGER, headers=agency)).status_code == 403
