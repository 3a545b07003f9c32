"""The reporter's loop, pure: when a callback is due, when a re-handling must be answered,
what a reply template may say, and how satisfaction is counted.

The practice is the 12345 hotline's (国办发〔2020〕53号《关于进一步优化地方政务服务便民热线
的指导意见》: 受理、转办、办理、回复、督办、办结、回访、评价): after a matter is closed the
reporter is called back (回访) and asked whether they are satisfied (评价); a matter the
reporter is not satisfied with goes back to be handled again (重办) within a set time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from app.domain.lifecycles import Lifecycle
from app.domain.workdays import WorkCalendar, add_working_days

REHANDLING = Lifecycle(
    "rehandling_request",
    "open",
    MappingProxyType(
        {
            ("open", "reopen"): "reopened",  # the case handled again
            ("open", "answer"): "answered",  # the reporter told why it stays as it is
            ("open", "withdraw"): "withdrawn",  # the reporter is satisfied after all
        }
    ),
    needs_reason=frozenset({"reopen", "answer"}),
)
"""A re-handling request (重办): decided once, by the office or by the reporter's change."""

PLACEHOLDERS: tuple[str, ...] = ("receipt_date", "agency", "expected_date")
"""What a reply template may name, each as `{name}`; nothing else is ever substituted."""

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Controls other than line breaks and tabs: invisible, and PostgreSQL refuses NUL.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean_text(text: str) -> str:
    """Text a reporter or operator sent, as stored: NFC, controls and bidi overrides
    dropped (they hide or reorder what the office reads), blank ends trimmed."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def unknown_placeholders(body: str) -> list[str]:
    """The `{names}` in a template that are not placeholders, in order, once each: a typo
    would otherwise reach the reporter as literal braces."""
    seen = [m.group(1) for m in _PLACEHOLDER.finditer(body)]
    return list(dict.fromkeys(n for n in seen if n not in PLACEHOLDERS))


def render_template(body: str, values: Mapping[str, str]) -> str:
    """The template with each whitelisted `{name}` replaced by its value, in one pass.

    Never `str.format`: a body like `{0.__class__}` or a value holding `{agency}` is
    text, not a format spec, and a value is never substituted again. A placeholder
    without a value and any other braces stay as they are.
    """

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in PLACEHOLDERS and name in values:
            return values[name]
        return match.group(0)

    return _PLACEHOLDER.sub(one, body)


def callback_due_on(cal: WorkCalendar, closed_on: date, working_days: int) -> date:
    """The day the office owes a phone reporter the callback (回访): by default the first
    working day after the case closed."""
    return add_working_days(cal, closed_on, working_days)


def rehandling_due_on(cal: WorkCalendar, asked_on: date, working_days: int) -> date:
    """The day a re-handling request (重办) must be decided by: reopened or answered."""
    return add_working_days(cal, asked_on, working_days)


@dataclass(frozen=True, slots=True)
class Rate:
    answered: int
    satisfied: int

    @property
    def unsatisfied(self) -> int:
        return self.answered - self.satisfied

    @property
    def rate(self) -> float | None:
        """Satisfied over answered, to 4 places; None when nobody answered (not 0 %)."""
        return round(self.satisfied / self.answered, 4) if self.answered else None
