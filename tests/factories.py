"""Plain async factories: a small world of places, agencies and users, and tokens for them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.models.accounts import User
from app.models.reference import Agency, Jurisdiction
from app.security import hash_password
from app.services.registry import reference
from app.services.registry.accounts import token_for_user

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

PASSWORD = "correct horse battery staple"


@lru_cache(maxsize=4)
def password_hash(password: str = PASSWORD) -> str:
    return hash_password(password)


@dataclass
class World:
    """黄骅市 (home) and 献县 (foreign), both under 沧州市; 黄骅镇 is a township of home."""

    db: TestDatabase
    places: dict[str, Jurisdiction] = field(default_factory=dict)
    agencies: dict[tuple[str, AgencyKind], Agency] = field(default_factory=dict)
    users: dict[tuple[str, Role], User] = field(default_factory=dict)
    tokens: dict[tuple[str, Role], str] = field(default_factory=dict)

    def agency(self, kind: AgencyKind, place: str = "home") -> Agency:
        return self.agencies[(place, kind)]

    def user(self, role: Role, place: str = "home") -> User:
        return self.users[(place, role)]

    def headers(self, role: Role, place: str = "home") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[(place, role)]}"}

    async def add_user(
        self, role: Role, kind: AgencyKind, place: str = "home", username: str | None = None
    ) -> tuple[User, dict[str, str]]:
        async with transaction(self.db.sessionmaker) as session:
            user = User(
                username=username or f"u-{uuid.uuid4().hex[:10]}",
                display_name=f"{role.value}@{kind.value}",
                role=role.value,
                agency_id=self.agency(kind, place).id,
                password_hash=password_hash(),
            )
            session.add(user)
            await session.flush()
            token, _ = await token_for_user(session, self.db.settings, user)
        return user, {"Authorization": f"Bearer {token}"}


ROLE_AGENCY: dict[Role, AgencyKind] = {
    Role.admin: AgencyKind.coordinator,
    Role.coordinator: AgencyKind.coordinator,
    Role.inspector: AgencyKind.labour,
    Role.agency_officer: AgencyKind.police,
    Role.agency_lead: AgencyKind.labour,
    Role.auditor: AgencyKind.supervision,
}


async def make_place(
    session: Any, name: str, level: JurisdictionLevel, parent: Jurisdiction | None
) -> Jurisdiction:
    return await reference.create_jurisdiction(
        session, SYSTEM_ACTOR, name=name, level=level, parent_id=parent.id if parent else None
    )


async def build_world(db: TestDatabase) -> World:
    world = World(db=db)
    async with transaction(db.sessionmaker) as session:
        root = await make_place(session, "全国", JurisdictionLevel.national, None)
        hebei = await make_place(session, "河北省", JurisdictionLevel.province, root)
        city = await make_place(session, "沧州市", JurisdictionLevel.city, hebei)
        home = await make_place(session, "黄骅市", JurisdictionLevel.county, city)
        foreign = await make_place(session, "献县", JurisdictionLevel.county, city)
        town = await make_place(session, "黄骅镇", JurisdictionLevel.township, home)
        world.places.update(
            root=root, province=hebei, city=city, home=home, foreign=foreign, town=town
        )
        for place in ("home", "foreign"):
            for kind in AgencyKind:
                if kind is AgencyKind.township:
                    continue
                world.agencies[(place, kind)] = await reference.create_agency(
                    session,
                    SYSTEM_ACTOR,
                    name=None,
                    kind=kind,
                    jurisdiction_id=world.places[place].id,
                )
        world.agencies[("town", AgencyKind.township)] = await reference.create_agency(
            session, SYSTEM_ACTOR, name=None, kind=AgencyKind.township, jurisdiction_id=town.id
        )
        for kind in (AgencyKind.coordinator, AgencyKind.supervision):
            world.agencies[("city", kind)] = await reference.create_agency(
                session, SYSTEM_ACTOR, name=None, kind=kind, jurisdiction_id=city.id
            )
        for place in ("home", "foreign"):
            for role, kind in ROLE_AGENCY.items():
                user = User(
                    username=f"{role.value}.{place}",
                    display_name=f"{role.value} {place}",
                    role=role.value,
                    agency_id=world.agencies[(place, kind)].id,
                    password_hash=password_hash(),
                )
                session.add(user)
                await session.flush()
                world.users[(place, role)] = user
                world.tokens[(place, role)], _ = await token_for_user(session, db.settings, user)
    return world
