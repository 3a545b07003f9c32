"""Documents (文书) issued on an assignment: numbered, rendered once, stored immutably."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from app.domain.documents import DocumentKind, ServiceMethod
from app.domain.enforcement import MAX_EXTERNAL_NUMBER
from app.models.base import json_column, new_id, ts_column, utcnow
from app.models.cases import Money


class Document(SQLModel, table=True):
    """Its PDF and Word renderings are written once, at issue, with the PDF's SHA-256
    (also on the audit chain); nothing but the service fields changes afterwards."""

    __table_args__ = (
        sa.UniqueConstraint("agency_id", "kind", "number", name="uq_document_number"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", index=True)
    case_id: uuid.UUID = Field(foreign_key="case.id", index=True)
    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    action_id: uuid.UUID | None = Field(default=None, foreign_key="action.id")
    kind: str = Field(max_length=32)
    number: str = Field(max_length=MAX_EXTERNAL_NUMBER)
    number_external: bool = False
    issued_on: date
    issued_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    issued_by: str = Field(max_length=64)
    party: str = Field(max_length=200)
    facts: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    legal_basis: list[str] = Field(default_factory=list, sa_column=json_column())
    deadline: date | None = None
    fine_amount: Decimal | None = Field(default=None, sa_column=sa.Column(Money, nullable=True))
    hearing_right: bool = False
    pdf: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    docx: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    docx_sha256: str = Field(max_length=64)
    served_on: date | None = None
    service_method: str | None = Field(default=None, max_length=16)
    service_recipient: str | None = Field(default=None, max_length=200)
    served_by: str | None = Field(default=None, max_length=64)


Article = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class DocumentCreate(BaseModel):
    kind: DocumentKind
    facts: str = PydanticField(min_length=1, max_length=20000)
    legal_basis: list[Article] = PydanticField(min_length=1, max_length=20)
    """The articles applied, e.g. 《劳动保障监察条例》第二十六条."""
    deadline: date | None = None
    """The day to correct by: required for a rectification_instruction."""
    fine_amount: Decimal | None = PydanticField(default=None, gt=0, max_digits=14, decimal_places=2)
    """Yuan: required for a penalty_notice (proposed) and a penalty_decision."""
    external_number: str | None = PydanticField(
        default=None, min_length=1, max_length=MAX_EXTERNAL_NUMBER
    )
    """The number your agency's own system gave it; labourwatch then issues none. Unique
    per agency and kind (409 when already used)."""


class ServiceCreate(BaseModel):
    served_on: date
    method: ServiceMethod
    recipient: str = PydanticField(min_length=1, max_length=200)
    """Who received it (the party's representative, or for publication where published)."""


class ServicePublic(BaseModel):
    served_on: date
    method: ServiceMethod
    recipient: str


class DocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assignment_id: uuid.UUID
    number: str
    kind: DocumentKind
    issued_on: date
    sha256: str
    """SHA-256 of the PDF, as entered on the audit chain (`document.issue`)."""
    hearing_right: bool
    fine_amount: Decimal | None = None
    deadline: date | None = None
    service: ServicePublic | None = None
