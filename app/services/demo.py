"""The demo county: the documents' Huanghua (黄骅市), its ten townships, agencies and users.

Loaded by `labourwatch serve --demo`; loading it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.models.accounts import User
from app.models.reference import Agency, Jurisdiction
from app.services import accounts, reference

DEMO_PASSWORD = "huanghua-demo-2007"  # noqa: S105 - printed for the demo on purpose
TOWNSHIPS = ("黄骅镇", "羊二庄镇", "羊三木乡", "南排河镇", "旧城镇", "常郭镇", "滕庄子乡",
             "吕桥镇", "齐家务乡", "官庄乡")
COUNTY_KINDS = tuple(k for k in AgencyKind if k is not AgencyKind.township)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    agency: str


# username, role, agency kind at Huanghua (None: the national office)
DEMO_USERS: tuple[tuple[str, Role, AgencyKind | None, str], ...] = (
    ("admin", Role.admin, None, "系统管理员"),
    ("coordinator", Role.coordinator, AgencyKind.coordinator, "领导小组办公室 王主任"),
    ("auditor", Role.auditor, AgencyKind.supervision, "监察委员会 审计员"),
    ("inspector.labour", Role.inspector, AgencyKind.labour, "第一组组长（劳保）"),
    ("inspector.police", Role.inspector, AgencyKind.police, "第二组组长（公安）"),
    ("inspector.commerce", Role.inspector, AgencyKind.commerce, "第三组组长（工商）"),
    ("inspector.union", Role.inspector, AgencyKind.union, "检查组成员（工会）"),
    ("inspector.safety", Role.inspector, AgencyKind.safety, "检查组成员（安监）"),
    *((f"officer.{k.value}", Role.agency_officer, k, f"{k.value} 办案人员") for k in COUNTY_KINDS
      if k is not AgencyKind.coordinator),
)


async def _place(session: AsyncSession, name: str, level: JurisdictionLevel,
                 parent: Jurisdiction) -> Jurisdiction:
    found = (await session.exec(select(Jurisdiction).where(
        Jurisdiction.parent_id == parent.id, Jurisdiction.name == name))).first()
    return found or await reference.create_jurisdiction(
        session, SYSTEM_ACTOR, name=name, level=level, parent_id=parent.id)


async def _agency(session: AsyncSession, kind: AgencyKind, place: Jurisdiction) -> Agency:
    found = (await session.exec(select(Agency).where(
        Agency.kind == kind.value, Agency.jurisdiction_id == place.id))).first()
    return found or await reference.create_agency(session, SYSTEM_ACTOR, name=None, kind=kind,
                                                  jurisdiction_id=place.id)


async def load_demo(session: AsyncSession) -> list[DemoLogin]:
    office = await reference.ensure_root_office(session, SYSTEM_ACTOR)
    root = await session.get(Jurisdiction, office.jurisdiction_id)
    assert root is not None
    hebei = await _place(session, "河北省", JurisdictionLevel.province, root)
    cangzhou = await _place(session, "沧州市", JurisdictionLevel.city, hebei)
    huanghua = await _place(session, "黄骅市", JurisdictionLevel.county, cangzhou)
    for kind in (AgencyKind.coordinator, AgencyKind.supervision, AgencyKind.police):
        await _agency(session, kind, cangzhou)
    agencies: dict[AgencyKind, Agency] = {
        kind: await _agency(session, kind, huanghua) for kind in COUNTY_KINDS}
    for name in TOWNSHIPS:
        town = await _place(session, name, JurisdictionLevel.township, huanghua)
        await _agency(session, AgencyKind.township, town)
    logins = []
    for username, role, user_kind, display in DEMO_USERS:
        agency = office if user_kind is None else agencies[user_kind]
        exists = (await session.exec(select(User.id).where(User.username == username))).first()
        if not exists:
            await accounts.create_user(session, SYSTEM_ACTOR, username=username,
                                       password=DEMO_PASSWORD, display_name=display, role=role,
                                       agency_id=agency.id)
        logins.append(DemoLogin(username, role, agency.name))
    from app.services.campaigns import load_demo_campaign
    from app.services.employers import load_demo_employers

    await load_demo_employers(session)
    await load_demo_campaign(session)
    return logins
