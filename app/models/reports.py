"""Periodic reports (定期报送): the national form's template, frozen reports and their
versions, and the reminders sent before a report is due."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, model_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.domain.taxonomy import JurisdictionLevel
from app.models.base import json_column, new_id, ts_column, utcnow
from app.models.common import Day
from app.models.schemas import Strict


class ReportFormTemplate(SQLModel, table=True):
    """One version of the national form's rows and columns; the highest is in force.
    Version 1 is the built-in default (app/domain/report_form.py) until an admin edits."""

    __tablename__ = "report_form_template"

    version: int = Field(primary_key=True)
    name: str = Field(max_length=200)
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    columns: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class StatsReport(SQLModel, table=True):
    """A place's figures for one period, frozen: never updated. A correction is a new row
    with the next `version` and a `reason`; the latest version is the one that counts,
    the first one's `frozen_at` says whether it came in on time."""

    __tablename__ = "stats_report"
    __table_args__ = (
        sa.UniqueConstraint(
            "campaign_id",
            "jurisdiction_id",
            "period_end",
            "version",
            name="uq_stats_report_version",
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaign.id", index=True)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id", index=True)
    jurisdiction_path: str = Field(max_length=400)
    period_end: date
    due_on: date
    version: int
    template_version: int
    # {"template": …, "rows": …, "total": …, "included": […], "missing": […]}
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    frozen_by: str = Field(max_length=64)
    frozen_by_name: str = Field(max_length=200)
    frozen_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ReportReminder(SQLModel, table=True):
    """A reminder that a place's report is due soon; once per place and period."""

    __tablename__ = "report_reminder"
    __table_args__ = (
        sa.UniqueConstraint(
            "campaign_id", "jurisdiction_id", "period_end", name="uq_report_reminder_once"
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaign.id")
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id")
    period_end: date
    due_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


# ---- schemas -------------------------------------------------------------------------------

MonthDay = Annotated[int, PField(ge=1, le=31)]
Name = Annotated[str, PField(min_length=1, max_length=64)]


class ReportingRhythmIn(Strict):
    """`ten_days`: on `days` of every month (default 8, 18, 28); `monthly`: on `day`;
    `dates`: on the listed dates. `final_by`: the final report (the whole campaign) is
    due by then. `lag_days`: a period is due this many days after it ends (default 0)."""

    kind: Literal["ten_days", "monthly", "dates"]
    days: list[MonthDay] | None = PField(default=None, min_length=1, max_length=31)
    day: int | None = PField(default=None, ge=1, le=31)
    dates: list[Day] | None = PField(default=None, min_length=1, max_length=200)
    final_by: Day | None = None
    lag_days: int = PField(default=0, ge=0, le=30)

    @model_validator(mode="after")
    def _fits_kind(self) -> ReportingRhythmIn:
        if self.kind == "monthly" and self.day is None:
            raise ValueError("a monthly rhythm needs `day`")
        if self.kind == "dates" and not self.dates:
            raise ValueError("a `dates` rhythm needs `dates`")
        return self


class ReportPeriodPublic(BaseModel):
    period_end: date
    due_on: date
    final: bool


class ReportingPublic(BaseModel):
    campaign_id: uuid.UUID
    rhythm: dict[str, Any] | None
    periods: list[ReportPeriodPublic]


class StatsReportIn(Strict):
    campaign_id: uuid.UUID
    jurisdiction_id: uuid.UUID
    period_end: Day
    reason: str | None = PField(
        default=None,
        min_length=1,
        max_length=2000,
        description="Required to correct a report already frozen: the correction is a new version.",
    )


class ReportPlace(BaseModel):
    id: uuid.UUID
    name: str
    level: JurisdictionLevel


class FormColumnPublic(BaseModel):
    key: str
    group: str
    sub: str
    unit: str
    source: str
    query: str | None
    args: dict[str, Any] = PField(default_factory=dict)
    collected: bool = PField(description="False: no records feed it yet; its cells are null.")


class FormRowPublic(BaseModel):
    key: str
    label: str
    industries: list[str]


class FilledFormPublic(BaseModel):
    """Cells are ints, money (万元) strings with four decimals, or null when not collected."""

    template_version: int
    rows: list[FormRowPublic]
    columns: list[FormColumnPublic]
    cells: dict[str, dict[str, int | str | None]]
    total: dict[str, int | str | None]


class ReportVersionPublic(BaseModel):
    id: uuid.UUID
    version: int
    frozen_at: datetime
    frozen_by: str
    frozen_by_name: str
    reason: str | None


class StatsReportPublic(BaseModel):
    """`frozen`: false for a preview of figures not yet frozen. For a place with places
    below it, `included` are the places whose submitted reports are summed and `missing`
    those that have not submitted."""

    id: uuid.UUID | None
    campaign_id: uuid.UUID
    jurisdiction: ReportPlace
    period_end: date
    due_on: date
    final: bool
    frozen: bool
    version: int | None
    reason: str | None
    frozen_at: datetime | None
    frozen_by_name: str | None
    versions: list[ReportVersionPublic]
    included: list[ReportPlace]
    missing: list[ReportPlace]
    form: FilledFormPublic


class SubmissionPublic(BaseModel):
    jurisdiction: ReportPlace
    status: Literal["submitted", "late", "missing"]
    overdue: bool = PField(description="Missing and past its due date.")
    due_on: date
    submitted_at: datetime | None
    version: int | None
    report_id: uuid.UUID | None
    reminded_at: datetime | None


class SubmissionsPublic(BaseModel):
    campaign_id: uuid.UUID
    jurisdiction: ReportPlace
    period_end: date
    due_on: date
    final: bool
    places: list[SubmissionPublic]


class FormTemplateIn(Strict):
    name: str = PField(min_length=1, max_length=200)
    rows: list[FormRowIn] = PField(min_length=1, max_length=20)
    columns: list[FormColumnIn] = PField(min_length=1, max_length=80)


class FormRowIn(Strict):
    key: str = PField(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    label: str = PField(min_length=1, max_length=40)
    industries: list[str] = PField(default_factory=list, max_length=20)


class FormColumnIn(Strict):
    key: str = PField(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    group: str = PField(min_length=1, max_length=60)
    sub: str = PField(default="", max_length=40)
    unit: str = PField(min_length=1, max_length=10)
    source: str = PField(min_length=1, max_length=20)
    query: str | None = PField(default=None, max_length=60)
    args: dict[Name, Name | Annotated[list[Name], PField(max_length=40)]] = PField(
        default_factory=dict, max_length=5
    )


class FormTemplatePublic(BaseModel):
    version: int
    name: str
    rows: list[FormRowPublic]
    columns: list[FormColumnPublic]
    queries: list[str] = PField(description="The named queries the system runs.")


FormTemplateIn.model_rebuild()
