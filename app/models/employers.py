"""Employers (用人单位), their licences (证照), and the schemas of both."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from app.domain.employer_flags import EmployerFlag
from app.domain.taxonomy import Industry, LicenceKind
from app.models.base import new_id, ts_column, utcnow
from app.models.common import Count, Day
from app.models.schemas import Location, Strict


class Employer(SQLModel, table=True):
    """A brick kiln, mine, workshop or site. `uscc` is optional: a black kiln has none.

    Without a USCC an employer is known by (name, address, jurisdiction): the
    import matches on that, hence the index.
    """

    __table_args__ = (
        sa.Index("ix_employer_jurisdiction_created", "jurisdiction_id", "created_at", "id"),
        sa.Index("ix_employer_name_address", "name", "address"),
        sa.Index("ix_employer_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200)
    uscc: str | None = Field(default=None, max_length=18, unique=True)
    industry: str = Field(max_length=32, index=True)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id")
    address: str = Field(default="", max_length=300)
    workers: int | None = None
    lat: float | None = None
    lon: float | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Licence(SQLModel, table=True):
    """At most one licence of each kind per employer; a new number replaces the old."""

    __table_args__ = (sa.UniqueConstraint("employer_id", "kind", name="uq_licence_employer_kind"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    employer_id: uuid.UUID = Field(foreign_key="employer.id", index=True)
    kind: str = Field(max_length=32)
    number: str = Field(max_length=64)
    valid_until: date | None = None


class LicenceIn(Strict):
    kind: LicenceKind
    number: str = PydanticField(min_length=1, max_length=64)
    valid_until: Day | None = None


class LicencePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: LicenceKind
    number: str
    valid_until: date | None


def _one_per_kind(licences: list[LicenceIn] | None) -> list[LicenceIn] | None:
    if licences is not None and len({lic.kind for lic in licences}) != len(licences):
        raise ValueError("at most one licence of each kind")
    return licences


class EmployerCreate(Strict):
    name: str = PydanticField(min_length=1, max_length=200)
    uscc: str | None = PydanticField(
        default=None, max_length=40, description="统一社会信用代码; spaces and case are ignored."
    )
    industry: Industry
    jurisdiction_id: uuid.UUID
    address: str = PydanticField(default="", max_length=300)
    workers: Count | None = None
    location: Location | None = None
    licences: list[LicenceIn] = PydanticField(default_factory=list, max_length=len(LicenceKind))

    _check_licences = field_validator("licences")(_one_per_kind)


class EmployerUpdate(Strict):
    """Only the fields sent change. `licences`, when sent, replaces the whole set."""

    name: str | None = PydanticField(default=None, min_length=1, max_length=200)
    uscc: str | None = PydanticField(default=None, max_length=40)
    industry: Industry | None = None
    jurisdiction_id: uuid.UUID | None = None
    address: str | None = PydanticField(default=None, max_length=300)
    workers: Count | None = None
    location: Location | None = PydanticField(default=None, description="null removes it")
    licences: list[LicenceIn] | None = PydanticField(default=None, max_length=len(LicenceKind))

    _check_licences = field_validator("licences")(_one_per_kind)


class EmployerPublic(BaseModel):
    id: uuid.UUID
    name: str
    uscc: str | None
    industry: Industry
    jurisdiction_id: uuid.UUID
    address: str
    workers: int | None
    location: Location | None = None
    licences: list[LicencePublic]
    flags: list[EmployerFlag] = PydanticField(
        description="What to check first: no_business_licence, licence_expired, "
        "no_safety_permit (mines, kilns, smelters, construction)."
    )
    created_at: datetime
    updated_at: datetime


class ImportRejection(BaseModel):
    row: int = PydanticField(description="The row in the file; the header is row 1.")
    errors: list[str]


class ImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int = PydanticField(description="Rows matching an employer already as given.")
    rejected: list[ImportRejection] = PydanticField(
        description="Rejected rows with their reasons, the first 1,000 of them."
    )
    rejected_total: int = PydanticField(description="All rejected rows, listed or not.")
