"""The demo county: the documents' Huanghua (黄骅市), its ten townships, agencies and users,
and a campaign three weeks under way (see demo_story).

Loaded by `labourwatch serve --demo`, in one transaction; loading it again adds
nothing: places, agencies and users are looked up before they are made, and the
campaign's story is played only if the demo campaign is not there yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.domain.permissions import SYSTEM_ACTOR, Actor
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.models.accounts import User
from app.models.inspections import Campaign
from app.models.reference import Agency, Jurisdiction
from app.security import hash_password
from app.services.demo.demo_data import CAMPAIGN
from app.services.demo.demo_story import Story, receipt_of_demo_tip
from app.services.registry import accounts, reference

DEMO_PASSWORD = "huanghua-demo-2007"  # noqa: S105 - printed for the demo on purpose
TOWNSHIPS = (
    "黄骅镇",
    "羊二庄镇",
    "羊三木乡",
    "南排河镇",
    "旧城镇",
    "常郭镇",
    "滕庄子乡",
    "吕桥镇",
    "齐家务乡",
    "官庄乡",
)
COUNTY_KINDS: tuple[AgencyKind, ...] = tuple(k for k in AgencyKind if k is not AgencyKind.township)
CITY_KINDS: tuple[AgencyKind, ...] = (
    AgencyKind.coordinator,
    AgencyKind.supervision,
    AgencyKind.police,
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    agency: str


@dataclass(frozen=True)
class LoadedDemo:
    logins: list[DemoLogin]
    receipt: str  # a web tipster's receipt, to try at /status
    campaign_id: str
    played: bool  # False: the story was there already


# username, role, agency kind (None: the national office), at the city (沧州市)?, display name
DEMO_USERS: tuple[tuple[str, Role, AgencyKind | None, bool, str], ...] = (
    ("admin", Role.admin, None, False, "系统管理员"),
    ("coordinator", Role.coordinator, AgencyKind.coordinator, False, "领导小组办公室 王主任"),
    ("auditor", Role.auditor, AgencyKind.supervision, False, "监察委员会 审计员"),
    ("inspector.labour", Role.inspector, AgencyKind.labour, False, "第一组组长（劳保）"),
    ("inspector.police", Role.inspector, AgencyKind.police, False, "第二组组长（公安）"),
    ("inspector.commerce", Role.inspector, AgencyKind.commerce, False, "第三组组长（工商）"),
    ("inspector.union", Role.inspector, AgencyKind.union, False, "检查组成员（工会）"),
    ("inspector.safety", Role.inspector, AgencyKind.safety, False, "检查组成员（安监）"),
    *(
        (f"officer.{k.value}", Role.agency_officer, k, False, f"{k.value} 办案人员")
        for k in COUNTY_KINDS
        if k is not AgencyKind.coordinator
    ),
    # 负责人: approves extensions of the labour bureau's handling clock
    ("lead.labour", Role.agency_lead, AgencyKind.labour, False, "人力资源和社会保障局 负责人"),
    # The city's office (沧州市): takes the tips the county hands up (转办).
    (
        "coordinator.cangzhou",
        Role.coordinator,
        AgencyKind.coordinator,
        True,
        "沧州市领导小组办公室 李主任",
    ),
    # A protective-umbrella allegation goes to supervision above the county (沧州市).
    (
        "officer.supervision.cangzhou",
        Role.agency_officer,
        AgencyKind.supervision,
        True,
        "沧州市监察委员会 办案人员",
    ),
)


async def _place(
    session: AsyncSession, name: str, level: JurisdictionLevel, parent: Jurisdiction
) -> Jurisdiction:
    found = (
        await session.exec(
            select(Jurisdiction).where(
                Jurisdiction.parent_id == parent.id, Jurisdiction.name == name
            )
        )
    ).first()
    return found or await reference.create_jurisdiction(
        session, SYSTEM_ACTOR, name=name, level=level, parent_id=parent.id
    )


async def _agency(session: AsyncSession, kind: AgencyKind, place: Jurisdiction) -> Agency:
    found = (
        await session.exec(
            select(Agency).where(Agency.kind == kind.value, Agency.jurisdiction_id == place.id)
        )
    ).first()
    return found or await reference.create_agency(
        session, SYSTEM_ACTOR, name=None, kind=kind, jurisdiction_id=place.id
    )


async def _users(
    session: AsyncSession,
    office: Agency,
    county: dict[AgencyKind, Agency],
    city: dict[AgencyKind, Agency],
) -> tuple[list[DemoLogin], dict[str, Actor]]:
    logins, actors = [], {}
    hashed: str | None = None  # one password for all: hashed once (each hash is slow)
    for username, role, kind, at_city, display in DEMO_USERS:
        agency = office if kind is None else (city if at_city else county)[kind]
        user = (await session.exec(select(User).where(User.username == username))).first()
        if user is None:
            hashed = hashed or hash_password(DEMO_PASSWORD)
            user = await accounts.create_user(
                session,
                SYSTEM_ACTOR,
                username=username,
                password=DEMO_PASSWORD,
                display_name=display,
                role=role,
                agency_id=agency.id,
                password_hash=hashed,
            )
        logins.append(DemoLogin(username, role, agency.name))
        actors[username] = await accounts.actor_for_user(session, user)
    return logins, actors


async def load_demo(session: AsyncSession, settings: Settings) -> LoadedDemo:
    office = await reference.ensure_root_office(session, SYSTEM_ACTOR)
    root = await session.get(Jurisdiction, office.jurisdiction_id)
    assert root is not None
    hebei = await _place(session, "河北省", JurisdictionLevel.province, root)
    cangzhou = await _place(session, "沧州市", JurisdictionLevel.city, hebei)
    huanghua = await _place(session, "黄骅市", JurisdictionLevel.county, cangzhou)
    city = {kind: await _agency(session, kind, cangzhou) for kind in CITY_KINDS}
    county = {kind: await _agency(session, kind, huanghua) for kind in COUNTY_KINDS}
    towns = {}
    for name in TOWNSHIPS:
        town = await _place(session, name, JurisdictionLevel.township, huanghua)
        await _agency(session, AgencyKind.township, town)
        towns[name] = town.id
    logins, actors = await _users(session, office, county, city)
    campaign_id = (
        await session.exec(
            select(Campaign.id).where(
                Campaign.name == CAMPAIGN, Campaign.jurisdiction_id == huanghua.id
            )
        )
    ).first()
    played = campaign_id is None
    if campaign_id is None:
        story = Story(session, settings, actors, huanghua, towns)
        await story.play()
        campaign_id = story.campaign_id
    return LoadedDemo(logins, receipt_of_demo_tip(settings), str(campaign_id), played)
