"""The scenes of the queue-ETag rule (`test_queue_etags.py`): for each mutating route that
can change what an agency's queue shows, a function that builds what the route needs in
the shared world, and returns the call with the agencies whose queue shows the change.

An agency's queue (`GET /api/v1/queue`) lists its assignments, each with its case's
status, severity and violation types, its employer's name, its owner, and its clocks
(accept by `due_at`, handling by `investigate_by`, rectify by its pending
rectifications' deadlines); a case note is read by the agencies on the case. Whatever
changes one of those must change the ETag of every agency whose queue holds it.
"""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from PIL import Image
from sqlmodel import col, select

from app import clock
from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.models.cases import Assignment, Rectification
from app.models.reference import Agency
from tests.api.inspection_world import KILN_HEADCOUNT
from tests.api.test_import import HEADERS, csv_bytes, uscc
from tests.cases_support import file, make_employer
from tests.conftest import TestDatabase
from tests.factories import World

QUEUE = "/api/v1/queue"


@dataclass
class Scene:
    """One call of a route, its world built. `sees`: the agencies whose queue shows what
    the call changes (each one's ETag must change). `unseen`: agencies the code promises
    to leave alone (each one's ETag must stay). `case`: the change shows on every queue
    holding this case (an id, or how to read it from the answer), so every agency holding
    it after the call must be among `sees`; that checks the scene, not the app."""

    call: Callable[[], Awaitable[httpx.Response]]
    sees: Collection[Agency]
    unseen: Collection[Agency] = ()
    case: uuid.UUID | Callable[[httpx.Response], str] | None = None


