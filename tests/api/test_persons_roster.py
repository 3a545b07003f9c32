"""The roster on an inspection (逐人核查) and the roster file's own rules."""

from __future__ import annotations

from datetime import date

import httpx

from app.domain.taxonomy import AgencyKind, Role
from tests.api.inspection_world import add_employer, make_team, new_inspection
from tests.api.test_persons import API, CHILD_ID, id_number, open_kiln, roster, roster_csv
from tests.conftest import TestDatabase
from tests.factories import World


async def test_an_inspection_roster_joins_the_case_its_signing_files(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    kiln = await add_employer(world)
    r = await new_inspection(client, team.of("leader"), kiln, team_id=team.id)
    url = f"{API}/inspections/{r.json()['id']}"
    await client.post(
        f"{url}/findings",
        headers=team.of("leader"),
        json={"violation_type": "wage_arrears", "description": "拖欠工资"},
    )
    rows = roster()[:3]
    upload = {"file": ("roster.csv", roster_csv(rows), "text/csv")}
    r = await client.post(f"{url}/persons/import", headers=team.of("member"), files=upload)
    assert r.status_code == 200 and (r.json()["created"], r.json()["flagged_children"]) == (3, 1)
    listed = (await client.get(f"{url}/persons", headers=team.of("leader"))).json()
    assert [p["case_id"] for p in listed["items"]] == [None] * 3
    _, stranger = await world.add_user(Role.inspector, AgencyKind.commerce)
    assert (await client.get(f"{url}/persons", headers=stranger)).status_code == 404
    await client.post(f"{url}/submit", headers=team.of("leader"))
    for who in ("leader", "member"):
        r = await client.post(f"{url}/sign", headers=team.of(who))
        assert r.status_code == 200, r.text
    case_id = r.json()["case_id"]
    on_case = await client.get(
        f"{API}/cases/{case_id}/persons", headers=world.headers(Role.coordinator)
    )
    assert sorted(p["name"] for p in on_case.json()["items"]) == ["工人01", "工人02", "工人03"]
    r = await client.post(f"{url}/persons/import", headers=team.of("leader"), files=upload)
    assert r.status_code == 409  # sealed with the inspection


async def test_roster_rows_are_checked_and_cells_kept_as_text(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    kiln = await open_kiln(client, world, db)
    labour = kiln.headers[AgencyKind.labour]
    url = f"{API}/cases/{kiln.case_id}/persons/import"
    body = (
        "姓名,身份证号,人员类别,出生日期,欠薪金额,备注\n"
        f"=cmd|' /C calc'!A0,{id_number('130981', '19800101', 5)},工人,,3000,\n"
        ",,工人,,,\n"
        "张三,,临时工,,,\n"
        "李四,,,1990年5月1日,abc,\n"
        f"王五,{CHILD_ID},需救助人员,,1200元,\n"
        "赵六,,童工,2013-02-03,,=1+1\n"
    ).encode("gbk")
    r = await client.post(url, headers=labour, files={"file": ("r.csv", body, "text/csv")})
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["rejected_total"]) == (3, 3)
    assert [x["row"] for x in r.json()["rejected"]] == [3, 4, 5]
    people = {
        p["name"]: p
        for p in (await client.get(f"{API}/cases/{kiln.case_id}/persons", headers=labour)).json()[
            "items"
        ]
    }
    assert "=cmd|' /C calc'!A0" in people  # stored as the characters it is
    assert people["王五"]["role"] == "child" and people["王五"]["role_entered"] == "vulnerable"
    assert people["王五"]["amount_owed"] == "1200.00"
    assert people["赵六"]["notes"] == "=1+1" and people["赵六"]["age"] == 13
    r = await client.post(
        url, headers=labour, files={"file": ("r.pdf", b"%PDF-1.4 x", "application/pdf")}
    )
    assert r.status_code == 415
    r = await client.post(
        url, headers=labour, files={"file": ("r.csv", "身份证号\n1\n".encode(), "text/csv")}
    )
    assert r.status_code == 422 and "姓名" in r.json()["detail"]
