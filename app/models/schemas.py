"""Request and response schemas of the foundation resources (no tables here)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.permissions import Permission
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role, Severity

ActorKind = Literal["user", "service", "public", "system"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Location(Strict):
    """A point as a phone's satellite fix gives it: WGS-84 degrees (not the GCJ-02 of
    Chinese web maps; convert before drawing on one)."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


def location_of(row: object) -> Location | None:
    lat, lon = getattr(row, "lat", None), getattr(row, "lon", None)
    return Location(lat=lat, lon=lon) if lat is not None and lon is not None else None


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class JurisdictionCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    level: JurisdictionLevel
    parent_id: uuid.UUID | None = None


class JurisdictionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    level: JurisdictionLevel
    parent_id: uuid.UUID | None


class JurisdictionRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str


class AgencyCreate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: AgencyKind
    jurisdiction_id: uuid.UUID


class AgencyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: AgencyKind
    jurisdiction_id: uuid.UUID


class AgencyRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: AgencyKind
    name: str


class UserCreate(Strict):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=1, max_length=256)
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    agency_id: uuid.UUID


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    agency_id: uuid.UUID
    is_active: bool
    created_at: datetime


class MePublic(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    kind: Literal["user", "service"]
    role: Role
    agency: AgencyRef
    jurisdiction: JurisdictionRef
    permissions: list[Permission]


class ServiceAccountCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    agency_id: uuid.UUID
    scopes: list[str] = Field(min_length=1, max_length=32)


class ServiceAccountCreated(BaseModel):
    id: uuid.UUID
    name: str
    agency_id: uuid.UUID
    scopes: list[str]
    client_id: str
    client_secret: str = Field(description="Shown once; only a hash is kept.")


class ServiceAccountPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    agency_id: uuid.UUID
    scopes: list[str]
    client_id: str
    is_active: bool
    created_at: datetime


class ViolationTypePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    category: str
    severity: Severity


class RoutingRulePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    violation_type: str
    lead: AgencyKind
    also: list[AgencyKind]
    severity: Severity
    version: int
    edited: bool
    updated_at: datetime


class RoutingRuleUpdate(Strict):
    lead: AgencyKind
    also: list[AgencyKind] = Field(default_factory=list, max_length=12)
    severity: Severity
