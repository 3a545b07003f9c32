from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.domain.deadlines import is_overdue, triage_due_at
from app.domain.taxonomy import CRITICAL_CODES, VIOLATION_TYPES, Severity, ViolationTypeSpec

RECEIVED = datetime(2024, 7, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("types", "within"),
    [
        ([], timedelta(days=3)),
        (["wage_arrears"], timedelta(days=3)),
        (["no_business_licence", "no_tax_registration"], timedelta(days=3)),
        (["forced_labour"], timedelta(hours=24)),
        (["child_labour"], timedelta(hours=24)),
        (["wage_arrears", "malicious_wage_arrears"], timedelta(hours=24)),
        # withholding ID cards alone is an administrative violation (劳动合同法 第84条)
        (["wage_arrears", "id_document_detention"], timedelta(days=3)),
        # critical though not criminal: vulnerable persons, a protective umbrella
        (["vulnerable_persons"], timedelta(hours=24)),
        (["official_misconduct"], timedelta(hours=24)),
        (["not_a_type"], timedelta(days=3)),
    ],
)
def test_tips_about_critical_types_are_triaged_within_a_day(
    types: list[str], within: timedelta
) -> None:
    assert triage_due_at(RECEIVED, types) == RECEIVED + within


@pytest.mark.parametrize("spec", VIOLATION_TYPES, ids=lambda v: v.code)
def test_every_critical_type_is_urgent(spec: ViolationTypeSpec) -> None:
    critical = spec.severity is Severity.critical
    assert (spec.code in CRITICAL_CODES) is critical
    expected = timedelta(hours=24) if critical else timedelta(days=3)
    assert triage_due_at(RECEIVED, [spec.code]) - RECEIVED == expected


def test_triage_windows_are_configurable() -> None:
    six_hours, one_day = timedelta(hours=6), timedelta(days=1)
    urgent = triage_due_at(RECEIVED, ["abduction"], critical=six_hours, normal=one_day)
    ordinary = triage_due_at(RECEIVED, ["wage_arrears"], critical=six_hours, normal=one_day)
    assert urgent == RECEIVED + six_hours
    assert ordinary == RECEIVED + one_day
    widened = triage_due_at(RECEIVED, ["vulnerable_persons"], critical_codes={"vulnerable_persons"})
    assert widened == RECEIVED + timedelta(hours=24)


def test_triage_accepts_a_generator_of_types() -> None:
    assert triage_due_at(RECEIVED, (t for t in ["forced_labour"])) == RECEIVED + timedelta(hours=24)


DUE = datetime(2024, 7, 2, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("due_at", "now", "done", "overdue"),
    [
        (DUE, DUE - SECOND, False, False),
        (DUE, DUE, False, False),
        (DUE, DUE + SECOND, False, True),
        (DUE, DUE + timedelta(days=30), True, False),
        (None, DUE, False, False),
        # SQLite hands back naive timestamps: read as UTC.
        (DUE.replace(tzinfo=None), DUE + SECOND, False, True),
        (DUE.replace(tzinfo=None), DUE - SECOND, False, False),
        (DUE, (DUE + SECOND).replace(tzinfo=None), False, True),
        # Same instant written in Beijing time.
        (DUE, (DUE + SECOND).astimezone(timezone(timedelta(hours=8))), False, True),
        (DUE, (DUE - SECOND).astimezone(timezone(timedelta(hours=8))), False, False),
    ],
)
def test_overdue(due_at: datetime | None, now: datetime, done: bool, overdue: bool) -> None:
    assert is_overdue(due_at, now, done) is overdue
