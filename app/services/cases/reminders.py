"""Reminders before a clock runs out (`assignment.due_soon`), and the escalation of the
handling clock after it has.

Each reminder is recorded once per (clock, assignment, deadline) in `reminder`, by an
INSERT … ON CONFLICT DO NOTHING, so several workers sweeping at once send it once; a
deadline moved by an extension is a new deadline and is reminded again. The one that
recorded it tells the change feed and the agency's webhooks at commit.

Lead times: the deadline to accept is counted in hours, so it is reminded
`reminder_accept_hours` before; the handling and rectification deadlines are China
days, reminded from `reminder_working_days` working days before the day.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.domain.chinatime import china_date, day_ends_at
from app.domain.clocks import Clock
from app.domain.deadlines import as_aware
from app.domain.lifecycles import OPEN_STATES
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.workdays import add_working_days
from app.models.base import utcnow
from app.models.cases import Assignment, Case, Escalation, Rectification, Reminder
from app.services.cases.escalations import SWEEP_ROWS, record_escalation
from app.services.core import dialect
from app.services.integration import feed
from app.services.registry import workdays


async def _record(
    session: AsyncSession,
    clock: Clock,
    assignment_id: uuid.UUID,
    agency_id: uuid.UUID,
    deadline_at: datetime,
    now: datetime,
) -> bool:
    result = await session.exec(
        dialect.insert(session, Reminder)
        .values(
            id=uuid.uuid4(),
            clock=clock.value,
            assignment_id=assignment_id,
            agency_id=agency_id,
            deadline_at=deadline_at,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["clock", "assignment_id", "deadline_at"])
    )
    if not result.rowcount:
        return False
    feed.note_reminder(session, assignment_id, clock.value, deadline_at)
    return True


def _last(model: Any, kind_column: Any, kind: str, subject_column: Any) -> Any:
    """The latest deadline already on record for this row's (kind, subject)."""
    return (
        sa.select(sa.func.max(col(model.deadline_at)))
        .where(kind_column == kind, subject_column == col(Assignment.id))
        .scalar_subquery()
    )


def _new(found: list[Any], deadline_of: Any, limit: int = SWEEP_ROWS) -> list[Any]:
    """Rows whose deadline is later than the one on record (the last column), oldest first.
    In Python: a deadline counted in China days is not the same instant in SQL on both
    databases, and the rows near a deadline are few."""
    out = [r for r in found if r[-1] is None or as_aware(r[-1]) < deadline_of(r)]
    return out[:limit]


async def remind_due_soon(
    session: AsyncSession, settings: Settings, *, now: datetime | None = None
) -> int:
    """Remind each agency of its assignments whose clock runs out soon; returns how many
    reminders this sweep recorded."""
    now = now or utcnow()
    today = china_date(now)
    cal = await workdays.work_calendar(session, today.year)
    horizon = add_working_days(cal, today, settings.reminder_working_days)
    done = 0
    accept = (
        await session.exec(
            select(Assignment.id, Assignment.agency_id, Assignment.due_at)
            .join(Case, col(Case.id) == col(Assignment.case_id))
            .where(
                Assignment.status == "pending",
                col(Case.status).in_(OPEN_STATES),
                col(Assignment.due_at) >= now,
                col(Assignment.due_at) <= now + timedelta(hours=settings.reminder_accept_hours),
                sa.not_(
                    sa.exists().where(
                        col(Reminder.clock) == Clock.accept.value,
                        col(Reminder.assignment_id) == col(Assignment.id),
                        col(Reminder.deadline_at) == col(Assignment.due_at),
                    )
                ),
            )
            .order_by(col(Assignment.due_at))
            .limit(SWEEP_ROWS)
        )
    ).all()
    for aid, agency_id, due_at in accept:
        done += await _record(session, Clock.accept, aid, agency_id, due_at, now)
    handling = (
        await session.exec(
            select(
                Assignment.id,
                Assignment.agency_id,
                col(Assignment.investigate_by),
                _last(
                    Reminder, col(Reminder.clock), Clock.handling.value, col(Reminder.assignment_id)
                ),
            )
            .join(Case, col(Case.id) == col(Assignment.case_id))
            .where(
                Assignment.status == "accepted",
                col(Case.status).in_(OPEN_STATES),
                col(Assignment.investigate_by) >= today,
                col(Assignment.investigate_by) <= horizon,
            )
            .order_by(col(Assignment.investigate_by), col(Assignment.id))
        )
    ).all()
    for aid, agency_id, day, _ in _new(list(handling), lambda r: day_ends_at(r[2])):
        done += await _record(session, Clock.handling, aid, agency_id, day_ends_at(day), now)
    rectify = (
        await session.exec(
            select(
                Assignment.id,
                Assignment.agency_id,
                sa.func.min(col(Rectification.deadline)),
                _last(
                    Reminder, col(Reminder.clock), Clock.rectify.value, col(Reminder.assignment_id)
                ),
            )
            .join(Rectification, col(Rectification.assignment_id) == col(Assignment.id))
            .join(Case, col(Case.id) == col(Assignment.case_id))
            .where(
                Rectification.status == "ordered",
                col(Case.status).in_(OPEN_STATES),
                col(Rectification.deadline) >= today,
                col(Rectification.deadline) <= horizon,
            )
            .group_by(col(Assignment.id), col(Assignment.agency_id))
            .order_by(sa.func.min(col(Rectification.deadline)), col(Assignment.id))
        )
    ).all()
    for aid, agency_id, day, _ in _new(list(rectify), lambda r: day_ends_at(_day(r[2]))):
        done += await _record(session, Clock.rectify, aid, agency_id, day_ends_at(_day(day)), now)
    return done


def _day(value: date | str) -> date:
    """min() of a date column: SQLite hands back its text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


async def escalate_overdue_handling(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Filed assignments still accepted after their `investigate_by` day (60 working days,
    劳动保障监察条例 第17条, or as extended) → one `handling_overdue` escalation per
    deadline, for the office and, counted, for supervision."""
    now = now or utcnow()
    rows = (
        await session.exec(
            select(
                Assignment,
                Case.jurisdiction_path,
                _last(
                    Escalation, col(Escalation.kind), "handling_overdue", col(Escalation.subject_id)
                ),
            )
            .join(Case, col(Case.id) == col(Assignment.case_id))
            .where(
                Assignment.status == "accepted",
                col(Case.status).in_(OPEN_STATES),
                col(Assignment.investigate_by) < china_date(now),
            )
            .order_by(col(Assignment.investigate_by), col(Assignment.id))
        )
    ).all()
    done = 0
    for a, path, _ in _new(list(rows), lambda r: day_ends_at(r[0].investigate_by)):
        day = a.investigate_by
        done += await record_escalation(
            session,
            SYSTEM_ACTOR,
            kind="handling_overdue",
            subject_id=a.id,
            case_id=a.case_id,
            agency_id=a.agency_id,
            jurisdiction_path=path,
            deadline_at=day_ends_at(day),
            detail=f"not investigated by {day.isoformat()} (China)",
        )
    return done
