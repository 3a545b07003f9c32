"""The three clocks of `app/domain/clocks.py` as SQL conditions on an assignment, so the
queue, the case list and the accountability view count "overdue" the same way."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from app.domain.clocks import PENDING_RECTIFICATION, Clock
from app.models.cases import Assignment, Rectification


def overdue_condition(clock: Clock, now: Any, today: Any) -> sa.ColumnElement[bool]:
    """An assignment whose `clock` has run out at the instant `now`, on China's date
    `today` (values or bind parameters)."""
    if clock is Clock.accept:
        return sa.and_(col(Assignment.status) == "pending", col(Assignment.due_at) < now)
    if clock is Clock.handling:
        return sa.and_(col(Assignment.status) == "accepted", col(Assignment.investigate_by) < today)
    return sa.exists().where(
        col(Rectification.assignment_id) == col(Assignment.id),
        col(Rectification.status).in_(PENDING_RECTIFICATION),
        col(Rectification.deadline) < today,
    )


def any_overdue(now: Any, today: Any) -> sa.ColumnElement[bool]:
    return sa.or_(*(overdue_condition(c, now, today) for c in Clock))
