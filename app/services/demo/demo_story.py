"""The demo campaign's story, played through the real services by the demo's own users.

Each event runs with the clock fixed at its moment (`app.clock.fixed_at`), days
counted back from today in China, so the records carry the dates they would have in
a county three weeks into the campaign: deadlines fall due, some pass, and the
escalation sweep finds what was missed. Everything is written as the API would
write it (the same service functions, with the actor a route would pass), so the
audit log, queues and statistics tallies are the real ones.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from functools import partial

from PIL import Image
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import clock
from app.config import Settings
from app.domain.checklist import ChecklistItem, ItemStatus
from app.domain.chinatime import CHINA_TZ
from app.domain.documents import DocumentKind, ServiceMethod
from app.domain.id_numbers import check_char
from app.domain.permissions import PUBLIC_ACTOR, Actor, Permission
from app.domain.uscc import org_code_check_digit, uscc_check_digit
from app.models.cases import Assignment, Rectification, Transfer
from app.models.documents import Document
from app.models.employers import EmployerCreate, LicenceIn
from app.models.inspection_schemas import Headcount, InspectionKind, Phase, PhaseIn
from app.models.inspections import Campaign
from app.models.persons import HandoverCreate, PersonCreate
from app.models.publicity import PublicityCreate, PublicityKind
from app.models.reference import Agency, Jurisdiction
from app.models.schemas import Location
from app.services.cases import (
    assignment_owners,
    assignments,
    cases,
    documents,
    escalations,
    filing,
    person_payments,
    person_views,
    persons,
    rectifications,
    reminders,
    transfers,
)
from app.services.core import access, idempotency
from app.services.demo import demo_relay
from app.services.demo.demo_data import (
    CAMPAIGN,
    EMPLOYERS,
    FEEDBACK,
    INSPECTIONS,
    PERSON_VERBS,
    PERSONS,
    PHASES,
    PUBLICITY,
    RECEIPT_KEY,
    RECEIPT_PRINCIPAL,
    RECEIPT_TIP,
    SETUP_DAY,
    STEPS,
    TEAMS,
    TIPS,
    DemoEmployer,
    DemoFeedback,
    DemoInspection,
    DemoPublicity,
    DemoTip,
    Step,
)
from app.services.employers import employers
from app.services.inspections import campaigns, inspection_evidence, inspection_signing, inspections
from app.services.reports import disclosures, periods, publicity, report_reminders, submissions
from app.services.tipline import callbacks, satisfaction, tip_privacy, tip_triage, tips

# The last ten-day period already due: the townships whose reports the office keyed in
# and froze on the due day, the one that came a day late; the rest are missing.
REPORTING_TOWNS = ("黄骅镇", "羊二庄镇")
LATE_TOWN = "旧城镇"

DIVISION_CODE = "130983"  # 黄骅市 in GB/T 2260


def _scene_photo() -> bytes:
    """A stand-in for a scene photo (a plain brick-red picture): the demo has no real one."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 70, 50)).save(out, "JPEG", quality=70)
    return out.getvalue()


def demo_uscc(org_body: str) -> str:
    """A well-formed code for a 黄骅 company: category 91, the division, the organisation
    code with its GB 11714 check character, and the GB 32100 check character."""
    first17 = "91" + DIVISION_CODE + org_body + org_code_check_digit(org_body)
    return first17 + uscc_check_digit(first17)


def receipt_of_demo_tip(settings: Settings) -> str:
    """The receipt of the demo's first web tip, derived again from the install's key."""
    tip = next(t for t in TIPS if t.key == RECEIPT_TIP)
    return tip_privacy.derived_receipt(
        tip_privacy.keys_of(settings), RECEIPT_PRINCIPAL, RECEIPT_KEY, tip.description.encode()
    )


