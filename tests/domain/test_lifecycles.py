from datetime import date, datetime
from decimal import Decimal

import pytest

from app.domain.lifecycles import (
    ASSIGNMENT,
    CASE,
    DELIVERY,
    EXTENSION,
    INSPECTION,
    LIFECYCLES,
    RECTIFICATION,
    TIP,
    TRANSFER,
    ActionType,
    Lifecycle,
    ReasonRequiredError,
    TransitionError,
    action_errors,
    can_close,
    is_rectification_pending,
    missing_signatures,
    public_tip_status,
    transition,
)

ALLOWED = [
    (TIP, "received", "triage", "triaged"),
    (TIP, "received", "reject", "rejected"),
    (TIP, "received", "mark_duplicate", "duplicate"),
    (INSPECTION, "draft", "submit", "submitted"),
    (INSPECTION, "submitted", "sign", "signed"),
    (INSPECTION, "signed", "amend", "signed"),
    (CASE, "open", "start", "in_progress"),
    (CASE, "in_progress", "close", "closed"),
    (CASE, "open", "dismiss", "dismissed"),
    (CASE, "in_progress", "dismiss", "dismissed"),
    (CASE, "closed", "reopen", "open"),
    (CASE, "dismissed", "reopen", "open"),
    (ASSIGNMENT, "pending", "accept", "accepted"),
    (ASSIGNMENT, "accepted", "conclude", "concluded"),
    (ASSIGNMENT, "pending", "decline", "declined"),
    (ASSIGNMENT, "accepted", "decline", "declined"),
    (ASSIGNMENT, "pending", "withdraw", "withdrawn"),  # its case was dismissed
    (ASSIGNMENT, "accepted", "withdraw", "withdrawn"),
    # a criminal transfer reaches the police (国务院令第310号 第8条)
    (ASSIGNMENT, "pending", "receive_transfer", "pending_filing"),
    (ASSIGNMENT, "concluded", "receive_transfer", "pending_filing"),
    (ASSIGNMENT, "pending_filing", "file_criminal", "accepted"),
    (ASSIGNMENT, "pending_filing", "not_file", "concluded"),
    (ASSIGNMENT, "pending_filing", "withdraw", "withdrawn"),
    (RECTIFICATION, "ordered", "correct", "corrected"),
    (RECTIFICATION, "ordered", "escalate", "escalated"),
    (RECTIFICATION, "escalated", "correct", "corrected"),
    # a criminal transfer: the head decides, it is sent, the police decide (国务院令第310号)
    (TRANSFER, "pending_approval", "approve", "approved"),
    (TRANSFER, "pending_approval", "reject", "rejected"),
    (TRANSFER, "approved", "send", "sent"),
    (TRANSFER, "sent", "file", "filed"),
    (TRANSFER, "sent", "not_file", "not_filed"),
    (EXTENSION, "pending", "approve", "approved"),
    (EXTENSION, "pending", "reject", "rejected"),
    (DELIVERY, "pending", "deliver", "delivered"),
    (DELIVERY, "pending", "give_up", "failed"),
]
ALLOWED_KEYS = {(lc.entity, s, a) for lc, s, a, _ in ALLOWED}


def _forbidden() -> list[tuple[Lifecycle, str, str]]:
    out = []
    for lc in LIFECYCLES.values():
        actions = sorted({a for _, a in lc.transitions} | {"delete", "reopen"})
        for state in sorted(lc.states):
            out += [(lc, state, a) for a in actions if (lc.entity, state, a) not in ALLOWED_KEYS]
    return out


@pytest.mark.parametrize(
    ("lc", "state", "action", "target"), ALLOWED, ids=lambda x: getattr(x, "entity", str(x))
)
def test_allowed_transitions(lc: Lifecycle, state: str, action: str, target: str) -> None:
    assert transition(lc, state, action, reason="checked on site") == target
    assert action in lc.actions(state)


