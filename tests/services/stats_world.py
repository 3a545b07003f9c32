"""Known data for the statistics table: two townships of 黄骅市 (one with a village), a campaign,
signed inspections, tips by several channels, cases with actions, and noise that must not count.

`expected()` is the table a person would fill in by hand from the same data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.stats import Figures, empty_figures, roll_up
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.models.cases import Action, Assignment, Case, Rectification, Transfer
from app.models.employers import Employer
from app.models.inspections import Campaign, Finding, Inspection, InspectionSignature
from app.models.reference import Jurisdiction
from app.models.tips import Tip
from app.services.inspections import stats_tally
from app.services.registry import reference
from tests.factories import World

JULY = datetime(2026, 7, 12, 2, 0, tzinfo=UTC)


@dataclass
class StatsWorld:
    campaign_id: uuid.UUID
    town: Jurisdiction
    yang: Jurisdiction
    home: Jurisdiction
    inspections: dict[str, uuid.UUID] = field(default_factory=dict)


def _at(day: int, month: int = 7, hour: int = 2) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


class _Builder:
    def __init__(self, world: World, session: Any, campaign: Campaign) -> None:
        self.world, self.s, self.campaign = world, session, campaign
        self.signers = [u.id for u in world.users.values()]
        self.acted = 0

    async def employer(self, name: str, place: Jurisdiction, industry: str) -> Employer:
        e = Employer(name=name, industry=industry, jurisdiction_id=place.id, address="村东")
        self.s.add(e)
        await self.s.flush()
        return e

    async def inspection(
        self,
        e: Employer,
        day: int,
        heads: tuple[int, ...],
        signers: int,
        findings: tuple[str, ...] = (),
        *,
        status: str = "signed",
        campaign: bool = True,
        amends: uuid.UUID | None = None,
    ) -> uuid.UUID:
        total, local, migrant, minors, children, contracts = heads
        i = Inspection(
            employer_id=e.id,
            jurisdiction_id=e.jurisdiction_id,
            campaign_id=self.campaign.id if campaign else None,
            inspector_id=self.world.user(Role.inspector).id,
            # 劳动保障监察条例 第16条: an enforcement check takes two inspectors.
            kind="enforcement" if signers >= 2 else "self_check",
            status=status,
            visited_on=date(2026, 7, day),
            total=total,
            local=local,
            migrant=migrant,
            female=0,
            minors_16_18=minors,
            children_under_16=children,
            contracts_signed=contracts,
            amends_id=amends,
            signed_at=_at(day) if status == "signed" else None,
        )
        self.s.add(i)
        await self.s.flush()
        for uid in self.signers[:signers]:
            self.s.add(InspectionSignature(inspection_id=i.id, user_id=uid, signed_at=_at(day)))
        for code in findings:
            self.s.add(Finding(inspection_id=i.id, violation_type=code, description="见笔录"))
        await self.s.flush()
        if status == "signed":  # what sign_inspection does at the last signature
            await stats_tally.tally_sealed(self.s, i)
        return i.id

    def tip(self, place: Jurisdiction, channel: str, status: str, at: datetime) -> None:
        self.s.add(
            Tip(
                receipt_hash=uuid.uuid4().hex,
                channel=channel,
                status=status,
                description="举报",
                scope_path=place.path,
                received_at=at,
                triage_due_at=at,
            )
        )

    async def case(
        self, e: Employer, place: Jurisdiction, status: str, opened: datetime = JULY
    ) -> Case:
        c = Case(
            employer_id=e.id,
            status=status,
            jurisdiction_path=place.path,
            opened_at=opened,
            closed_at=_at(25) if status == "closed" else None,
        )
        self.s.add(c)
        await self.s.flush()
        return c

    async def assignment(
        self, c: Case, kind: AgencyKind, status: str = "accepted", filed: datetime | None = None
    ) -> Assignment:
        """`filed`: when the agency filed it (立案) — what the 立案/结案 columns count."""
        a = Assignment(
            case_id=c.id,
            agency_id=self.world.agency(kind).id,
            role="lead",
            status=status,
            due_at=JULY,
            reason="按规则交办",
            filed_at=filed,
            case_number=f"黄人社监立〔2026〕{uuid.uuid4().hex[:8]}号" if filed else None,
            investigate_by=date(2026, 10, 9) if filed else None,
        )
        self.s.add(a)
        await self.s.flush()
        return a

    async def transfer(self, source: Assignment, police: Assignment | None, status: str) -> None:
        """A criminal transfer in `status` (sent ones name the police share)."""
        self.s.add(
            Transfer(
                case_id=source.case_id,
                assignment_id=source.id,
                agency_id=source.agency_id,
                police_agency_id=police.agency_id if police else None,
                police_assignment_id=police.id if police else None,
                status=status,
                facts="涉嫌犯罪",
                requested_by="t",
                requested_at=JULY,
                approve_by=JULY + timedelta(days=3),
            )
        )
        await self.s.flush()

    async def action(
        self,
        a: Assignment,
        kind: str,
        amount: str | None = None,
        count: int | None = None,
        *,
        rect: tuple[date, str] | None = None,
    ) -> None:
        # A Core insert: test data, not an agency's act (no change-feed entry wanted).
        act_id = uuid.uuid4()
        await self.s.exec(
            sa.insert(Action).values(
                id=act_id,
                assignment_id=a.id,
                case_id=a.case_id,
                type=kind,
                note="",
                amount=Decimal(amount) if amount else None,
                count=count,
                created_by="t",
                created_at=JULY + timedelta(minutes=len(self.signers) + self.acted),
            )
        )
        self.acted += 1
        if rect is not None:
            self.s.add(
                Rectification(
                    case_id=a.case_id,
                    assignment_id=a.id,
                    action_id=act_id,
                    ordered_on=date(2026, 7, 12),
                    deadline=rect[0],
                    status=rect[1],
                )
            )
            await self.s.flush()


async def _places(world: World, session: Any) -> tuple[Jurisdiction, Jurisdiction]:
    yang = await reference.create_jurisdiction(
        session,
        SYSTEM_ACTOR,
        name="羊二庄镇",
        level=JurisdictionLevel.township,
        parent_id=world.places["home"].id,
    )
    village = await reference.create_jurisdiction(
        session, SYSTEM_ACTOR, name="北二里村", level=JurisdictionLevel.village, parent_id=yang.id
    )
    return yang, village


async def build_stats_world(world: World) -> StatsWorld:
    town, home, foreign = world.places["town"], world.places["home"], world.places["foreign"]
    async with transaction(world.db.sessionmaker) as s:
        yang, village = await _places(world, s)
        campaign = Campaign(
            name="整治非法用工专项行动",
            jurisdiction_id=home.id,
            starts_on=date(2026, 7, 1),
            ends_on=date(2026, 7, 31),
            created_by="test",
        )
        s.add(campaign)
        await s.flush()
        b = _Builder(world, s, campaign)
        sw = StatsWorld(campaign.id, town, yang, home)
        await _inspections(b, sw, village, foreign)
        _tips(b, town, yang, village, home, foreign)
        await _cases(b, town, yang, village, foreign)
    return sw


async def revisit(
    world: World, sw: StatsWorld, name: str, day: int, findings: tuple[str, ...]
) -> None:
    """Another signed campaign inspection of employer `name`, e.g. after a sign-off."""
    async with transaction(world.db.sessionmaker) as s:
        campaign = await s.get(Campaign, sw.campaign_id)
        assert campaign is not None
        b = _Builder(world, s, campaign)
        await b.inspection(await _employer_named(b, name), day, (5, 5, 0, 0, 0, 2), 1, findings)


async def _inspections(
    b: _Builder, sw: StatsWorld, village: Jurisdiction, foreign: Jurisdiction
) -> None:
    a1 = await b.employer("某村砖窑厂", sw.town, "brick_kiln")
    a2 = await b.employer('=HYPERLINK("x")小作坊', sw.town, "workshop")
    b1 = await b.employer("羊二庄镇红星砖窑厂", sw.yang, "brick_kiln")
    b2 = await b.employer("北二里煤矿", village, "coal_mine")
    f1 = await b.employer("献县砖厂", foreign, "brick_kiln")
    sw.inspections["a1"] = await b.inspection(
        a1, 12, (20, 15, 5, 2, 1, 10), 2, ("child_labour", "wage_arrears")
    )
    await b.inspection(a1, 20, (18, 14, 4, 1, 0, 18), 1)  # the latest visit: its workers count
    sw.inspections["a2"] = await b.inspection(
        a2, 13, (5, 5, 0, 0, 0, 2), 2, ("no_labour_contract",)
    )
    await b.inspection(a2, 14, (5, 5, 0, 0, 0, 2), 1, ("other",), status="draft")
    await b.inspection(a1, 21, (50, 50, 0, 0, 0, 0), 2, ("other",), campaign=False)
    orig = await b.inspection(b1, 15, (30, 10, 20, 0, 2, 0), 3, ("wage_arrears", "child_labour"))
    # The amendment replaces the original's figures, but its signatures are not a second visit.
    await b.inspection(b1, 15, (31, 11, 20, 0, 2, 5), 1, ("wage_arrears",), amends=orig)
    await b.inspection(b2, 16, (10, 2, 8, 1, 0, 10), 2)
    await b.inspection(f1, 16, (9, 9, 0, 0, 0, 0), 2, ("wage_arrears",))


def _tips(
    b: _Builder,
    town: Jurisdiction,
    yang: Jurisdiction,
    village: Jurisdiction,
    home: Jurisdiction,
    foreign: Jurisdiction,
) -> None:
    b.tip(town, "web", "triaged", _at(10))
    b.tip(town, "web", "received", _at(11))
    b.tip(town, "phone", "rejected", _at(12))
    b.tip(town, "visit", "received", datetime(2026, 6, 30, 17, 0, tzinfo=UTC))  # 7月1日 01:00 北京
    b.tip(town, "web", "received", datetime(2026, 6, 30, 15, 0, tzinfo=UTC))  # 6月30日 23:00 北京
    b.tip(town, "web", "received", _at(15, month=8))
    b.tip(village, "letter", "duplicate", _at(10))
    b.tip(yang, "visit", "received", _at(10))
    b.tip(home, "mailbox", "received", _at(10))
    b.tip(foreign, "phone", "received", _at(10))


async def _employer_named(b: _Builder, name: str) -> Employer:
    found: Employer = (await b.s.exec(select(Employer).where(Employer.name == name))).one()
    return found


async def _cases(
    b: _Builder,
    town: Jurisdiction,
    yang: Jurisdiction,
    village: Jurisdiction,
    foreign: Jurisdiction,
) -> None:
    a1 = await _employer_named(b, "某村砖窑厂")
    a2 = await _employer_named(b, '=HYPERLINK("x")小作坊')
    b1, b2 = await _employer_named(b, "羊二庄镇红星砖窑厂"), await _employer_named(b, "北二里煤矿")
    f1 = await _employer_named(b, "献县砖厂")
    c = await b.case(a1, town, "in_progress")
    labour = await b.assignment(c, AgencyKind.labour, filed=JULY)
    police = await b.assignment(c, AgencyKind.police)  # accepted, not (yet) filed: no 立案
    await b.action(labour, "fine", "5000.00")
    await b.action(labour, "wages_recovered", "12000.50", 6)
    await b.action(labour, "rectification_order", rect=(date(2026, 7, 20), "ordered"))
    await b.action(police, "criminal_case_filed")
    await b.transfer(labour, police, "filed")  # the same criminal case: counted once
    await b.action(police, "children_rescued", count=1)
    await b.action(police, "persons_repatriated", count=3)
    c = await b.case(a2, town, "closed")
    labour = await b.assignment(c, AgencyKind.labour, "concluded", filed=JULY)
    await b.action(labour, "fine", "2000.00")
    await b.action(labour, "suspension")
    await b.transfer(labour, None, "rejected")  # never sent: not counted
    await b.assignment(c, AgencyKind.police, "concluded")  # routed, never transferred
    await b.action(labour, "rectification_order", rect=(date(2026, 7, 25), "corrected"))
    c = await b.case(b1, yang, "open")
    await b.assignment(c, AgencyKind.police, "declined")
    labour = await b.assignment(c, AgencyKind.labour, filed=_at(13))
    await b.action(labour, "site_closed")
    await b.action(labour, "licence_revoked")
    await b.action(labour, "fine", "1000.50")
    await b.action(labour, "rectification_order", rect=(date(2099, 1, 1), "ordered"))
    c = await b.case(b2, village, "open", opened=_at(20, month=8))
    await b.action(
        await b.assignment(c, AgencyKind.labour, filed=_at(21, month=8)), "fine", "999.00"
    )
    c = await b.case(f1, foreign, "open")
    await b.action(await b.assignment(c, AgencyKind.labour, filed=JULY), "fine", "777.00")


def _figures(**values: int | str) -> Figures:
    out = empty_figures()
    for key, value in values.items():
        assert key in out, key
        out[key] = Decimal(value) if isinstance(value, str) else value
    return out


def expected() -> dict[str, Figures]:
    """What the office counts by hand: 黄骅镇, 羊二庄镇, the county itself, and the total."""
    town = _figures(
        employers_inspected=2,
        employers_inspected_brick_kiln=1,
        employers_inspected_workshop=1,
        staff_turnout=5,
        workers_total=23,
        workers_local=19,
        workers_migrant=4,
        workers_minors_16_18=1,
        workers_children_under_16=0,
        contracts_signed=20,
        employers_with_problems=2,
        findings=3,
        findings_child_labour=1,
        findings_wage_arrears=1,
        findings_no_labour_contract=1,
        tips_received=4,
        tips_web=2,
        tips_phone=1,
        tips_visit=1,
        tips_handled=2,
        cases_opened=2,
        cases_closed=1,
        cases_to_police=1,
        criminal_cases_filed=1,
        fines=2,
        fines_amount="7000.00",
        suspensions=1,
        wages_recovered_amount="12000.50",
        wages_recovered_workers=6,
        children_rescued=1,
        persons_repatriated=3,
        rectifications_ordered=2,
        rectifications_completed=1,
        rectifications_overdue=1,
    )
    yang = _figures(
        employers_inspected=2,
        employers_inspected_brick_kiln=1,
        employers_inspected_coal_mine=1,
        staff_turnout=5,
        workers_total=41,
        workers_local=13,
        workers_migrant=28,
        workers_minors_16_18=1,
        workers_children_under_16=2,
        contracts_signed=15,
        employers_with_problems=1,
        findings=1,
        findings_wage_arrears=1,
        tips_received=2,
        tips_letter=1,
        tips_visit=1,
        tips_handled=1,
        cases_opened=1,
        fines=1,
        fines_amount="1000.50",
        licences_revoked=1,
        sites_closed=1,
        rectifications_ordered=1,
    )
    own = _figures(tips_received=1, tips_mailbox=1)
    return {"黄骅镇": town, "羊二庄镇": yang, "黄骅市": own, "合计": roll_up([town, yang, own])}