class Story:
    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        actors: dict[str, Actor],
        county: Jurisdiction,
        towns: dict[str, uuid.UUID],
    ) -> None:
        self.session, self.settings, self.actors = session, settings, actors
        self.county, self.towns = county, towns
        self.started = clock.now()
        self.today: date = clock.today()
        self.officers = {
            a.agency_id: a for name, a in actors.items() if name.startswith("officer.")
        }
        self.employers: dict[str, uuid.UUID] = {}
        self.tips: dict[str, uuid.UUID] = {}
        self.cases: dict[str, uuid.UUID] = {}  # employer key → its latest case
        self.teams: dict[str, uuid.UUID] = {}
        self.campaign_id: uuid.UUID | None = None

    @property
    def office(self) -> Actor:
        return self.actors["coordinator"]

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def moment(self, offset: int, hhmm: str) -> datetime:
        """That day at that time in China; never later than a minute before the load."""
        hh, mm = (int(x) for x in hhmm.split(":"))
        at = datetime.combine(self.day(offset), time(hh, mm), tzinfo=CHINA_TZ)
        return min(at, self.started - timedelta(minutes=1))

    async def play(self) -> None:
        with clock.fixed_at(self.moment(SETUP_DAY, "09:00")):
            await self._register_employers()
            await self._open_campaign()
        events: list[tuple[datetime, int, Callable[[], Awaitable[None]]]] = []
        for t in TIPS:
            received = (
                self.started - timedelta(minutes=t.minutes_ago)
                if t.day == 0
                else self.moment(t.day, t.time)
            )
            events.append((received, len(events), partial(self._receive, t)))
            if t.decision is not None:
                events.append(
                    (self.moment(t.day, t.triage_time), len(events), partial(self._triage, t))
                )
        for i in INSPECTIONS:
            events.append((self.moment(i.day, "09:00"), len(events), partial(self._inspect, i)))
        for s in STEPS:
            events.append((self.moment(s.day, s.time), len(events), partial(self._step, s)))
        for at, run in await self._reports_due():
            events.append((at, len(events), run))
        for p in PUBLICITY:
            events.append((self.moment(p.day, "16:00"), len(events), partial(self._publicize, p)))
        for f in FEEDBACK:
            events.append((self.moment(f.day, f.time), len(events), partial(self._feedback, f)))
        for day, hhmm, run in demo_relay.events(self):
            events.append((self.moment(day, hhmm), len(events), run))
        for at, _, run in sorted(events, key=lambda e: (e[0], e[1])):
            with clock.fixed_at(at):
                await run()
        # The worker's sweep, now: what nobody did by its deadline reaches the office.
        now = clock.now()
        await escalations.escalate_overdue_assignments(self.session, now=now)
        await escalations.escalate_overdue_rectifications(self.session, now=now)
        await escalations.escalate_overdue_triage(self.session, now=now)
        await reminders.escalate_overdue_handling(self.session, now=now)
        await reminders.remind_due_soon(self.session, self.settings, now=now)
        await report_reminders.remind_reports_due(self.session, self.settings, now=now)
        await report_reminders.escalate_missing_reports(self.session, now=now)

    async def _reports_due(self) -> list[tuple[datetime, Callable[[], Awaitable[None]]]]:
        """Every township's ten-day reports frozen on their due days, except for the last
        period already due: two townships on the day, one the day after (late), and the
        rest missing (escalated to the county office by the sweep)."""
        assert self.campaign_id is not None
        campaign = await self.session.get(Campaign, self.campaign_id)
        assert campaign is not None
        past = [p for p in periods.campaign_periods(campaign) if p.due < self.today]
        out: list[tuple[datetime, Callable[[], Awaitable[None]]]] = []
        for i, p in enumerate(past):
            offset = (p.due - self.today).days
            last = i == len(past) - 1
            for town in REPORTING_TOWNS if last else tuple(self.towns):
                out.append(
                    (self.moment(offset, "16:00"), partial(self._freeze_report, town, p.end))
                )
            if last and offset + 1 < 0:
                out.append(
                    (
                        self.moment(offset + 1, "10:00"),
                        partial(self._freeze_report, LATE_TOWN, p.end),
                    )
                )
        return out

    async def _freeze_report(self, town: str, period_end: date) -> None:
        assert self.campaign_id is not None
        await submissions.freeze_report(
            self.session,
            self.office,
            campaign_id=self.campaign_id,
            jurisdiction_id=self.towns[town],
            period_end=period_end,
        )
        await callbacks.sweep_reporter_loop(self.session, self.settings)

    async def _register_employers(self) -> None:
        access.require(self.office, Permission.employers_write)
        for e in EMPLOYERS:
            view = await employers.create_employer(
                self.session, self.office, data=self._employer(e)
            )
            self.employers[e.key] = view.id

    def _employer(self, e: DemoEmployer) -> EmployerCreate:
        return EmployerCreate(
            name=e.name,
            uscc=demo_uscc(e.org_code) if e.org_code else None,
            industry=e.industry,
            jurisdiction_id=self.towns[e.township],
            address=e.address,
            workers=e.workers,
            licences=[
                LicenceIn(
                    kind=lic.kind,
                    number=lic.number,
                    valid_until=None
                    if lic.valid_for_days is None
                    else self.day(lic.valid_for_days),
                )
                for lic in e.licences
            ],
        )

    async def _open_campaign(self) -> None:
        first, last = PHASES[0][1], PHASES[-1][2]
        view = await campaigns.create_campaign(
            self.session,
            self.office,
            name=CAMPAIGN,
            jurisdiction_id=self.county.id,
            starts_on=self.day(first),
            ends_on=self.day(last),
            phases=[
                PhaseIn(phase=Phase(p), starts_on=self.day(a), ends_on=self.day(b))
                for p, a, b in PHASES
            ],
        )
        self.campaign_id = view.campaign.id
        # the 2007 campaign's rhythm: every ten days, on the 8th, 18th and 28th; the
        # final table and summary a week after the campaign ends
        await periods.set_reporting(
            self.session,
            self.office,
            view.campaign.id,
            rhythm={"kind": "ten_days", "days": [8, 18, 28], "final_by": self.day(last + 7)},
        )
        for name, leader, members, townships in TEAMS:
            team = await campaigns.create_team(
                self.session,
                self.office,
                campaign_id=view.campaign.id,
                name=name,
                leader_id=uuid.UUID(self.actors[leader].id),
                member_ids=[uuid.UUID(self.actors[m].id) for m in members],
                township_ids=[self.towns[t] for t in townships],
            )
            self.teams[name] = team.team.id

    async def _publicize(self, p: DemoPublicity) -> None:
        assert self.campaign_id is not None
        await publicity.record_publicity(
            self.session,
            self.office,
            self.campaign_id,
            data=PublicityCreate(
                on=clock.today(),
                kind=PublicityKind(p.kind),
                count=p.count,
                place=p.place,
                note=p.note,
                jurisdiction_id=self.towns[p.township] if p.township else self.county.id,
            ),
        )

    async def _receive(self, t: DemoTip) -> None:
        """A web tip comes through the tip-line; the rest are typed in by the office."""
        actor = PUBLIC_ACTOR if t.channel == "web" else self.office
        if actor is not PUBLIC_ACTOR:
            access.require(actor, Permission.tips_write)
        keyed = (
            idempotency.KeyedRequest(RECEIPT_PRINCIPAL, RECEIPT_KEY, t.description.encode())
            if t.key == RECEIPT_TIP
            else None
        )
        done = await tips.submit_tip(
            self.session,
            actor,
            settings=self.settings,
            channel=t.channel,
            description=t.description,
            violation_types=t.violation_types,
            employer_name=t.employer_name,
            jurisdiction_id=self.towns[t.township],
            contact=dict(t.contact) or None,
            kind=t.kind,
            keyed=keyed,
            external_ref=demo_relay.work_order(t.key, clock.today()),
        )
        self.tips[t.key] = done.tip.id

    async def _triage(self, t: DemoTip) -> None:
        tip_id = self.tips[t.key]
        employer_id = self.employers[t.employer] if t.employer else None
        case_id = (
            await cases.open_case_id(self.session, employer_id)
            if t.decision == "link_case" and employer_id
            else None
        )
        await tip_triage.triage_tip(
            self.session,
            self.office,
            tip_id=tip_id,
            decision=t.decision or "",
            employer_id=employer_id,
            case_id=case_id,
            duplicate_of=self.tips[t.duplicate_of] if t.duplicate_of else None,
            reason=t.reason,
        )
        if t.reply:
            await tips.add_message(
                self.session, self.office, tip_id=tip_id, kind="reply", message=t.reply
            )

    async def _inspect(self, spec: DemoInspection) -> None:
        """Opened in the morning, signed by every member present in the afternoon."""
        name = spec.team or TEAMS[0][0]
        leader_name, members = next((lead, ms) for n, lead, ms, _ in TEAMS if n == name)
        leader = self.actors[leader_name]
        total, local, migrant, female, minors, children, contracts = spec.headcount
        insp = await inspections.create_inspection(
            self.session,
            leader,
            employer_id=self.employers[spec.employer],
            kind=InspectionKind(spec.kind),
            visited_on=clock.today(),
            headcount=Headcount(
                total=total,
                local=local,
                migrant=migrant,
                female=female,
                minors_16_18=minors,
                children_under_16=children,
                contracts_signed=contracts,
                migrant_origins=dict(spec.origins) or None,
            ),
            checklist={ChecklistItem(k): ItemStatus(v) for k, v in spec.checklist},
            campaign_id=self.campaign_id,
            team_id=self.teams[name] if spec.team else None,
            location=Location(lat=spec.location[0], lon=spec.location[1])
            if spec.location
            else None,
        )
        for f in spec.findings:
            await inspections.add_finding(
                self.session,
                leader,
                insp.id,
                violation_type=f.violation_type,
                description=f.description,
                workers_affected=f.workers,
                amount_owed=f.amount,
            )
        if spec.photo is not None:
            await inspection_evidence.add_attachment(
                self.session, leader, insp.id, data=_scene_photo(), note=spec.photo
            )
        if spec.interview is not None:
            who, record = spec.interview
            await inspection_evidence.add_interview(
                self.session,
                leader,
                insp.id,
                person_ref=who,
                record=record,
                interviewer_ids=[uuid.UUID(leader.id), uuid.UUID(self.actors[members[0]].id)],
            )
        with clock.fixed_at(clock.now() + timedelta(hours=2)):
            await inspection_signing.submit_inspection(self.session, leader, insp.id)
            for signer in (leader_name, *(members if spec.team else ())):
                await inspection_signing.sign_inspection(self.session, self.actors[signer], insp.id)

    async def _assignment(self, case_id: uuid.UUID, kind: str) -> Assignment:
        return (
            await self.session.exec(
                select(Assignment)
                .join(Agency, col(Agency.id) == col(Assignment.agency_id))
                .where(Assignment.case_id == case_id, Agency.kind == kind)
            )
        ).one()

    async def _step(self, s: Step) -> None:
        case_id = await cases.open_case_id(
            self.session, self.employers[s.employer]
        ) or self.cases.get(s.employer)
        assert case_id is not None, f"no case for {s.employer}"
        self.cases[s.employer] = case_id
        if s.agency == "coordinator":
            await self._office_step(s, case_id)
            return
        a = await self._assignment(case_id, s.agency)
        officer = self.officers[a.agency_id]
        access.require(officer, Permission.queue_write)
        if s.verb == "accept":
            await assignments.accept_assignment(self.session, officer, a.id)
        elif s.verb == "own":  # the officer takes it on (`PATCH /assignments/{id}`)
            await assignment_owners.set_owner(
                self.session, officer, a.id, owner_id=uuid.UUID(officer.id)
            )
        elif s.verb == "file":
            await filing.file_assignment(self.session, officer, a.id, note=s.note)
        elif s.verb == "extend":  # asked by the officer, approved by the bureau's head
            ext = await filing.request_extension(
                self.session, officer, a.id, days=s.count or 0, reason=s.note
            )
            await filing.decide_extension(
                self.session,
                self.actors[f"lead.{s.agency}"],
                ext.id,
                approve=True,
                reason="同意延长",
            )
        elif s.verb in DocumentKind.__members__:
            await documents.issue_document(
                self.session,
                officer,
                a.id,
                kind=DocumentKind(s.verb),
                facts=s.note,
                legal_basis=list(s.basis),
                settings=self.settings,
                fine_amount=s.amount,
                deadline=None if s.deadline is None else self.day(s.deadline),
            )
        elif s.verb == "serve":
            doc = (
                await self.session.exec(
                    select(Document)
                    .where(Document.assignment_id == a.id, col(Document.served_on).is_(None))
                    .order_by(col(Document.issued_at).desc())
                )
            ).first()
            assert doc is not None, f"nothing to serve on {s.employer}"
            await documents.serve_document(
                self.session,
                officer,
                doc.id,
                served_on=clock.today(),
                method=ServiceMethod.direct,
                recipient=s.note,
            )
        elif s.verb == "criminal_transfer":  # asked, approved by the head, sent (国务院令第310号)
            t = await transfers.request_transfer(
                self.session, officer, a.id, facts=s.note, document_ids=[]
            )
            await transfers.decide_transfer(
                self.session, self.actors[f"lead.{s.agency}"], t.id, approve=True
            )
            await transfers.send_transfer(self.session, officer, t.id)
        elif s.verb == "criminal_filing":
            sent = (
                await self.session.exec(
                    select(Transfer).where(
                        Transfer.police_assignment_id == a.id, Transfer.status == "sent"
                    )
                )
            ).one()
            await transfers.decide_filing(self.session, officer, sent.id, filed=True, reason=s.note)
        elif s.verb == "conclude":
            await assignments.conclude_assignment(self.session, officer, a.id, summary=s.note)
        elif s.verb in PERSON_VERBS:
            await self._persons(s.verb, officer, case_id, s.note)
        elif s.verb == "follow_up":
            rect = (
                await self.session.exec(
                    select(Rectification)
                    .where(Rectification.assignment_id == a.id)
                    .order_by(col(Rectification.created_at).desc())
                )
            ).first()
            assert rect is not None
            await rectifications.add_follow_up(
                self.session,
                officer,
                rect.id,
                visited_on=clock.today(),
                corrected=s.corrected,
                note=s.note,
            )
        else:
            await rectifications.record_action(
                self.session,
                officer,
                a.id,
                type=s.verb,
                note=s.note,
                amount=s.amount,
                count=s.count,
                referral_kind=s.referral_kind,
                deadline=None if s.deadline is None else self.day(s.deadline),
            )

    async def _persons(self, verb: str, officer: Actor, case_id: uuid.UUID, note: str) -> None:
        """The kiln's people (`PERSONS`), through the same services as the API."""
        if verb == "persons":
            for p in PERSONS:
                number = None
                if p.area is not None:
                    born = self.today.replace(year=self.today.year - p.years, day=1)
                    first17 = f"{p.area}{born:%Y%m%d}{p.seq:03d}"
                    number = first17 + check_char(first17)
                data = PersonCreate(
                    role=p.role,
                    name=p.name,
                    id_number=number,
                    age=p.years if number is None else None,
                    phone=p.phone,
                    hometown=p.hometown,
                    notes=note,
                )
                await persons.add_person(
                    self.session, officer, settings=self.settings, case_id=case_id, data=data
                )
            return
        found = (await person_views.list_persons(self.session, officer, case_id)).items
        for view in found:
            if verb == "handover" and view.role in ("child", "vulnerable"):
                handover = HandoverCreate(kind="rescue_station", to=note, on=clock.today())
                await person_payments.record_handover(self.session, officer, view.id, data=handover)
            elif verb == "documents_returned" and view.role == "worker" and view.id_number:
                await person_payments.record_documents_returned(
                    self.session, officer, view.id, on=clock.today()
                )

    async def _feedback(self, f: DemoFeedback) -> None:
        """The reporter's answer: told on the office's callback, or sent on the web."""
        tip_id = self.tips[f.tip]
        if f.via == "callback":
            await callbacks.record_callback(
                self.session,
                self.office,
                self.settings,
                tip_id=tip_id,
                reached=True,
                satisfied=f.satisfied,
                note=f.comment,
            )
            return
        tip = await tips.get_tip(self.session, self.office, tip_id)
        await satisfaction.record_answer(
            self.session,
            PUBLIC_ACTOR,
            self.settings,
            await satisfaction.handling_of(self.session, tip),
            satisfied=f.satisfied,
            comment=f.comment,
            source="web",
        )

    async def _office_step(self, s: Step, case_id: uuid.UUID) -> None:
        if s.verb == "close":
            access.require(self.office, Permission.cases_write)
            await cases.close_case(self.session, self.office, case_id, summary=s.note)
        elif s.verb == "disclose":
            access.require(self.office, Permission.disclosures_write)
            await disclosures.approve_disclosure(
                self.session,
                self.office,
                case_id,
                settings=self.settings,
                summary_public=s.note,
                approve=True,
            )
        else:
            raise AssertionError(f"unknown office step {s.verb}")
