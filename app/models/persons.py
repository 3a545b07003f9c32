"""Persons on a case (涉案人员): workers owed wages, children and vulnerable persons rescued.

The ID number and phone are never stored in clear: `identity` is an AES-GCM blob
bound to the person's id (`app/services/core/sealing.py`), `id_number_hash` a keyed
hash (the key lives outside the database) so an import finds the person again, and
the masked forms (`1309**********1234`) are what lists show. Erasure empties the
blob, the hash, the masks, the name and the birth date and keeps the figures.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PydField
from sqlmodel import Field, SQLModel

from app.models.base import new_id, ts_column, utcnow
from app.models.common import Count, Day
from app.models.schemas import Strict

Money = sa.Numeric(14, 2)
PersonRole = Literal["worker", "child", "vulnerable"]
PaymentSource = Literal["employer", "advance_fund", "guarantee"]
HandoverKind = Literal["guardian", "rescue_station", "escorted_home", "collected_home"]
AftercareKind = Literal["medical", "legal_aid", "job_placement", "union_follow_up"]
Sex = Literal["male", "female"]


class Person(SQLModel, table=True):
    __table_args__ = (
        sa.Index("ix_person_case_hash", "case_id", "id_number_hash"),
        sa.Index("ix_person_case_name", "case_id", "name", "birth_date"),
        sa.Index("ix_person_inspection", "inspection_id"),
        sa.Index("ix_person_created", "created_at", "id"),  # the ledger's keyset order
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID | None = Field(default=None, foreign_key="case.id", index=True)
    inspection_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id")
    """Set when the person came from an inspection's roster (逐人核查)."""
    jurisdiction_path: str = Field(max_length=400)
    role: str = Field(max_length=16)
    role_entered: str = Field(max_length=16)
    """The role as it was sent; `role` is `child` whenever the age says under 16."""
    name: str = Field(max_length=100)
    identity: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    id_number_hash: str | None = Field(default=None, max_length=64)
    id_number_masked: str | None = Field(default=None, max_length=32)
    phone_masked: str | None = Field(default=None, max_length=32)
    sex: str | None = Field(default=None, max_length=8)
    birth_date: date | None = None
    age_estimated: int | None = None
    hometown: str | None = Field(default=None, max_length=200)
    amount_owed: Decimal | None = Field(default=None, sa_column=sa.Column(Money, nullable=True))
    owed_period: str | None = Field(default=None, max_length=100)
    outstanding_reason: str | None = Field(
        default=None, sa_column=sa.Column(sa.Text, nullable=True)
    )
    notes: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    handover_kind: str | None = Field(default=None, max_length=16)
    handover_to: str | None = Field(default=None, max_length=200)
    handover_on: date | None = None
    documents_returned_on: date | None = None
    identity_erased_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class PersonPayment(SQLModel, table=True):
    """Wages paid to one person: by the employer, an advance fund (财政垫付) or a wage
    guarantee (工资保证金)."""

    __tablename__ = "person_payment"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    case_id: uuid.UUID | None = Field(default=None, foreign_key="case.id", index=True)
    amount: Decimal = Field(sa_column=sa.Column(Money, nullable=False))
    paid_on: date
    source: str = Field(max_length=16)
    note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class PersonAftercare(SQLModel, table=True):
    """Care after rescue (善后安置), recorded by the agency that gave it."""

    __tablename__ = "person_aftercare"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=16)
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    given_on: date
    note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


Amount = PydField(max_digits=14, decimal_places=2, gt=0)


class PersonCreate(Strict):
    role: PersonRole
    name: str = PydField(min_length=1, max_length=100)
    id_number: str | None = PydField(default=None, max_length=40)
    sex: Sex | None = None
    birth_date: Day | None = None
    age: int | None = PydField(default=None, ge=0, le=120, description="An estimate, when no date")
    hometown: str | None = PydField(default=None, max_length=200)
    phone: str | None = PydField(default=None, max_length=40)
    amount_owed: Decimal | None = PydField(default=None, max_digits=14, decimal_places=2, ge=0)
    owed_period: str | None = PydField(default=None, max_length=100)
    notes: str = PydField(default="", max_length=4000)


class PersonUpdate(Strict):
    amount_owed: Decimal | None = PydField(default=None, max_digits=14, decimal_places=2, ge=0)
    owed_period: str | None = PydField(default=None, max_length=100)
    outstanding_reason: str | None = PydField(default=None, max_length=2000)
    """Why wages still outstanding need not hold up closing the site (e.g. employer
    absconded, transferred to the police, advance fund applied for)."""
    hometown: str | None = PydField(default=None, max_length=200)
    notes: str | None = PydField(default=None, max_length=4000)


class PersonReveal(Strict):
    reason: str = PydField(min_length=1, max_length=2000)


class PaymentCreate(Strict):
    amount: Decimal = Amount
    paid_on: Day
    source: PaymentSource
    note: str = PydField(default="", max_length=2000)


class HandoverCreate(Strict):
    kind: HandoverKind
    to: str = PydField(min_length=1, max_length=200)
    on: Day


class DocumentsReturned(Strict):
    on: Day


class AftercareCreate(Strict):
    kind: AftercareKind
    on: Day
    note: str = PydField(default="", max_length=4000)


class PaymentPublic(BaseModel):
    id: uuid.UUID
    amount: Decimal
    paid_on: date
    source: str
    note: str
    created_at: datetime


class AftercarePublic(BaseModel):
    id: uuid.UUID
    kind: str
    agency_id: uuid.UUID | None
    on: date
    note: str


class Handover(BaseModel):
    kind: str
    to: str | None
    on: date | None


class PersonPublic(BaseModel):
    """A person as lists show them: identity masked; `POST /persons/{id}/reveal` for more."""

    id: uuid.UUID
    case_id: uuid.UUID | None
    inspection_id: uuid.UUID | None
    role: str
    role_entered: str
    flagged_child: bool
    """Entered as another role, but the age says under 16."""
    name: str
    id_number: str | None
    phone: str | None
    sex: str | None
    birth_date: date | None
    age: int | None
    hometown: str | None
    amount_owed: Decimal | None
    owed_period: str | None
    paid: Decimal
    outstanding: Decimal
    outstanding_reason: str | None
    notes: str
    handover: Handover | None
    documents_returned_on: date | None
    identity_erased: bool
    payments: list[PaymentPublic] = []
    aftercare: list[AftercarePublic] = []


class PersonTotals(BaseModel):
    persons: Count
    workers: Count
    children: Count
    vulnerable: Count
    owed: Decimal
    paid: Decimal
    outstanding: Decimal
    paid_by_source: dict[str, Decimal]
    not_handed_over: Count


class PersonList(BaseModel):
    items: list[PersonPublic]
    totals: PersonTotals


class PersonRevealed(BaseModel):
    id: uuid.UUID
    name: str
    id_number: str | None
    phone: str | None
    identity_erased: bool


class RosterRejection(BaseModel):
    row: int
    errors: list[str]


class RosterResult(BaseModel):
    created: Count
    unchanged: Count
    """Rows naming someone already on the case (same ID number, or same name and birth
    date): nothing is added twice."""
    flagged_children: Count
    rejected: list[RosterRejection]
    rejected_total: Count
