"""Cases (案件), assignments (交办), actions, rectifications (整改), follow-ups, escalations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, new_id, ts_column, utcnow

Money = sa.Numeric(14, 2)
_OPEN = "status IN ('open', 'in_progress')"


class Case(SQLModel, table=True):
    """One employer's problems. At most one open (open|in_progress) case per employer,
    enforced by a partial unique index. `jurisdiction_path` is the employer's, for scoping.
    `unrestricted_severity` is the severity without the protective-umbrella part, which is
    what agencies that may not see that part are shown (`services/core/case_visibility.py`)."""

    __tablename__ = "case"
    __table_args__ = (
        sa.Index(
            "uq_case_open_employer",
            "employer_id",
            unique=True,
            sqlite_where=sa.text(_OPEN),
            postgresql_where=sa.text(_OPEN),
        ),
        sa.Index(
            "ix_case_path",
            "jurisdiction_path",
            postgresql_ops={"jurisdiction_path": "text_pattern_ops"},
        ),
        sa.Index("ix_case_opened", "opened_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    employer_id: uuid.UUID = Field(foreign_key="employer.id")
    status: str = Field(default="open", max_length=16)
    severity: str = Field(default="normal", max_length=16)
    unrestricted_severity: str = Field(default="normal", max_length=16)
    violation_types: list[str] = Field(default_factory=list, sa_column=json_column())
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    umbrella: bool = False
    opened_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    summary: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    jurisdiction_path: str = Field(max_length=400)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class CaseSourceRecord(SQLModel, table=True):
    """What put something on the case: an inspection finding, a tip, or the office by hand.
    `restricted` sources came with a protective-umbrella allegation."""

    __tablename__ = "case_source"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case.id", index=True)
    kind: str = Field(max_length=16)
    source_id: uuid.UUID | None = Field(default=None, index=True)
    violation_types: list[str] = Field(default_factory=list, sa_column=json_column())
    summary: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    workers_affected: int | None = None
    amount_owed: Decimal | None = Field(default=None, sa_column=sa.Column(Money, nullable=True))
    restricted: bool = False
    added_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Assignment(SQLModel, table=True):
    """A case × agency share. `version` is for compare-and-set; `change_seq` is the
    agency's queue version at its last change."""

    __table_args__ = (
        sa.UniqueConstraint("case_id", "agency_id", name="uq_assignment_case_agency"),
        sa.Index("uq_assignment_case_number", "agency_id", "case_number", unique=True),
        sa.Index("ix_assignment_agency_created", "agency_id", "created_at", "id"),
        sa.Index("ix_assignment_status_due", "status", "due_at"),
        sa.Index("ix_assignment_agency_owner", "agency_id", "owner_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case.id", index=True)
    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    role: str = Field(max_length=8)
    status: str = Field(default="pending", max_length=16)
    due_at: datetime = Field(sa_column=ts_column())
    reason: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    rule_version: int = 0
    violation_types: list[str] = Field(default_factory=list, sa_column=json_column())
    restricted: bool = False
    accepted_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    accepted_by: str | None = Field(default=None, max_length=64)
    concluded_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    conclusion: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    declined_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    declined_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    rerouted_to: uuid.UUID | None = None
    case_number: str | None = Field(default=None, max_length=64)
    """立案 number: issued from the agency's sequence, or the agency system's own."""
    case_number_external: bool = False
    filed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    filed_by: str | None = Field(default=None, max_length=64)
    investigate_by: date | None = None
    owner_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid(), sa.ForeignKey("app_user.id", name="fk_assignment_owner"), nullable=True
        ),
    )
    """The officer of the agency who owns it (PATCH /assignments/{id})."""
    version: int = 1
    change_seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Action(SQLModel, table=True):
    """What an agency did on its assignment (处理/处罚)."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", index=True)
    case_id: uuid.UUID = Field(foreign_key="case.id", index=True)
    type: str = Field(max_length=32)
    note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    amount: Decimal | None = Field(default=None, sa_column=sa.Column(Money, nullable=True))
    count: int | None = None
    deadline: date | None = None
    referral_kind: str | None = Field(default=None, max_length=32)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Rectification(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_rectification_status_deadline", "status", "deadline"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case.id", index=True)
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", index=True)
    action_id: uuid.UUID | None = Field(default=None, foreign_key="action.id")
    ordered_on: date
    deadline: date
    status: str = Field(default="ordered", max_length=16)
    corrected_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class FollowUp(SQLModel, table=True):
    """A follow-up visit (回访) on a rectification."""

    __tablename__ = "follow_up"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    rectification_id: uuid.UUID = Field(foreign_key="rectification.id", index=True)
    visited_on: date
    corrected: bool
    note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Escalation(SQLModel, table=True):
    """A missed deadline or a decline, for the coordinator to act on; once per deadline."""

    __table_args__ = (
        sa.UniqueConstraint("kind", "subject_id", "deadline_at", name="uq_escalation_once"),
        sa.Index(
            "ix_escalation_path",
            "jurisdiction_path",
            postgresql_ops={"jurisdiction_path": "text_pattern_ops"},
        ),
        sa.Index("ix_escalation_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=32)
    subject_id: uuid.UUID
    case_id: uuid.UUID | None = Field(default=None, index=True)
    agency_id: uuid.UUID | None = None
    jurisdiction_path: str = Field(max_length=400)
    detail: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    deadline_at: datetime = Field(sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    handled_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    handled_by: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


class Reminder(SQLModel, table=True):
    """A reminder sent before one of an assignment's clocks runs out (`clock`: accept,
    handling, rectify), once per deadline: a deadline moved by an extension is a new one."""

    __table_args__ = (
        sa.UniqueConstraint("clock", "assignment_id", "deadline_at", name="uq_reminder_once"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    clock: str = Field(max_length=16)
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id")
    agency_id: uuid.UUID
    deadline_at: datetime = Field(sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class AgencyQueueState(SQLModel, table=True):
    """Bumped on every change to one agency's assignments: the queue's ETag."""

    __tablename__ = "agency_queue_state"

    agency_id: uuid.UUID = Field(foreign_key="agency.id", primary_key=True)
    version: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class NumberSequence(SQLModel, table=True):
    """The last number an agency issued in a year for one kind of paper (a case filing,
    an instruction, a decision …). Taken with an UPDATE … RETURNING in the issuing
    transaction, so numbers are gap-free and never issued twice."""

    __tablename__ = "number_sequence"

    agency_id: uuid.UUID = Field(foreign_key="agency.id", primary_key=True)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=32, primary_key=True)
    last: int = 0


class Extension(SQLModel, table=True):
    """A request to extend an assignment's handling clock, decided by the agency's head."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", index=True)
    days: int
    reason: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    decision_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    investigate_by_before: date | None = None
    investigate_by_after: date | None = None


class Transfer(SQLModel, table=True):
    """A criminal transfer (两法衔接, 国务院令第310号) from an administrative agency's
    assignment to the police: asked for by an officer, decided by the agency's head, sent,
    and answered by the police with a filing decision. Each step has its deadline here."""

    __table_args__ = (sa.Index("ix_transfer_status_due", "status", "due_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case.id", index=True)
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", index=True)
    agency_id: uuid.UUID = Field(foreign_key="agency.id", index=True)
    police_assignment_id: uuid.UUID | None = Field(default=None, foreign_key="assignment.id")
    police_agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id", index=True)
    restricted: bool = False
    status: str = Field(default="pending_approval", max_length=16)
    facts: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    document_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    # the deadline of the step it waits for: approval, sending, or the police decision
    due_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    approve_by: datetime = Field(sa_column=ts_column())
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    rejection_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    send_by: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    sent_by: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    decide_by: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    filed: bool | None = None
    filing_decided_by: str | None = Field(default=None, max_length=64)
    filing_decided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    filing_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
