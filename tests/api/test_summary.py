"""Done when: the drafted summary for a township with the seed's figures (one kiln, 19 workers
of whom 5 from Sichuan, a mine with 23, no child labour, filings missing) reads like
document five, as a .docx that opens; and only inside one's area."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
from docx import Document as WordDocument
from docx.oxml.ns import qn

from app.db import transaction
from app.domain.permissions import SERVICE_SCOPES, SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.services.registry import reference
from tests.api.inspection_world import Team, add_employer, add_place, make_campaign, make_team
from tests.api.report_world import inspect
from tests.factories import World

SEED_CHECKS = {
    "licences": "compliant",
    "child_labour": "compliant",
    "wage_payment": "compliant",
    "forced_labour": "compliant",
    "contracts": "not_compliant",
    "insurance": "not_compliant",
}
SEED_PROBLEMS = (
    ("no_employment_registration", "用工未及时向劳动部门备案"),
    ("no_labour_contract", "签定劳动合同不到位"),
    ("no_work_injury_insurance", "工伤保险未买"),
)


def _headcount(total: int, local: int, **more: Any) -> dict[str, Any]:
    return {"total": total, "local": local, "migrant": total - local, **more}


async def _the_seeds_township(client: httpx.AsyncClient, world: World) -> tuple[str, Team]:
    """黄骅镇 as document five tells its 乡: four villages, a kiln and a copper mine,
    a day of inspections by one team, publicity, and the tips it received."""
    for village in ("赵家海村", "大坪村", "梨园村", "花园村"):
        await add_place(world, village, parent="town", level=JurisdictionLevel.village)
    async with transaction(world.db.sessionmaker) as session:
        await reference.create_agency(
            session,
            SYSTEM_ACTOR,
            name="黄骅镇专项行动办公室",
            kind=AgencyKind.coordinator,
            jurisdiction_id=world.places["town"].id,
        )
    cid = await make_campaign(
        client, world, starts_on="2026-11-16", ends_on="2026-12-31", phases=[]
    )
    team = await make_team(client, world, towns=("town",), campaign_id=cid)
    kiln = await add_employer(world, place="赵家海村", name="赵家海砖窑厂")
    mine = await add_employer(world, place="大坪村", name="银河铜矿有限责任公司", industry="mine")
    common = {"visited_on": "2026-12-03", "checklist": SEED_CHECKS, "findings": SEED_PROBLEMS}
    await inspect(
        client,
        team,
        kiln,
        headcount=_headcount(19, 14, migrant_origins={"四川": 5}, contracts_signed=10),
        **common,
    )
    await inspect(client, team, mine, headcount=_headcount(23, 15), **common)
    coordinator = world.headers(Role.coordinator)
    town = str(world.places["town"].id)
    for entry in (
        {"on": "2026-11-16", "kind": "meeting", "count": 1, "place": "镇政府"},
        {"on": "2026-11-18", "kind": "leaflets", "count": 600, "place": "集市"},
        {"on": "2026-11-18", "kind": "signs", "count": 4, "place": "镇公开栏"},
    ):
        r = await client.post(
            f"/api/v1/campaigns/{cid}/publicity",
            json={**entry, "jurisdiction_id": town},
            headers=coordinator,
        )
        assert r.status_code == 201, r.text
    for channel in ("phone", "phone", "visit", "visit", "letter", "letter"):
        r = await client.post(
            "/api/v1/tips",
            json={
                "channel": channel,
                "description": "砖窑厂工人未签合同",
                "jurisdiction_id": town,
            },
            headers=world.headers(Role.agency_officer),
        )
        assert r.status_code == 201, r.text
    return cid, team


async def test_the_drafted_summary_reads_like_document_five(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, _ = await _the_seeds_township(client, world)
    params = {"campaign_id": cid, "jurisdiction_id": str(world.places["town"].id)}
    r = await client.get(
        "/api/v1/stats/summary", params=params, headers=world.headers(Role.coordinator)
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    word = WordDocument(io.BytesIO(r.content))
    paragraphs = [p.text for p in word.paragraphs if p.text]
    text = "\n".join(paragraphs)
    assert paragraphs[0] == "黄骅镇整治非法用工打击违法犯罪专项行动工作总结"
    assert paragraphs[1].startswith(
        "自全市开展整治非法用工打击违法犯罪专项行动以来，黄骅镇严格按照"
    )
    headings = [p for p in paragraphs if p[:2] in ("一、", "二、", "三、", "四、", "五、")]
    assert headings == [
        "一、统一思想，加强领导，制定切实可行的活动方案",
        "二、精心组织，讲究实效，做好专项行动的宣传发动",
        "三、突出重点，强化措施，确保专项行动取得实效",
        "四、发现的问题及处理情况",
        "五、下一步工作打算",
    ]
    # 一: the meeting, the office, the team; what the records lack is left to the office
    assert "11月16日我镇召开专项行动会议后" in text
    assert "组长由【待补充】担任" in text and "下设黄骅镇专项行动办公室" in text
    assert "组建检查组1个：第一组由inspector@labour任组长，共2人，成员来自" in text
    assert "抽调了2名人员组成1个检查组，分赴全镇4个行政村中的2个，出动检查人员4人次" in text
    # 二: publicity as recorded, tips by channel
    assert "发放宣传资料600份（集市）" in text and "召开动员会、座谈会等会议1次" in text
    assert "共接到群众举报6件（其中电话2件、来信2件、来访2件），目前均在办理中" in text
    # 三: the sites one by one, in the documents' words and with their figures
    assert "对已掌握的1个砖窑厂和1个矿山进行了认真排查" in text
    assert (
        "赵家海砖窑厂（砖窑厂）共使用农民工19人，其中四川籍民工5人，当地人14人，"
        "签订劳动合同10人，检查的具体情况是：1、营业证照齐全；2、未发现使用童工的现象；"
        "3、没有拖欠工人工资问题；4、未发现拐骗农民工、限制人身自由、强迫劳动等违法犯罪行为。"
    ) in text
    assert "银河铜矿有限责任公司（矿山）共使用农民工23人，其中当地的15人，外地的8人" in text
    assert (
        "但是，银河铜矿有限责任公司和赵家海砖窑厂都存在着用工未及时向劳动部门备案，"
        "签订劳动合同不到位，工伤保险未买的情况。"
    ) in text or (
        "但是，赵家海砖窑厂和银河铜矿有限责任公司都存在着用工未及时向劳动部门备案，"
        "签订劳动合同不到位，工伤保险未买的情况。"
    ) in text
    # 四 and 五: problems counted, the rest left to the office; next steps name the sites
    assert "检查中共发现问题6项" in text and "涉及用人单位2户" in text
    assert "童工" not in text.split("四、")[1].split("五、")[0]
    assert "对已检查过的2个用工单位进行相关政策法规教育" in text
    assert paragraphs[-3:-1] == ["黄骅镇专项行动办公室", "二〇二六年十二月四日"]
    # fonts as official documents set them: every run names its East Asian font
    fonts = {
        run.element.rPr.rFonts.get(qn("w:eastAsia")) for p in word.paragraphs for run in p.runs
    }
    assert fonts == {"宋体", "黑体", "仿宋", "楷体"}

    r = await client.get(
        "/api/v1/stats/summary",
        params={**params, "format": "md"},
        headers=world.headers(Role.auditor),
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    md = r.text
    assert md.startswith("# 黄骅镇整治非法用工打击违法犯罪专项行动工作总结\n")
    assert "\n## 三、突出重点，强化措施，确保专项行动取得实效\n" in md
    for paragraph in paragraphs[:-1]:  # the same text, word for word
        assert paragraph in md


async def test_a_summary_without_records_claims_nothing(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid = await make_campaign(
        client, world, starts_on="2026-11-16", ends_on="2026-12-31", phases=[]
    )
    r = await client.get(
        "/api/v1/stats/summary",
        params={"campaign_id": cid, "format": "md"},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 200, r.text
    assert "宣传发动情况【待补充】" in r.text and "尚未接到群众举报" in r.text
    assert "尚无已签字的检查记录" in r.text and "检查中未发现违法用工问题" in r.text
    assert "未发现使用童工" not in r.text and "证照齐全" not in r.text


async def test_a_summary_outside_your_area_is_not_found(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid = await make_campaign(client, world)
    foreign = world.headers(Role.coordinator, "foreign")
    r = await client.get("/api/v1/stats/summary", params={"campaign_id": cid}, headers=foreign)
    assert r.status_code == 404
    r = await client.get(
        "/api/v1/stats/summary",
        params={"campaign_id": cid, "jurisdiction_id": str(world.places["foreign"].id)},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 404
    r = await client.get(
        "/api/v1/stats/summary", params={"campaign_id": cid}, headers=world.headers(Role.inspector)
    )
    assert r.status_code == 403


async def _freeze(client: httpx.AsyncClient, world: World, cid: str, period_end: str) -> Any:
    r = await client.put(
        f"/api/v1/campaigns/{cid}/reporting",
        json={"kind": "ten_days", "days": [8, 18, 28]},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        "/api/v1/stats/reports",
        json={
            "campaign_id": cid,
            "jurisdiction_id": str(world.places["town"].id),
            "period_end": period_end,
        },
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _summary(
    client: httpx.AsyncClient, world: World, cid: str, headers: dict[str, str], **more: str
) -> str:
    params = {"campaign_id": cid, "jurisdiction_id": str(world.places["town"].id), **more}
    r = await client.get(
        "/api/v1/stats/summary", params={**params, "format": "md"}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.text


async def test_a_reported_periods_summary_keeps_the_reports_figures_and_names_it(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, team = await _the_seeds_township(client, world)
    report = await _freeze(client, world, cid, "2026-12-08")
    assert report["form"]["total"]["employers_inspected"] == 2
    # the records move on: a third site inspected, another tip, more leaflets
    shop = await add_employer(world, place="梨园村", name="梨园家具作坊", industry="furniture")
    await inspect(client, team, shop, headcount=_headcount(6, 6), visited_on="2026-12-04")
    r = await client.post(
        "/api/v1/tips",
        json={
            "channel": "mailbox",
            "description": "作坊拖欠工资",
            "jurisdiction_id": str(world.places["town"].id),
        },
        headers=world.headers(Role.agency_officer),
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/campaigns/{cid}/publicity",
        json={
            "on": "2026-12-04",
            "kind": "leaflets",
            "count": 100,
            "jurisdiction_id": str(world.places["town"].id),
        },
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 201, r.text
    office = world.headers(Role.coordinator)

    r = await client.get(
        "/api/v1/stats/summary",
        params={
            "campaign_id": cid,
            "jurisdiction_id": str(world.places["town"].id),
            "period_end": "2026-12-08",
        },
        headers=office,
    )
    assert r.status_code == 200, r.text
    word = WordDocument(io.BytesIO(r.content))
    paragraphs = [p.text for p in word.paragraphs if p.text]
    frozen = "\n".join(paragraphs)
    # the report's figures, not the records' of today
    assert "共接到群众举报6件（其中电话2件、来信2件、来访2件）" in frozen
    assert "分赴全镇4个行政村中的2个，出动检查人员4人次" in frozen
    assert "截至12月8日，对1个小砖窑和1个小矿山进行了排查" in frozen
    assert "赵家海砖窑厂（砖窑厂）共使用农民工19人，其中四川籍民工5人，当地人14人" in frozen
    assert "银河铜矿有限责任公司（矿山）共使用农民工23人" in frozen
    assert "梨园家具作坊" not in frozen and "举报箱1件" not in frozen
    assert "发放宣传资料600份（集市）" in frozen
    assert "检查中共发现问题6项" in frozen and "涉及用人单位2户" in frozen
    assert "据我镇报送的统计表，截至12月8日，补签劳动合同2户，督促参保2户。" in frozen
    # and it says which report, who froze it and when
    by = report["frozen_by_name"]
    assert f"本稿数字取自黄骅镇截至2026年12月8日的定期报表（第1版，{by}于2026年12月4日" in frozen
    assert paragraphs[-2] == "二〇二六年十二月八日"

    # a later period, not reported: today's records, and the draft says so
    live = await _summary(client, world, cid, office, period_end="2026-12-18")
    assert "共接到群众举报7件（其中电话2件、来信2件、来访2件、举报箱1件）" in live
    assert "梨园家具作坊（家具厂）共使用农民工6人" in live
    assert "发放宣传资料700份" in live
    assert (
        "本稿数字取自截至起草时（2026年12月4日）的实时记录，"
        "截至2026年12月18日的一期尚未报送定期报表" in live
    )
    assert "定期报表（第" not in live and "二〇二六年十二月四日" in live

    # without a period: the latest one reported on or before today (28 November, late)
    await _freeze(client, world, cid, "2026-11-28")
    latest = await _summary(client, world, cid, office)
    assert "本稿数字取自黄骅镇截至2026年11月28日的定期报表（第1版" in latest
    assert "截至11月28日，尚未接到群众举报。" in latest  # the tips came in December
    assert "截至11月28日，我镇尚无已签字的检查记录" in latest
    assert "发放宣传资料600份（集市）" in latest


async def _service_account(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    r = await client.post(
        "/api/v1/service-accounts",
        headers=world.headers(Role.admin),
        json={
            "name": "劳动监察办案系统",
            "agency_id": str(world.agency(AgencyKind.labour).id),
            "scopes": sorted(SERVICE_SCOPES),
        },
    )
    assert r.status_code == 201, r.text
    token = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": r.json()["client_id"],
            "client_secret": r.json()["client_secret"],
        },
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_a_reported_summary_keeps_the_umbrella_from_who_may_not_see_it(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, team = await _the_seeds_township(client, world)
    shop = await add_employer(world, place="梨园村", name="梨园家具作坊", industry="furniture")
    await inspect(
        client,
        team,
        shop,
        headcount=_headcount(6, 6),
        visited_on="2026-12-03",
        findings=(("wage_arrears", "拖欠工资两个月"), ("official_misconduct", "村主任入股作坊")),
    )
    await _freeze(client, world, cid, "2026-12-08")
    office = await _summary(
        client, world, cid, world.headers(Role.coordinator), period_end="2026-12-08"
    )
    assert "检查中共发现问题8项" in office and "公职人员失职渎职" in office
    system = await _summary(
        client, world, cid, await _service_account(client, world), period_end="2026-12-08"
    )
    assert "定期报表（第1版" in system
    assert "检查中共发现问题7项" in system
    assert "公职人员" not in system and "保护伞" not in system
