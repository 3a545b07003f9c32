"""The reporter's loop, pure: template substitution by whitelist, text cleaning, the
callback and re-handling days, and satisfaction rates."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.lifecycles import ReasonRequiredError, TransitionError, transition
from app.domain.reporter_loop import (
    REHANDLING,
    Rate,
    callback_due_on,
    clean_text,
    rehandling_due_on,
    render_template,
    unknown_placeholders,
)
from app.domain.workdays import WorkCalendar, YearCalendar

VALUES = {
    "receipt_date": "2026年12月4日",
    "agency": "黄骅市公安局",
    "expected_date": "2026年12月11日",
}


@pytest.mark.parametrize(
    ("body", "rendered"),
    [
        ("{agency}于{expected_date}前答复", "黄骅市公安局于2026年12月11日前答复"),
        (
            "{0} {agency.__class__} {agency!r} {{agency}}",
            "{0} {agency.__class__} {agency!r} {黄骅市公安局}",
        ),
        ("{unknown} {agency}", "{unknown} 黄骅市公安局"),
        ("no braces", "no braces"),
    ],
)
def test_only_whitelisted_names_are_substituted(body: str, rendered: str) -> None:
    assert render_template(body, VALUES) == rendered


def test_a_value_is_never_substituted_again() -> None:
    assert render_template("{agency}", {"agency": "{receipt_date}", "receipt_date": "x"}) == (
        "{receipt_date}"
    )


def test_unknown_placeholders_are_named_once_in_order() -> None:
    assert unknown_placeholders("{agancy} {agency} {date} {agancy}") == ["agancy", "date"]


def test_clean_text_drops_controls_and_bidi_overrides_but_keeps_lines() -> None:
    assert clean_text(" 工资\u202e没付\x00\n第二行\t! ") == "工资没付\n第二行\t!"


def test_callback_and_rehandling_days_count_working_days() -> None:
    national_day = YearCalendar(2026, holidays=frozenset(date(2026, 10, d) for d in range(1, 8)))
    cal = WorkCalendar({2026: national_day})
    assert callback_due_on(cal, date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert callback_due_on(cal, date(2026, 12, 4), 1) == date(2026, 12, 7)  # Friday → Monday
    assert rehandling_due_on(cal, date(2026, 12, 4), 5) == date(2026, 12, 11)


@pytest.mark.parametrize(
    ("answered", "satisfied", "rate"), [(0, 0, None), (4, 3, 0.75), (3, 1, 0.3333)]
)
def test_rates(answered: int, satisfied: int, rate: float | None) -> None:
    assert Rate(answered, satisfied).rate == rate
    assert Rate(answered, satisfied).unsatisfied == answered - satisfied


def test_a_rehandling_request_is_decided_once() -> None:
    assert transition(REHANDLING, "open", "reopen", reason="举报人不满意") == "reopened"
    assert transition(REHANDLING, "open", "withdraw") == "withdrawn"
    with pytest.raises(TransitionError):
        transition(REHANDLING, "answered", "reopen", reason="再次")
    with pytest.raises(ReasonRequiredError):
        transition(REHANDLING, "open", "answer", reason=" ")