@dataclass
class Stage:
    """The world every scene of one database shares: each scene makes its own employer and
    case in it, so scenes do not see each other's work."""

    client: httpx.AsyncClient
    db: TestDatabase
    world: World
    _officers: dict[uuid.UUID, tuple[uuid.UUID, dict[str, str]]] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def agency(self, kind: str, place: str = "home") -> Agency:
        return self.world.agency(AgencyKind(kind), place)

    def by_id(self, agency_id: uuid.UUID) -> Agency:
        return next(a for a in self.world.agencies.values() if a.id == agency_id)

    async def officer(self, agency: Agency) -> tuple[uuid.UUID, dict[str, str]]:
        """An officer of `agency` (made on first use): their user id and token."""
        if agency.id not in self._officers:
            place = next(p for (p, _k), a in self.world.agencies.items() if a.id == agency.id)
            user, headers = await self.world.add_user(
                Role.agency_officer, AgencyKind(agency.kind), place
            )
            self._officers[agency.id] = (user.id, headers)
        return self._officers[agency.id]

    async def headers(self, agency: Agency) -> dict[str, str]:
        return (await self.officer(agency))[1]

    def office(self, place: str = "home") -> dict[str, str]:
        return self.world.headers(Role.coordinator, place)

    async def etag(self, agency: Agency) -> str:
        r = await self.client.get(QUEUE, headers=await self.headers(agency))
        assert r.status_code == 200, r.text
        return r.headers["etag"]

    def number(self) -> int:
        return next(self._numbers)

    async def employer(self, *, code: str | None = None) -> uuid.UUID:
        return await make_employer(
            self.db, self.world, name=f"黄骅市第{self.number()}砖厂", uscc=code
        )

    async def case(self, *types: str, employer: uuid.UUID | None = None) -> uuid.UUID:
        """A case filed for a new home-county employer (or `employer`), routed."""
        return await file(self.db, employer or await self.employer(), *types)

    async def shares(self, case_id: uuid.UUID | str) -> list[Assignment]:
        async with self.db.sessionmaker() as session:
            found = await session.exec(
                select(Assignment).where(Assignment.case_id == uuid.UUID(str(case_id)))
            )
            return list(found.all())

    async def holders(self, case_id: uuid.UUID | str) -> list[Agency]:
        """The agencies with an assignment on the case: their queues hold it."""
        return [self.by_id(a.agency_id) for a in await self.shares(case_id)]

    async def share(self, case_id: uuid.UUID, agency: Agency) -> str:
        [found] = [a for a in await self.shares(case_id) if a.agency_id == agency.id]
        return str(found.id)

    async def post(
        self, path: str, headers: dict[str, str], body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        r = await self.client.post(path, headers=headers, json=body or {})
        assert r.is_success, f"{path}: {r.status_code} {r.text}"
        return dict(r.json())

    async def accepted(self, case_id: uuid.UUID, agency: Agency) -> str:
        aid = await self.share(case_id, agency)
        await self.post(f"/api/v1/assignments/{aid}/accept", await self.headers(agency))
        return aid

    async def tip(self, *types: str) -> dict[str, Any]:
        """A hotline call about a home-county kiln, typed in by the office."""
        return await self.post(
            "/api/v1/tips",
            self.office(),
            {
                "channel": "phone",
                "description": "砖厂晚上把工人锁在宿舍里，不发工资",
                "violation_types": list(types),
                "employer_name": "旺达砖厂",
                "address": "黄骅镇东村",
                "jurisdiction_id": str(self.world.places["home"].id),
                "contact": {"name": "王建国", "phone": "13912345678"},
            },
        )

    async def tip_on_case(self, *types: str) -> tuple[dict[str, Any], uuid.UUID]:
        """A tip the office opened a case for: (the tip as created, the case id)."""
        tip = await self.tip(*types)
        triaged = await self.post(
            f"/api/v1/tips/{tip['id']}/triage",
            self.office(),
            {"decision": "open_case", "employer_id": str(await self.employer())},
        )
        return tip, uuid.UUID(triaged["case_id"])

    def bystander(self) -> Agency:
        """The other county's police, which no home-county case reaches."""
        return self.agency("police", "foreign")


Build = Callable[[Stage], Awaitable[Scene]]


def _read(key: str) -> Callable[[httpx.Response], str]:
    return lambda r: str(r.json()[key])


# Cases


async def new_case(s: Stage) -> Scene:
    """A case opened by the office is routed at once: each agency routed has it queued."""
    employer = await s.employer()
    return Scene(
        lambda: s.client.post(
            "/api/v1/cases",
            headers=s.office(),
            json={
                "employer_id": str(employer),
                "violation_types": ["forced_labour"],
                "description": "工人被强迫劳动",
            },
        ),
        sees=[s.agency("police"), s.agency("labour"), s.agency("union")],
        unseen=[s.bystander()],
        case=_read("id"),
    )


async def merged_case(s: Stage) -> Scene:
    """New types added to the employer's open case: every queue on it shows them."""
    employer = await s.employer()
    case = await s.case("forced_labour", employer=employer)
    return Scene(
        lambda: s.client.post(
            "/api/v1/cases",
            headers=s.office(),
            json={
                "employer_id": str(employer),
                "violation_types": ["child_labour"],
                "description": "窑上有童工",
            },
        ),
        sees=[*await s.holders(case), s.agency("civil_affairs")],
        unseen=[s.bystander()],
        case=case,
    )


async def closed_case(s: Stage) -> Scene:
    case = await s.case("forced_labour")
    for agency in await s.holders(case):
        aid = await s.accepted(case, agency)
        await s.post(
            f"/api/v1/assignments/{aid}/conclude", await s.headers(agency), {"summary": "已处理"}
        )
    return Scene(
        lambda: s.client.post(
            f"/api/v1/cases/{case}/close", headers=s.office(), json={"summary": "已办结"}
        ),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


async def dismissed_case(s: Stage) -> Scene:
    case = await s.case("forced_labour")
    return Scene(
        lambda: s.client.post(
            f"/api/v1/cases/{case}/dismiss", headers=s.office(), json={"reason": "查无此事"}
        ),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


async def reopened_case(s: Stage) -> Scene:
    case = await s.case("forced_labour")
    await s.post(f"/api/v1/cases/{case}/dismiss", s.office(), {"reason": "查无此事"})
    return Scene(
        lambda: s.client.post(
            f"/api/v1/cases/{case}/reopen", headers=s.office(), json={"reason": "又有举报"}
        ),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


async def rerouted_share(s: Stage) -> Scene:
    """A declined share given to another agency: the old one's item and the new one's."""
    case = await s.case("forced_labour")
    union, civil = s.agency("union"), s.agency("civil_affairs")
    aid = await s.share(case, union)
    await s.post(
        f"/api/v1/assignments/{aid}/decline", await s.headers(union), {"reason": "非本部门"}
    )
    return Scene(
        lambda: s.client.post(
            f"/api/v1/cases/{case}/reroute",
            headers=s.office(),
            json={"assignment_id": aid, "agency_id": str(civil.id), "reason": "转民政"},
        ),
        sees=[union, civil],
        unseen=[s.bystander()],
    )


# Assignments


async def owned_share(s: Stage) -> Scene:
    case = await s.case("forced_labour")
    police = s.agency("police")
    aid = await s.share(case, police)
    user_id, headers = await s.officer(police)
    return Scene(
        lambda: s.client.patch(
            f"/api/v1/assignments/{aid}", headers=headers, json={"owner_id": str(user_id)}
        ),
        sees=[police],
        unseen=[s.bystander()],
    )


async def first_acceptance(s: Stage) -> Scene:
    """The first acceptance starts the case: every queue on it shows `in_progress`."""
    case = await s.case("forced_labour")
    police = s.agency("police")
    aid = await s.share(case, police)
    headers = await s.headers(police)
    return Scene(
        lambda: s.client.post(f"/api/v1/assignments/{aid}/accept", headers=headers),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


async def declined_share(s: Stage) -> Scene:
    case = await s.case("forced_labour")
    police = s.agency("police")
    aid = await s.share(case, police)
    headers = await s.headers(police)
    return Scene(
        lambda: s.client.post(
            f"/api/v1/assignments/{aid}/decline", headers=headers, json={"reason": "非本部门管辖"}
        ),
        sees=[police],
        unseen=[s.bystander()],
    )


async def concluded_share(s: Stage) -> Scene:
    case = await s.case("forced_labour")
    police = s.agency("police")
    aid = await s.accepted(case, police)
    headers = await s.headers(police)
    return Scene(
        lambda: s.client.post(
            f"/api/v1/assignments/{aid}/conclude", headers=headers, json={"summary": "已立案侦查"}
        ),
        sees=[police],
        unseen=[s.bystander()],
    )


async def referral(s: Stage) -> Scene:
    """A referral (通报工商局予以查处取缔) is a new share for the agency referred to. The
    other actions change no queue item: an order's deadline shows only once it is past."""
    case = await s.case("wage_arrears")
    labour = s.agency("labour")
    aid = await s.accepted(case, labour)
    headers = await s.headers(labour)
    return Scene(
        lambda: s.client.post(
            f"/api/v1/assignments/{aid}/actions",
            headers=headers,
            json={"type": "referral", "note": "无照经营，请予取缔", "referral_kind": "commerce"},
        ),
        sees=[s.agency("commerce")],
        unseen=[s.bystander()],
    )


# The enforcement track: filing, extensions, transfers, rectifications


async def _labour_share(s: Stage, *, filed: bool = False) -> tuple[str, dict[str, str]]:
    case = await s.case("wage_arrears")
    labour = s.agency("labour")
    aid = await s.accepted(case, labour)
    headers = await s.headers(labour)
    if filed:
        await s.post(f"/api/v1/assignments/{aid}/file", headers)
    return aid, headers


async def filed_share(s: Stage) -> Scene:
    aid, headers = await _labour_share(s)
    return Scene(
        lambda: s.client.post(f"/api/v1/assignments/{aid}/file", headers=headers, json={}),
        sees=[s.agency("labour")],
        unseen=[s.bystander()],
    )


async def extension_asked(s: Stage) -> Scene:
    aid, headers = await _labour_share(s, filed=True)
    return Scene(
        lambda: s.client.post(
            f"/api/v1/assignments/{aid}/extensions",
            headers=headers,
            json={"working_days": 10, "reason": "证据尚在调取"},
        ),
        sees=[s.agency("labour")],
        unseen=[s.bystander()],
    )


async def _extension(s: Stage) -> str:
    aid, headers = await _labour_share(s, filed=True)
    asked = await s.post(
        f"/api/v1/assignments/{aid}/extensions",
        headers,
        {"working_days": 10, "reason": "证据尚在调取"},
    )
    return str(asked["id"])


async def extension_approved(s: Stage) -> Scene:
    """The approved extension moves `investigate_by`, which the item shows."""
    ext = await _extension(s)
    return Scene(
        lambda: s.client.post(
            f"/api/v1/extensions/{ext}/approve", headers=s.world.headers(Role.agency_lead), json={}
        ),
        sees=[s.agency("labour")],
        unseen=[s.bystander()],
    )


async def extension_rejected(s: Stage) -> Scene:
    ext = await _extension(s)
    return Scene(
        lambda: s.client.post(
            f"/api/v1/extensions/{ext}/reject",
            headers=s.world.headers(Role.agency_lead),
            json={"reason": "证据已齐"},
        ),
        sees=[s.agency("labour")],
        unseen=[s.bystander()],
    )


FACTS = {"facts": "经责令支付仍拒不支付31名工人工资，涉嫌拒不支付劳动报酬罪"}


async def transfer_asked(s: Stage) -> Scene:
    aid, headers = await _labour_share(s)
    return Scene(
        lambda: s.client.post(f"/api/v1/assignments/{aid}/transfers", headers=headers, json=FACTS),
        sees=[s.agency("labour")],
        unseen=[s.bystander()],
    )


async def _transfer(s: Stage, *, approved: bool = False) -> tuple[str, dict[str, str]]:
    aid, headers = await _labour_share(s)
    t = await s.post(f"/api/v1/assignments/{aid}/transfers", headers, FACTS)
    if approved:
        await s.post(f"/api/v1/transfers/{t['id']}/approve", s.world.headers(Role.agency_lead))
    return str(t["id"]), headers


async def transfer_approved(s: Stage) -> Scene:
    t, _ = await _transfer(s)
    return Scene(
        lambda: s.client.post(
            f"/api/v1/transfers/{t}/approve", headers=s.world.headers(Role.agency_lead), json={}
        ),
        sees=[s.agency("labour")],
        unseen=[s.bystander()],
    )


async def transfer_rejected(s: Stage) -> Scene:
    t, _ = await _transfer(s)
    return Scene(
        lambda: s.client.post(
            f"/api/v1/transfers/{t}/reject",
            headers=s.world.headers(Role.agency_lead),
            json={"reason": "尚不构成犯罪"},
        ),
        sees=[s.agency("labour")],
        unseen=[s.bystander()],
    )


async def transfer_sent(s: Stage) -> Scene:
    """Sending gives the police a share (`pending_filing`) and stamps the sender's."""
    t, headers = await _transfer(s, approved=True)
    return Scene(
        lambda: s.client.post(f"/api/v1/transfers/{t}/send", headers=headers, json={}),
        sees=[s.agency("labour"), s.agency("police")],
        unseen=[s.bystander()],
    )


async def transfer_filed(s: Stage) -> Scene:
    t, headers = await _transfer(s, approved=True)
    await s.post(f"/api/v1/transfers/{t}/send", headers)
    police = s.agency("police")
    police_headers = await s.headers(police)
    return Scene(
        lambda: s.client.post(
            f"/api/v1/transfers/{t}/decision",
            headers=police_headers,
            json={"filed": True, "reason": ""},
        ),
        sees=[s.agency("labour"), police],
        unseen=[s.bystander()],
    )


async def corrected_rectification(s: Stage) -> Scene:
    """A rectification past its deadline shows as the `rectify` clock run out; corrected,
    it no longer does."""
    aid, headers = await _labour_share(s)
    ordered = await s.post(
        f"/api/v1/assignments/{aid}/actions",
        headers,
        {
            "type": "rectification_order",
            "note": "限期补发工资",
            "deadline": str(clock.today() + timedelta(days=7)),
        },
    )
    rect = uuid.UUID(ordered["rectification"]["id"])
    async with transaction(s.db.sessionmaker) as session:  # its deadline passed unheeded
        await session.exec(
            sa.update(Rectification)
            .where(col(Rectification.id) == rect)
            .values(deadline=clock.today() - timedelta(days=3))
        )
    page = await s.client.get(QUEUE, headers=headers, params={"overdue": "rectify"})
    assert aid in [i["id"] for i in page.json()["items"]], page.text  # what the agency sees
    return Scene(
        lambda: s.client.post(
            f"/api/v1/rectifications/{rect}/follow-ups",
            headers=headers,
            json={"visited_on": str(clock.today()), "corrected": True, "note": "工资已补发"},
        ),
        sees=[s.agency("labour")],
        unseen=[s.bystander()],
    )


# Employers: queue items show the employer's name, and a case follows its employer's place


async def renamed_employer(s: Stage) -> Scene:
    employer = await s.employer()
    case = await s.case("forced_labour", employer=employer)
    return Scene(
        lambda: s.client.patch(
            f"/api/v1/employers/{employer}", headers=s.office(), json={"name": "旺达建材有限公司"}
        ),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


async def moved_employer(s: Stage) -> Scene:
    """Moved to the other county: the old agencies' shares are withdrawn, the new county's
    agencies are routed."""
    employer = await s.employer()
    case = await s.case("forced_labour", employer=employer)
    _, city = await s.world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    new = [s.agency(k, "foreign") for k in ("police", "labour", "union")]
    return Scene(
        lambda: s.client.patch(
            f"/api/v1/employers/{employer}",
            headers=city,
            json={"jurisdiction_id": str(s.world.places["foreign"].id)},
        ),
        sees=[*await s.holders(case), *new],
        unseen=[s.agency("tax", "foreign")],
        case=case,
    )


def _upload(s: Stage, headers: dict[str, str], row: list[str]) -> Callable[[], Any]:
    data = csv_bytes([row])
    return lambda: s.client.post(
        "/api/v1/employers/import",
        files={"file": ("list.csv", data, "application/octet-stream")},
        headers=headers,
    )


async def renamed_by_import(s: Stage) -> Scene:
    code = uscc(900 + s.number())
    employer = await s.employer(code=code)
    case = await s.case("forced_labour", employer=employer)
    row = ["旺达新型建材厂", code, "brick_kiln", "黄骅市", "村东", "", "", "", ""]
    assert len(row) == len(HEADERS)
    return Scene(
        _upload(s, s.office(), row),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


async def moved_by_import(s: Stage) -> Scene:
    code = uscc(900 + s.number())
    employer = await s.employer(code=code)
    case = await s.case("forced_labour", employer=employer)
    _, city = await s.world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    row = ["旺达砖厂", code, "brick_kiln", "献县", "村东", "", "", "", ""]
    new = [s.agency(k, "foreign") for k in ("police", "labour", "union")]
    return Scene(
        _upload(s, city, row),
        sees=[*await s.holders(case), *new],
        unseen=[s.agency("tax", "foreign")],
        case=case,
    )


# Inspections


async def sealed_inspection(s: Stage) -> Scene:
    """The last signature files the findings on the employer's open case."""
    employer = await s.employer()
    case = await s.case("forced_labour", employer=employer)
    inspector = s.world.headers(Role.inspector)
    made = await s.post(
        "/api/v1/inspections",
        inspector,
        {
            "employer_id": str(employer),
            "kind": "self_check",
            "visited_on": str(clock.today()),
            "headcount": KILN_HEADCOUNT,
        },
    )
    url = f"/api/v1/inspections/{made['id']}"
    await s.post(
        f"{url}/findings",
        inspector,
        {"violation_type": "no_labour_contract", "description": "未签劳动合同"},
    )
    await s.post(f"{url}/submit", inspector)
    return Scene(
        lambda: s.client.post(f"{url}/sign", headers=inspector),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


# Tips and the reporter's loop


async def tip_opened(s: Stage) -> Scene:
    tip = await s.tip("restriction_of_liberty")
    employer = await s.employer()
    return Scene(
        lambda: s.client.post(
            f"/api/v1/tips/{tip['id']}/triage",
            headers=s.office(),
            json={"decision": "open_case", "employer_id": str(employer)},
        ),
        sees=[s.agency("police"), s.agency("labour")],
        unseen=[s.bystander()],
        case=_read("case_id"),
    )


async def tip_linked(s: Stage) -> Scene:
    case = await s.case("forced_labour")
    tip = await s.tip("restriction_of_liberty")
    return Scene(
        lambda: s.client.post(
            f"/api/v1/tips/{tip['id']}/triage",
            headers=s.office(),
            json={"decision": "link_case", "case_id": str(case)},
        ),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


async def rehandled_case(s: Stage) -> Scene:
    """The reporter was not satisfied; the office has the case handled again."""
    tip, case = await s.tip_on_case("wage_arrears")
    labour = s.agency("labour")
    aid = await s.accepted(case, labour)
    await s.post(
        f"/api/v1/assignments/{aid}/conclude", await s.headers(labour), {"summary": "已付"}
    )
    await s.post(f"/api/v1/cases/{case}/close", s.office(), {"summary": "工资已付清"})
    asked = await s.post(
        "/public/v1/tips/feedback",
        {},
        {"receipt": tip["receipt"], "satisfied": False, "comment": "工资只付了一半"},
    )
    assert asked["rehandling"] is True
    found = await s.client.get(
        "/api/v1/rehandling-requests", params={"status": "open"}, headers=s.office()
    )
    [request] = [r for r in found.json()["items"] if r["tip_id"] == tip["id"]]
    return Scene(
        lambda: s.client.post(
            f"/api/v1/rehandling-requests/{request['id']}/reopen",
            headers=s.office(),
            json={"reason": "举报人反映工资只付了一半"},
        ),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


FOLLOWUP = "/public/v1/tips/followups"


async def followup(s: Stage) -> Scene:
    """A tipster's follow-up is a note on the case, read by every agency on it."""
    tip, case = await s.tip_on_case("restriction_of_liberty")
    return Scene(
        lambda: s.client.post(
            FOLLOWUP, json={"receipt": tip["receipt"], "message": "宿舍在砖厂北边第二排"}
        ),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )


async def umbrella_followup(s: Stage) -> Scene:
    """A follow-up to a protective-umbrella (保护伞) tip is read only by the restricted
    shares; the county's own agencies must not even see their ETag move."""
    tip, case = await s.tip_on_case("official_misconduct", "restriction_of_liberty")
    shares = await s.shares(case)
    return Scene(
        lambda: s.client.post(
            FOLLOWUP, json={"receipt": tip["receipt"], "message": "所长昨天又去窑上喝酒"}
        ),
        sees=[s.by_id(a.agency_id) for a in shares if a.restricted],
        unseen=[s.by_id(a.agency_id) for a in shares if not a.restricted],
    )


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 60, 30)).save(out, format="JPEG")
    return out.getvalue()


async def followup_with_photo(s: Stage) -> Scene:
    tip, case = await s.tip_on_case("restriction_of_liberty")
    photo = _photo()
    return Scene(
        lambda: s.client.post(
            f"{FOLLOWUP}/with-attachments",
            data={"receipt": tip["receipt"], "message": "这是今晚拍的宿舍门"},
            files=[("attachments", ("door.jpg", photo, "image/jpeg"))],
        ),
        sees=await s.holders(case),
        unseen=[s.bystander()],
        case=case,
    )
