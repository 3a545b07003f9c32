"""Periodic reports up the hierarchy on the national form (issue 16, items 1 and 2).

A county (黄骅市) with three townships runs a campaign reporting every ten days (8th,
18th, 28th). Two townships freeze their report for the period ending 8 December before
it is due, one does not. It is Friday 4 December in China (`fixed_day`).
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import sqlalchemy as sa
from openpyxl import load_workbook

from app import clock
from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.models.cases import Action, Assignment, Case
from app.models.employers import Employer
from app.models.inspections import Finding, Inspection, InspectionSignature
from app.models.persons import Person
from app.models.reference import Jurisdiction
from app.models.tips import Tip
from app.services.registry import reference
from app.services.reports import report_reminders
from tests.api.inspection_world import add_place, make_campaign
from tests.conftest import TestDatabase
from tests.factories import World

REPORTS = "/api/v1/stats/reports"
SUBMISSIONS = "/api/v1/stats/submissions"
TOWNS = ("黄骅镇", "羊二庄镇", "南排河镇")  # the first two submit, 南排河镇 does not
PERIOD = "2026-12-08"


def _at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 2, 0, tzinfo=UTC)


class Data:
    """Records under one township: written straight to the database (known figures)."""

    def __init__(self, world: World, session: Any, campaign_id: uuid.UUID, town: Jurisdiction):
        self.world, self.s, self.campaign_id, self.town = world, session, campaign_id, town
        self.signers = [u.id for u in world.users.values()]

    async def employer(self, name: str, industry: str) -> Employer:
        e = Employer(name=name, industry=industry, jurisdiction_id=self.town.id, address="村东")
        self.s.add(e)
        await self.s.flush()
        return e

    async def inspection(
        self,
        e: Employer,
        visited: date,
        total: int,
        signers: int = 2,
        findings: tuple[tuple[str, int], ...] = (),
    ) -> None:
        i = Inspection(
            employer_id=e.id,
            jurisdiction_id=self.town.id,
            campaign_id=self.campaign_id,
            inspector_id=self.world.user(Role.inspector).id,
            kind="enforcement",
            status="signed",
            visited_on=visited,
            total=total,
            local=total,
            migrant=0,
            female=0,
            minors_16_18=0,
            children_under_16=0,
            contracts_signed=0,
            signed_at=datetime(visited.year, visited.month, visited.day, 8, tzinfo=UTC),
        )
        self.s.add(i)
        await self.s.flush()
        for uid in self.signers[:signers]:
            self.s.add(InspectionSignature(inspection_id=i.id, user_id=uid))
        for code, workers in findings:
            self.s.add(
                Finding(
                    inspection_id=i.id,
                    violation_type=code,
                    description="见笔录",
                    workers_affected=workers,
                )
            )
        await self.s.flush()

    async def actions(self, e: Employer, *acts: tuple[str, str | None, int | None, int]) -> None:
        """(type, amount in yuan, count, day in November) on one case of `e`."""
        c = Case(
            employer_id=e.id, status="open", jurisdiction_path=self.town.path, opened_at=_at(2)
        )
        self.s.add(c)
        await self.s.flush()
        a = Assignment(
            case_id=c.id,
            agency_id=self.world.agency(AgencyKind.labour).id,
            role="lead",
            status="accepted",
            due_at=_at(3),
            reason="按规则交办",
        )
        self.s.add(a)
        await self.s.flush()
        for kind, amount, count, day in acts:
            await self.s.exec(
                sa.insert(Action).values(
                    id=uuid.uuid4(),
                    assignment_id=a.id,
                    case_id=c.id,
                    type=kind,
                    note="",
                    amount=Decimal(amount) if amount else None,
                    count=count,
                    created_by="t",
                    created_at=_at(day) if day <= 30 else _at(day - 30, 12),
                )
            )

    def tip(self, status: str, at: datetime, employer: Employer | None = None) -> None:
        self.s.add(
            Tip(
                receipt_hash=uuid.uuid4().hex,
                channel="phone",
                status=status,
                description="举报",
                scope_path=self.town.path,
                employer_id=employer.id if employer else None,
                received_at=at,
                triage_due_at=at,
            )
        )


async def _county(client: httpx.AsyncClient, world: World) -> tuple[str, dict[str, dict[str, str]]]:
    """Three townships, a coordinator (township office) in each, the campaign with its
    rhythm, and records under each township."""
    for name in TOWNS[1:]:
        await add_place(world, name)
    heads: dict[str, dict[str, str]] = {}
    async with transaction(world.db.sessionmaker) as session:
        for name in TOWNS[1:]:
            world.agencies[(name, AgencyKind.township)] = await reference.create_agency(
                session,
                SYSTEM_ACTOR,
                name=None,
                kind=AgencyKind.township,
                jurisdiction_id=world.places[name].id,
            )
        # a village under 黄骅镇: villages do not report, their township does
        await reference.create_jurisdiction(
            session,
            SYSTEM_ACTOR,
            name="后街村",
            level=JurisdictionLevel.village,
            parent_id=world.places["town"].id,
        )
    world.places["黄骅镇"] = world.places["town"]
    for name in TOWNS:
        place = "town" if name == "黄骅镇" else name
        _, heads[name] = await world.add_user(Role.coordinator, AgencyKind.township, place)
    cid = await make_campaign(
        client, world, starts_on="2026-11-01", ends_on="2026-12-31", phases=[]
    )
    r = await client.put(
        f"/api/v1/campaigns/{cid}/reporting",
        json={"kind": "ten_days", "days": [8, 18, 28], "final_by": "2027-01-05"},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 200, r.text
    assert [p["period_end"] for p in r.json()["periods"]] == [
        "2026-11-08",
        "2026-11-18",
        "2026-11-28",
        "2026-12-08",
        "2026-12-18",
        "2026-12-28",
        "2026-12-31",
    ]
    assert r.json()["periods"][-1] == {
        "period_end": "2026-12-31",
        "due_on": "2027-01-05",
        "final": True,
    }
    await _records(world, uuid.UUID(cid))
    return cid, heads


async def _records(world: World, campaign_id: uuid.UUID) -> None:
    async with transaction(world.db.sessionmaker) as session:
        hh = Data(world, session, campaign_id, world.places["黄骅镇"])
        kiln = await hh.employer("后街砖窑厂", "brick_kiln")
        await hh.inspection(kiln, date(2026, 11, 10), 25)
        # the revisit's 19 workers count, once; its finding too
        await hh.inspection(kiln, date(2026, 11, 20), 19, findings=(("no_labour_contract", 5),))
        mine = await hh.employer("前街铁矿", "mine")
        await hh.inspection(mine, date(2026, 11, 12), 23, signers=3)
        # after the period's end: not in the report for 8 December
        shop = await hh.employer("东村作坊", "workshop")
        await hh.inspection(shop, date(2026, 12, 10), 4)
        await hh.actions(
            kiln,
            ("wages_recovered", "12345.00", 7, 21),
            ("fine", "5000.00", None, 22),
            ("site_closed", None, None, 23),
            ("site_closed", None, None, 24),  # one household however many closures
            ("children_rescued", None, 2, 25),
        )
        hh.tip("rejected", _at(15), kiln)
        hh.tip("received", _at(16))
        yang = Data(world, session, campaign_id, world.places["羊二庄镇"])
        coal = await yang.employer("羊二庄煤窑", "coal_mine")
        await yang.inspection(coal, date(2026, 11, 18), 40, findings=(("no_social_insurance", 12),))
        kiln2 = await yang.employer("羊二庄砖厂", "brick_kiln")
        await yang.inspection(kiln2, date(2026, 11, 19), 11)
        await yang.actions(coal, ("fine", "20000.00", None, 26), ("suspension", None, None, 26))
        yang.tip("received", _at(20))
        nan = Data(world, session, campaign_id, world.places["南排河镇"])
        furn = await nan.employer("南排河家具厂", "furniture")
        await nan.inspection(furn, date(2026, 11, 15), 9)


async def _freeze(
    client: httpx.AsyncClient, headers: dict[str, str], cid: str, place: uuid.UUID, **more: Any
) -> httpx.Response:
    body = {"campaign_id": cid, "jurisdiction_id": str(place), "period_end": PERIOD, **more}
    return await client.post(REPORTS, json=body, headers=headers)


def _money(v: str | int | None) -> Decimal:
    return Decimal(str(v))


async def test_two_townships_submit_the_county_sees_who_and_rolls_up_what_was_submitted(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, heads = await _county(client, world)
    frozen: dict[str, dict[str, Any]] = {}
    for name in TOWNS[:2]:
        r = await _freeze(client, heads[name], cid, world.places[name].id)
        assert r.status_code == 201, r.text
        frozen[name] = r.json()
        assert frozen[name]["frozen"] is True and frozen[name]["version"] == 1
    hh = frozen["黄骅镇"]["form"]
    kiln, mine = hh["cells"]["brick_kiln"], hh["cells"]["mine"]
    # what a person filling in the form by hand from the same records writes down
    assert kiln["staff_turnout"] == 4 and mine["staff_turnout"] == 3
    assert kiln["employers_inspected"] == 1 and kiln["workers"] == 19 and mine["workers"] == 23
    assert kiln["contracts_households"] == 1 and kiln["contracts_workers"] == 5
    assert kiln["wages_amount"] == "1.2345" and kiln["wages_workers"] == 7
    assert kiln["fines"] == "0.5000" and kiln["sites_closed"] == 1
    assert kiln["children_rescued"] == 2
    assert hh["total"]["employers_inspected"] == 2  # the workshop was visited after 8 Dec
    assert hh["total"]["workers"] == 42
    assert hh["total"]["tips_received"] == 2 and hh["total"]["tips_concluded"] == 1
    assert hh["cells"]["other"]["tips_received"] == 1  # a tip naming no employer
    # not collected is null with the column saying so, never 0
    columns = {c["key"]: c for c in hh["columns"]}
    for key in (
        "disabled_helped",
        "criminal_detention",
        "administrative_detention",
        "public_security_penalty",
        "officials_held",
    ):
        assert columns[key]["collected"] is False
        assert hh["total"][key] is None and kiln[key] is None
    # publicity and the advance fund are read from their records: none here, so 0
    for key in ("leaflets", "consultations", "advance_payment"):
        assert columns[key]["collected"] is True
        assert hh["total"][key] in (0, "0", "0.0000")
    assert columns["leaflets"]["source"] == "publicity"
    assert columns["advance_payment"]["source"] == "persons"

    # the county: submitted, submitted, missing, with the due date
    r = await client.get(
        SUBMISSIONS,
        params={"campaign_id": cid, "period_end": PERIOD},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 200, r.text
    got = {p["jurisdiction"]["name"]: p for p in r.json()["places"]}
    assert sorted(got) == sorted(TOWNS)  # the village is not a reporting place
    assert [got[n]["status"] for n in TOWNS] == ["submitted", "submitted", "missing"]
    assert {p["due_on"] for p in got.values()} == {PERIOD}
    assert got["南排河镇"]["overdue"] is False  # 8 December has not ended yet

    # its table is the sum of the two submitted ones, cell by cell, and names the missing
    r = await client.get(
        REPORTS,
        params={"campaign_id": cid, "period_end": PERIOD},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 200, r.text
    county = r.json()
    assert county["frozen"] is False
    assert [p["name"] for p in county["missing"]] == ["南排河镇"]
    assert sorted(p["name"] for p in county["included"]) == sorted(TOWNS[:2])
    forms = [frozen[n]["form"] for n in TOWNS[:2]]
    money = {c["key"] for c in county["form"]["columns"] if c["unit"] == "万元"}
    checked = 0
    for row in [*county["form"]["cells"], None]:
        for col in (c["key"] for c in county["form"]["columns"]):
            cells = [f["cells"][row][col] if row else f["total"][col] for f in forms]
            want_cell = county["form"]["cells"][row][col] if row else county["form"]["total"][col]
            if None in cells:
                assert want_cell is None, (row, col)
            elif col in money:
                assert _money(want_cell) == sum(map(_money, cells)), (row, col)
            else:
                assert want_cell == sum(cells), (row, col)
            checked += 1
    assert checked == 6 * 27
    assert county["form"]["total"]["employers_inspected"] == 4
    assert county["form"]["total"]["fines"] == "2.5000"
    # the 南排河镇 furniture workshop is not in it: the county sums what was submitted
    assert county["form"]["cells"]["workshop"]["employers_inspected"] == 0

    # the county freezes that sum; the XLSX is laid out like the paper form
    r = await _freeze(client, world.headers(Role.coordinator), cid, world.places["home"].id)
    assert r.status_code == 201, r.text
    assert r.json()["form"]["total"] == county["form"]["total"]
    r = await client.get(
        REPORTS,
        params={"campaign_id": cid, "period_end": PERIOD, "format": "xlsx"},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    merged = {str(m) for m in sheet.merged_cells.ranges}
    assert sheet["A3"].value == "场所类型" and "A3:A4" in merged
    assert sheet["B3"].value == "参加检查人次（人次）" and "B3:B4" in merged
    assert sheet["E3"].value == "补签劳动合同" and "E3:F3" in merged
    assert (sheet["E4"].value, sheet["F4"].value) == ("户", "人")
    labels = [sheet.cell(row=r, column=1).value for r in range(5, 11)]
    assert labels == ["小砖窑", "小煤窑", "小矿山", "小作坊", "其他", "合计"]
    assert sheet["C10"].value == 4  # 检查单位户数, 合计
    assert sheet.cell(row=10, column=26).value == 0  # 发放宣传资料: collected, none here
    totals = [sheet.cell(row=10, column=c).value for c in range(2, sheet.max_column + 1)]
    assert "未采集" in totals  # 救助残障人员 and the like: no record holds them yet
    assert sheet["A11"].value == "未报送：南排河镇"
    r = await client.get(
        REPORTS,
        params={"campaign_id": cid, "period_end": PERIOD, "format": "csv"},
        headers=world.headers(Role.coordinator),
    )
    assert r.content.startswith("\ufeff".encode()) and "补签劳动合同" in r.text


async def test_a_frozen_report_never_changes_and_a_correction_is_a_new_version(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, heads = await _county(client, world)
    yang = world.places["羊二庄镇"].id
    first = await _freeze(client, heads["羊二庄镇"], cid, yang)
    assert first.status_code == 201
    again = await _freeze(client, heads["羊二庄镇"], cid, yang)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    # records keep coming: the frozen report does not move
    async with transaction(world.db.sessionmaker) as session:
        d = Data(world, session, uuid.UUID(cid), world.places["羊二庄镇"])
        late = await d.employer("羊二庄小矿", "mine")
        await d.inspection(late, date(2026, 11, 30), 6)
    params = {"campaign_id": cid, "period_end": PERIOD, "jurisdiction_id": str(yang)}
    r = await client.get(REPORTS, params=params, headers=heads["羊二庄镇"])
    assert r.json()["form"]["total"] == first.json()["form"]["total"]
    assert r.json()["form"]["total"]["employers_inspected"] == 2
    fixed = await _freeze(client, heads["羊二庄镇"], cid, yang, reason="漏报一处小矿山")
    assert fixed.status_code == 201, fixed.text
    body = fixed.json()
    assert body["version"] == 2 and body["reason"] == "漏报一处小矿山"
    assert body["form"]["total"]["employers_inspected"] == 3
    r = await client.get(REPORTS, params=params, headers=heads["羊二庄镇"])
    assert [v["version"] for v in r.json()["versions"]] == [1, 2]
    assert [v["reason"] for v in r.json()["versions"]] == [None, "漏报一处小矿山"]
    assert r.json()["form"]["total"]["employers_inspected"] == 3
    # the county counts the latest version; the place was on time with its first
    r = await client.get(
        REPORTS,
        params={"campaign_id": cid, "period_end": PERIOD},
        headers=world.headers(Role.coordinator),
    )
    assert r.json()["form"]["cells"]["mine"]["employers_inspected"] == 1
    r = await client.get(
        SUBMISSIONS,
        params={"campaign_id": cid, "period_end": PERIOD},
        headers=world.headers(Role.coordinator),
    )
    yang_row = next(p for p in r.json()["places"] if p["jurisdiction"]["name"] == "羊二庄镇")
    assert yang_row["status"] == "submitted" and yang_row["version"] == 2


async def test_a_report_after_its_due_day_is_late_and_a_missing_one_is_overdue(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, heads = await _county(client, world)
    r = await _freeze(
        client, heads["黄骅镇"], cid, world.places["黄骅镇"].id, period_end="2026-11-28"
    )
    assert r.status_code == 201
    r = await client.get(
        SUBMISSIONS,
        params={"campaign_id": cid, "period_end": "2026-11-28"},
        headers=world.headers(Role.coordinator),
    )
    got = {p["jurisdiction"]["name"]: (p["status"], p["overdue"]) for p in r.json()["places"]}
    assert got == {
        "黄骅镇": ("late", False),
        "羊二庄镇": ("missing", True),
        "南排河镇": ("missing", True),
    }
    # a day that is not a reporting day
    r = await _freeze(
        client, heads["黄骅镇"], cid, world.places["黄骅镇"].id, period_end="2026-11-29"
    )
    assert r.status_code == 422


async def test_a_township_cannot_freeze_another_and_outside_the_area_is_not_found(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, heads = await _county(client, world)
    r = await _freeze(client, heads["黄骅镇"], cid, world.places["羊二庄镇"].id)
    assert r.status_code == 404
    r = await _freeze(client, heads["黄骅镇"], cid, world.places["home"].id)
    assert r.status_code == 404  # nor the county above it
    foreign = world.headers(Role.coordinator, "foreign")
    for url, params in (
        (SUBMISSIONS, {"campaign_id": cid, "period_end": PERIOD}),
        (REPORTS, {"campaign_id": cid, "period_end": PERIOD}),
    ):
        r = await client.get(url, params=params, headers=foreign)
        assert r.status_code == 404, url
    r = await _freeze(client, foreign, cid, world.places["foreign"].id)
    assert r.status_code == 404
    r = await _freeze(client, world.headers(Role.inspector), cid, world.places["home"].id)
    assert r.status_code == 403


async def test_the_worker_reminds_before_the_due_day_and_escalates_missing_ones_upward(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    cid, heads = await _county(client, world)
    for name in TOWNS[:2]:
        assert (await _freeze(client, heads[name], cid, world.places[name].id)).status_code == 201

    async def sweep() -> tuple[int, int]:
        async with transaction(db.sessionmaker) as session:
            sent = await report_reminders.remind_reports_due(session, db.settings, now=clock.now())
            up = await report_reminders.escalate_missing_reports(session, now=clock.now())
        return sent, up

    # Friday 4 December: 8 December (Tuesday) is two working days ahead → remind 南排河镇;
    # 8, 18 and 28 November are past due → three townships missing each
    assert await sweep() == (1, 9)
    assert await sweep() == (0, 0)  # once per place and period
    r = await client.get(
        SUBMISSIONS,
        params={"campaign_id": cid, "period_end": PERIOD},
        headers=world.headers(Role.coordinator),
    )
    reminded = {p["jurisdiction"]["name"]: p["reminded_at"] for p in r.json()["places"]}
    assert reminded["南排河镇"] is not None and reminded["黄骅镇"] is None
    r = await client.get(
        "/api/v1/escalations",
        params={"kind": "report_missing"},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 200, r.text
    details = [e["detail"] for e in r.json()["items"]]
    assert len(details) == 9 and any("南排河镇" in d and "2026-11-28" in d for d in details)
    # the township itself does not see its escalation: it is the office above's
    r = await client.get(
        "/api/v1/escalations", params={"kind": "report_missing"}, headers=heads["南排河镇"]
    )
    assert r.json()["items"] == []


async def test_the_form_template_is_versioned_data_an_admin_of_the_nation_edits(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, heads = await _county(client, world)
    r = await client.get("/api/v1/stats/form-template", headers=world.headers(Role.coordinator))
    assert r.status_code == 200
    v1 = r.json()
    assert v1["version"] == 1 and len(v1["columns"]) == 27
    assert [row["label"] for row in v1["rows"]] == ["小砖窑", "小煤窑", "小矿山", "小作坊", "其他"]
    before = await _freeze(client, heads["黄骅镇"], cid, world.places["黄骅镇"].id)
    edited = {
        "name": "简表",
        "rows": [
            {"key": "kilns", "label": "砖窑", "industries": ["brick_kiln"]},
            {"key": "rest", "label": "其他", "industries": []},
        ],
        "columns": [
            {
                "key": "employers_inspected",
                "group": "检查单位户数",
                "unit": "户",
                "source": "inspections",
                "query": "inspected_employers",
            },
            {"key": "leaflets", "group": "发放宣传资料", "unit": "份", "source": "publicity"},
        ],
    }
    url = "/api/v1/stats/form-template"
    r = await client.put(url, json=edited, headers=world.headers(Role.admin))
    assert r.status_code == 403  # the county's admin: the form is national
    async with transaction(world.db.sessionmaker) as session:
        world.agencies[("root", AgencyKind.coordinator)] = await reference.create_agency(
            session,
            SYSTEM_ACTOR,
            name=None,
            kind=AgencyKind.coordinator,
            jurisdiction_id=world.places["root"].id,
        )
    _, national = await world.add_user(Role.admin, AgencyKind.coordinator, "root")
    twice = {
        **edited,
        "rows": [*edited["rows"], {"key": "again", "label": "再", "industries": ["brick_kiln"]}],
    }
    r = await client.put(url, json=twice, headers=national)
    assert r.status_code == 422 and "brick_kiln" in r.json()["detail"]
    umbrella = {
        "key": "shielded",
        "group": "保护伞",
        "unit": "户",
        "source": "findings",
        "query": "finding_employers",
        "args": {"types": ["official_misconduct"]},
    }
    r = await client.put(
        url, json={**edited, "columns": [*edited["columns"], umbrella]}, headers=national
    )
    assert r.status_code == 422  # service accounts read reports: no umbrella count in them
    r = await client.put(url, json=edited, headers=national)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    assert [c["collected"] for c in r.json()["columns"]] == [True, False]
    # reports frozen from now on use version 2; the one frozen before keeps version 1
    r = await _freeze(client, heads["羊二庄镇"], cid, world.places["羊二庄镇"].id)
    form = r.json()["form"]
    assert form["template_version"] == 2 and form["cells"]["kilns"]["employers_inspected"] == 1
    assert form["cells"]["rest"] == {"employers_inspected": 1, "leaflets": None}
    params = {
        "campaign_id": cid,
        "period_end": PERIOD,
        "jurisdiction_id": str(world.places["黄骅镇"].id),
    }
    r = await client.get(REPORTS, params=params, headers=heads["黄骅镇"])
    assert r.json()["form"]["template_version"] == 1 and len(r.json()["form"]["columns"]) == 27
    assert r.json()["form"]["total"] == before.json()["form"]["total"]


async def test_the_rescued_count_the_persons_recorded_else_the_action_never_both(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, heads = await _county(client, world)
    town = world.places["黄骅镇"]
    async with transaction(world.db.sessionmaker) as session:
        d = Data(world, session, uuid.UUID(cid), town)
        mine = await d.employer("后山铁矿", "mine")
        await d.actions(mine, ("children_rescued", None, 3, 26))  # the count said 3 …
        case_id = (await session.exec(sa.select(Case.id).where(Case.employer_id == mine.id))).one()[
            0
        ]
        # … but the people recorded on the case are one child and one worker sent home
        for name, role, handover in (
            ("杨小虎", "child", ("rescue_station", date(2026, 11, 27))),
            ("李四", "worker", ("escorted_home", date(2026, 12, 1))),
            ("王五", "worker", None),  # still at the site: not rescued
        ):
            session.add(
                Person(
                    case_id=case_id,
                    jurisdiction_path=town.path,
                    role=role,
                    role_entered=role,
                    name=name,
                    handover_kind=handover[0] if handover else None,
                    handover_to="县救助站" if handover else None,
                    handover_on=handover[1] if handover else None,
                    created_by="t",
                )
            )
        kiln = await d.employer("河边砖窑厂", "brick_kiln")
        await d.actions(kiln, ("persons_repatriated", None, 6, 28))  # no one recorded by name
    r = await _freeze(client, heads["黄骅镇"], cid, town.id)
    assert r.status_code == 201, r.text
    cells = r.json()["form"]["cells"]
    assert cells["mine"]["children_rescued"] == 1  # the person, not the action's 3
    assert cells["mine"]["migrants_rescued"] == 1
    assert cells["brick_kiln"]["children_rescued"] == 2  # the fixture's action: no persons
    assert cells["brick_kiln"]["migrants_rescued"] == 6
    columns = {c["key"]: c for c in r.json()["form"]["columns"]}
    assert columns["children_rescued"]["source"] == "persons"
    assert columns["children_rescued"]["collected"] is True


async def test_the_countys_summary_is_drafted_from_its_rolled_up_report(
    fixed_day: date, client: httpx.AsyncClient, world: World
) -> None:
    cid, heads = await _county(client, world)
    for name in TOWNS[:2]:
        assert (await _freeze(client, heads[name], cid, world.places[name].id)).status_code == 201
    office = world.headers(Role.coordinator)
    r = await _freeze(client, office, cid, world.places["home"].id)
    assert r.status_code == 201, r.text
    total = r.json()["form"]["total"]
    # records after the freeze: 南排河镇's kiln, never submitted, is not in the county's
    async with transaction(world.db.sessionmaker) as session:
        nan = Data(world, session, uuid.UUID(cid), world.places["南排河镇"])
        await nan.inspection(await nan.employer("南排河砖厂", "brick_kiln"), date(2026, 11, 16), 30)
    r = await client.get(
        "/api/v1/stats/summary",
        params={"campaign_id": cid, "period_end": PERIOD, "format": "md"},
        headers=office,
    )
    assert r.status_code == 200, r.text
    text = r.text
    assert total["employers_inspected"] == 4 and total["workers"] == 93
    assert "出动检查人员11人次" in text
    assert "截至12月8日，对1个小砖窑、1个小煤窑和1个小矿山进行了排查" not in text
    assert "对2个小砖窑、1个小煤窑和1个小矿山进行了排查" in text
    assert "南排河镇尚未报送本期报表，以上数字不含其在内。" in text
    assert "南排河家具厂" not in text and "南排河砖厂" not in text
    assert "后街砖窑厂（砖窑厂）共使用农民工19人" in text  # the revisit's 19, not 25
    assert "羊二庄煤窑（煤矿）共使用农民工40人" in text
    assert (
        "据我市报送的统计表，截至12月8日，补签劳动合同1户、5人，补发工资和经济补偿金1.2345万元、7人，"
        "督促参保1户、12人，解救童工2人，取缔关闭1户，责令停产停业1户，罚款2.5万元。"
    ) in text
    assert "共接到群众举报3件" in text and "已查结1件，正在办理2件" in text
    assert "南排河镇尚未报送，不在其内" in text and "定期报表（第1版" in text
