"""Employers (用人单位) and their licences (证照)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import new_id, ts_column, utcnow


class Employer(SQLModel, table=True):
    """A brick kiln, mine, workshop or site. `uscc` is optional: a black kiln has none."""

    __table_args__ = (
        sa.Index("ix_employer_jurisdiction_created", "jurisdiction_id", "created_at", "id"),
        sa.Index("ix_employer_name_address", "name", "address"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200)
    uscc: str | None = Field(default=None, max_length=18, unique=True)
    industry: str = Field(max_length=32, index=True)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id")
    address: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Licence(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("employer_id", "kind", name="uq_licence_employer_kind"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    employer_id: uuid.UUID = Field(foreign_key="employer.id", index=True)
    kind: str = Field(max_length=32)
    number: str = Field(max_length=64)
    valid_until: date | None = None