@pytest.mark.parametrize(
    ("lc", "state", "action"), _forbidden(), ids=lambda x: getattr(x, "entity", str(x))
)
def test_everything_else_is_refused(lc: Lifecycle, state: str, action: str) -> None:
    with pytest.raises(TransitionError) as err:
        transition(lc, state, action, reason="because")
    assert (err.value.entity, err.value.from_state, err.value.action) == (lc.entity, state, action)
    assert action not in lc.actions(state)


def test_the_tables_hold_exactly_the_documented_transitions() -> None:
    documented = {(lc.entity, s, a, t) for lc, s, a, t in ALLOWED}
    actual = {
        (lc.entity, s, a, t) for lc in LIFECYCLES.values() for (s, a), t in lc.transitions.items()
    }
    assert actual == documented


@pytest.mark.parametrize(
    ("lc", "initial", "terminal"),
    [
        (TIP, "received", {"triaged", "rejected", "duplicate"}),
        (INSPECTION, "draft", set()),
        (CASE, "open", set()),
        (ASSIGNMENT, "pending", {"declined", "withdrawn"}),
        (RECTIFICATION, "ordered", {"corrected"}),
    ],
)
def test_initial_and_terminal_states(lc: Lifecycle, initial: str, terminal: set[str]) -> None:
    assert lc.initial == initial
    assert {s for s in lc.states if not lc.actions(s)} == terminal


@pytest.mark.parametrize(
    ("lc", "state", "action"),
    [
        (TIP, "received", "reject"),
        (CASE, "closed", "reopen"),
        (CASE, "open", "dismiss"),
        (ASSIGNMENT, "pending", "decline"),
        (ASSIGNMENT, "pending_filing", "not_file"),
        (INSPECTION, "signed", "amend"),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_some_actions_need_a_reason(
    lc: Lifecycle, state: str, action: str, reason: str | None
) -> None:
    with pytest.raises(ReasonRequiredError):
        transition(lc, state, action, reason=reason)


def test_a_wrong_state_is_reported_before_a_missing_reason() -> None:
    with pytest.raises(TransitionError):
        transition(CASE, "open", "reopen")


def test_a_declined_assignment_is_not_rerouted_by_a_transition() -> None:
    with pytest.raises(TransitionError):
        transition(ASSIGNMENT, "declined", "accept")
    assert ASSIGNMENT.actions("declined") == []


@pytest.mark.parametrize(
    ("present", "signed", "missing"),
    [
        (["li", "wang", "zhao"], ["wang"], ["li", "zhao"]),
        (["li"], ["li"], []),
        (["li", "wang"], ["li", "wang", "observer"], []),
        (["li"], [], ["li"]),
    ],
)
def test_missing_signatures(present: list[str], signed: list[str], missing: list[str]) -> None:
    assert missing_signatures(present, signed) == missing


@pytest.mark.parametrize(
    ("assignments", "pending_rectifications", "reasons"),
    [
        (["concluded", "concluded"], 0, []),
        (["concluded", "declined"], 0, []),
        (["concluded", "pending"], 0, ["1 assignment still pending"]),
        # the police still owe their filing decision on a transfer
        (["concluded", "pending_filing"], 0, ["1 assignment still pending_filing"]),
        (
            ["accepted", "accepted", "pending", "concluded"],
            0,
            ["1 assignment still pending", "2 assignments still accepted"],
        ),
        (["concluded"], 1, ["1 rectification not yet corrected"]),
        (["concluded"], 3, ["3 rectifications not yet corrected"]),
        ([], 0, ["no assignment has been concluded"]),
        (["declined"], 0, ["no assignment has been concluded"]),
        (["pending"], 2, ["1 assignment still pending", "2 rectifications not yet corrected"]),
    ],
)
def test_a_case_closes_only_when_the_work_is_done(
    assignments: list[str], pending_rectifications: int, reasons: list[str]
) -> None:
    assert can_close(assignments, pending_rectifications) == reasons


@pytest.mark.parametrize(
    ("status", "pending"), [("ordered", True), ("escalated", True), ("corrected", False)]
)
def test_rectification_pending(status: str, pending: bool) -> None:
    assert is_rectification_pending(status) is pending


@pytest.mark.parametrize(
    ("tip", "case", "original", "public"),
    [
        ("received", None, None, ("received", "已受理")),
        ("triaged", "open", None, ("investigating", "调查中")),
        ("triaged", "in_progress", None, ("investigating", "调查中")),
        ("triaged", "closed", None, ("handled", "已处理")),
        ("triaged", "dismissed", None, ("handled", "已处理")),
        ("rejected", None, None, ("rejected", "不予受理")),
        ("duplicate", None, "received", ("received", "已受理")),
        ("duplicate", "in_progress", "triaged", ("investigating", "调查中")),
        ("duplicate", "closed", "triaged", ("handled", "已处理")),
        ("duplicate", None, "rejected", ("rejected", "不予受理")),
        ("duplicate", "closed", None, ("handled", "已处理")),
        ("duplicate", None, None, ("received", "已受理")),
    ],
)
def test_what_the_tipster_sees(
    tip: str, case: str | None, original: str | None, public: tuple[str, str]
) -> None:
    assert public_tip_status(tip, case, original_status=original) == public


def test_an_unknown_tip_status_is_not_shown_as_received() -> None:
    with pytest.raises(ValueError):
        public_tip_status("internal_note", None)


TODAY = date(2024, 7, 15)


@pytest.mark.parametrize(
    ("kind", "fields", "errors"),
    [
        ("fine", {"amount": Decimal("5000")}, []),
        ("fine", {}, [("amount", "must be greater than 0")]),
        ("fine", {"amount": 0}, [("amount", "must be greater than 0")]),
        ("fine", {"amount": Decimal("-1")}, [("amount", "must be greater than 0")]),
        ("fine", {"amount": Decimal("NaN")}, [("amount", "must be greater than 0")]),
        ("fine", {"amount": float("nan")}, [("amount", "must be greater than 0")]),
        ("wages_recovered", {"amount": Decimal("86000"), "count": 31}, []),
        ("wages_recovered", {"amount": 86000, "workers": 31}, []),
        (
            "wages_recovered",
            {},
            [
                ("amount", "must be greater than 0"),
                ("count", "at least one worker must have been paid"),
            ],
        ),
        (
            "wages_recovered",
            {"amount": 100, "workers": 0, "count": 5},
            [("workers", "at least one worker must have been paid")],
        ),
        ("children_rescued", {"count": 4}, []),
        ("children_rescued", {"count": 0}, [("count", "must be at least 1")]),
        ("persons_repatriated", {}, [("count", "must be at least 1")]),
        ("persons_repatriated", {"count": True}, [("count", "must be at least 1")]),
        ("rectification_order", {"deadline": date(2024, 8, 15)}, []),
        ("rectification_order", {"deadline": TODAY}, []),
        ("rectification_order", {"deadline": datetime(2024, 8, 1, 12)}, []),
        ("rectification_order", {}, [("deadline", "a rectification order needs a deadline")]),
        (
            "rectification_order",
            {"deadline": date(2024, 7, 14)},
            [("deadline", "must not be in the past")],
        ),
        ("referral", {"referral_kind": "commerce"}, []),
        ("referral", {}, [("referral_kind", "must name the agency kind referred to")]),
        (
            "referral",
            {"referral_kind": "bank"},
            [("referral_kind", "must name the agency kind referred to")],
        ),
        ("suspension", {}, []),
        ("licence_revoked", {}, []),
        ("site_closed", {}, []),
        ("criminal_case_filed", {}, []),
        ("arrest", {}, [("type", "unknown action type 'arrest'")]),
    ],
)
def test_action_errors(kind: str, fields: dict[str, object], errors: list[tuple[str, str]]) -> None:
    assert action_errors(kind, today=TODAY, **fields) == errors  # type: ignore[arg-type]


def test_the_action_types_are_the_apis() -> None:
    assert {t.value for t in ActionType} == {
        "rectification_order",
        "fine",
        "suspension",
        "licence_revoked",
        "site_closed",
        "criminal_case_filed",
        "wages_recovered",
        "children_rescued",
        "persons_repatriated",
        "referral",
    }
