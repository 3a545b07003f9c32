"""State machines as data, and the pure functions that walk them.

A transition not in a table raises `TransitionError`; services turn that into
a 409. Reopening a case, rejecting a tip and declining an assignment need a
reason (`ReasonRequiredError`). A declined assignment is never re-routed by a
transition: re-routing creates a new assignment.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from app.domain.taxonomy import AgencyKind


class TransitionError(Exception):
    def __init__(self, entity: str, from_state: str, action: str) -> None:
        self.entity = entity
        self.from_state = from_state
        self.action = action
        super().__init__(f"cannot {action} a {entity} that is {from_state}")


class ReasonRequiredError(ValueError):
    def __init__(self, entity: str, action: str) -> None:
        self.entity = entity
        self.action = action
        super().__init__(f"to {action} a {entity} a reason is required")


class TipStatus(StrEnum):
    received = "received"
    triaged = "triaged"
    rejected = "rejected"
    duplicate = "duplicate"


class InspectionStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    signed = "signed"


class CaseStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    closed = "closed"
    dismissed = "dismissed"


class AssignmentStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    concluded = "concluded"
    declined = "declined"
    withdrawn = "withdrawn"  # the case was dismissed while it was still to do
    # the police hold a criminal transfer (两法衔接) and owe a decision whether to file it
    pending_filing = "pending_filing"


class TransferStatus(StrEnum):
    """A criminal transfer (国务院令第310号): asked for, decided by the head, sent, decided
    by the police."""

    pending_approval = "pending_approval"
    rejected = "rejected"
    approved = "approved"
    sent = "sent"
    filed = "filed"
    not_filed = "not_filed"


class RectificationStatus(StrEnum):
    ordered = "ordered"
    corrected = "corrected"
    escalated = "escalated"


@dataclass(frozen=True, slots=True)
class Lifecycle:
    entity: str
    initial: str
    transitions: Mapping[tuple[str, str], str]
    needs_reason: frozenset[str] = frozenset()

    def next_state(self, state: str, action: str) -> str:
        try:
            return self.transitions[(state, action)]
        except KeyError:
            raise TransitionError(self.entity, state, action) from None

    def actions(self, state: str) -> list[str]:
        """The actions allowed from `state`, in table order (for UIs and 409 messages)."""
        return [a for (s, a) in self.transitions if s == state]

    @property
    def states(self) -> frozenset[str]:
        sources = {s for s, _ in self.transitions}
        return frozenset({self.initial} | sources | set(self.transitions.values()))


def _table(*rows: tuple[str, str, str]) -> Mapping[tuple[str, str], str]:
    return MappingProxyType({(src, action): dst for src, action, dst in rows})


_T, _I, _C, _A, _R = TipStatus, InspectionStatus, CaseStatus, AssignmentStatus, RectificationStatus

TIP = Lifecycle(
    "tip",
    _T.received,
    _table(
        (_T.received, "triage", _T.triaged),
        (_T.received, "reject", _T.rejected),
        (_T.received, "mark_duplicate", _T.duplicate),
    ),
    needs_reason=frozenset({"reject"}),
)

# Signing completes only when every member present has signed (see
# `missing_signatures`); a signed inspection is immutable, and `amend` records
# a correction beside it without changing its state.
INSPECTION = Lifecycle(
    "inspection",
    _I.draft,
    _table(
        (_I.draft, "submit", _I.submitted),
        (_I.submitted, "sign", _I.signed),
        (_I.signed, "amend", _I.signed),
    ),
    needs_reason=frozenset({"amend"}),
)

CASE = Lifecycle(
    "case",
    _C.open,
    _table(
        (_C.open, "start", _C.in_progress),
        (_C.in_progress, "close", _C.closed),
        (_C.open, "dismiss", _C.dismissed),
        (_C.in_progress, "dismiss", _C.dismissed),
        (_C.closed, "reopen", _C.open),
        (_C.dismissed, "reopen", _C.open),
    ),
    needs_reason=frozenset({"dismiss", "reopen"}),
)

ASSIGNMENT = Lifecycle(
    "assignment",
    _A.pending,
    _table(
        (_A.pending, "accept", _A.accepted),
        (_A.accepted, "conclude", _A.concluded),
        (_A.pending, "decline", _A.declined),
        (_A.accepted, "decline", _A.declined),
        (_A.pending, "withdraw", _A.withdrawn),
        (_A.accepted, "withdraw", _A.withdrawn),
        # A criminal transfer reaches the police: a share not being worked (still to
        # accept, or done) now owes a filing decision (第8条). A declined share stays
        # declined: its work is the office's to re-route.
        (_A.pending, "receive_transfer", _A.pending_filing),
        (_A.concluded, "receive_transfer", _A.pending_filing),
        (_A.pending_filing, "file_criminal", _A.accepted),
        (_A.pending_filing, "not_file", _A.concluded),
        (_A.pending_filing, "withdraw", _A.withdrawn),
    ),
    needs_reason=frozenset({"decline", "not_file"}),
)

# Filing-decision states of a transfer: the police have it and owe their answer.
TRANSFER_OPEN: tuple[str, ...] = (
    TransferStatus.pending_approval.value,
    TransferStatus.approved.value,
    TransferStatus.sent.value,
)
TRANSFER_SENT: tuple[str, ...] = (
    TransferStatus.sent.value,
    TransferStatus.filed.value,
    TransferStatus.not_filed.value,
)

# A case still being worked (at most one per employer), and one that has ended.
OPEN_STATES: tuple[str, ...] = (CaseStatus.open.value, CaseStatus.in_progress.value)
ENDED: tuple[str, ...] = (CaseStatus.closed.value, CaseStatus.dismissed.value)

RECTIFICATION = Lifecycle(
    "rectification",
    _R.ordered,
    _table(
        (_R.ordered, "correct", _R.corrected),
        (_R.ordered, "escalate", _R.escalated),
        (_R.escalated, "correct", _R.corrected),
    ),
)

# A criminal transfer (行政执法机关移送涉嫌犯罪案件的规定, 国务院令第310号): the head of the
# agency approves or rejects it (第5条), it is sent, and the police decide whether to file
# (第8条).
TRANSFER = Lifecycle(
    "transfer",
    TransferStatus.pending_approval,
    _table(
        (TransferStatus.pending_approval, "approve", TransferStatus.approved),
        (TransferStatus.pending_approval, "reject", TransferStatus.rejected),
        (TransferStatus.approved, "send", TransferStatus.sent),
        (TransferStatus.sent, "file", TransferStatus.filed),
        (TransferStatus.sent, "not_file", TransferStatus.not_filed),
    ),
    needs_reason=frozenset({"reject", "not_file"}),
)

# An extension of the investigation clock, asked by the handler and decided by the
# agency's head (劳动保障监察条例 第17条: 延长期限须经劳动保障行政部门负责人批准).
EXTENSION = Lifecycle(
    "extension",
    "pending",
    _table(("pending", "approve", "approved"), ("pending", "reject", "rejected")),
    needs_reason=frozenset({"reject"}),
)

# A webhook message: delivered, or given up after its attempts (or its endpoint deleted).
DELIVERY = Lifecycle(
    "delivery",
    "pending",
    _table(("pending", "deliver", "delivered"), ("pending", "give_up", "failed")),
)

LIFECYCLES: Mapping[str, Lifecycle] = MappingProxyType(
    {
        lc.entity: lc
        for lc in (TIP, INSPECTION, CASE, ASSIGNMENT, RECTIFICATION, TRANSFER, EXTENSION, DELIVERY)
    }
)


def transition(lifecycle: Lifecycle, state: str, action: str, *, reason: str | None = None) -> str:
    """The state after `action`.

    TransitionError if the table does not allow it; ReasonRequiredError if the
    action needs a reason and `reason` is missing or blank.
    """
    target = lifecycle.next_state(state, action)
    if action in lifecycle.needs_reason and not (reason and reason.strip()):
        raise ReasonRequiredError(lifecycle.entity, action)
    return target


def missing_signatures(present: Collection[str], signed: Collection[str]) -> list[str]:
    """Members present at the inspection who have not signed yet (谁检查、谁签字), sorted."""
    return sorted(set(present) - set(signed))


def is_rectification_pending(status: str) -> bool:
    return status in (RectificationStatus.ordered, RectificationStatus.escalated)


def can_close(assignment_statuses: Iterable[str], pending_rectifications: int) -> list[str]:
    """Why the case cannot close yet; empty means it can.

    Declined assignments do not block (their work was re-routed as new ones),
    but at least one assignment must have been concluded. The campaign ending
    is never a reason to close (不能因为专项行动到期而仓促结案).
    """
    counts: dict[str, int] = {}
    for status in assignment_statuses:
        counts[status] = counts.get(status, 0) + 1
    reasons: list[str] = []
    for status in (
        AssignmentStatus.pending,
        AssignmentStatus.accepted,
        AssignmentStatus.pending_filing,
    ):
        n = counts.get(status, 0)
        if n:
            reasons.append(f"{n} assignment{'s' if n > 1 else ''} still {status}")
    if not counts.get(AssignmentStatus.concluded) and not reasons:
        reasons.append("no assignment has been concluded")
    if pending_rectifications > 0:
        n = pending_rectifications
        reasons.append(f"{n} rectification{'s' if n > 1 else ''} not yet corrected")
    return reasons


_PUBLIC_LABELS: Mapping[str, str] = MappingProxyType(
    {"received": "已受理", "investigating": "调查中", "handled": "已处理", "rejected": "不予受理"}
)


def public_tip_status(
    tip_status: str, case_status: str | None, *, original_status: str | None = None
) -> tuple[str, str]:
    """What the tipster sees: (status, zh-CN label). Never reveals internal states.

    For a duplicate, pass the original tip's status as `original_status` and
    the original's case status as `case_status`: the duplicate follows it.
    """
    if tip_status == TipStatus.duplicate:
        if original_status is None or original_status == TipStatus.duplicate:
            original_status = TipStatus.received if case_status is None else TipStatus.triaged
        return public_tip_status(original_status, case_status)
    if tip_status == TipStatus.rejected:
        public = "rejected"
    elif tip_status == TipStatus.triaged:
        closed = case_status in (CaseStatus.closed, CaseStatus.dismissed)
        public = "handled" if closed else "investigating"
    elif tip_status == TipStatus.received:
        public = "received"
    else:
        raise ValueError(f"unknown tip status {tip_status!r}")
    return public, _PUBLIC_LABELS[public]


class ActionType(StrEnum):
    """What an agency records on its assignment (处理/处罚)."""

    rectification_order = "rectification_order"
    fine = "fine"
    suspension = "suspension"
    licence_revoked = "licence_revoked"
    site_closed = "site_closed"
    criminal_case_filed = "criminal_case_filed"
    wages_recovered = "wages_recovered"
    children_rescued = "children_rescued"
    persons_repatriated = "persons_repatriated"
    referral = "referral"


def _positive_amount(amount: Decimal | int | float | None) -> bool:
    if amount is None or isinstance(amount, bool):
        return False
    if isinstance(amount, Decimal) and not amount.is_finite():
        return False
    return amount > 0


def _count_at_least_one(count: int | None) -> bool:
    return isinstance(count, int) and not isinstance(count, bool) and count >= 1


def action_errors(
    action_type: str,
    *,
    amount: Decimal | int | float | None = None,
    count: int | None = None,
    deadline: date | None = None,
    workers: int | None = None,
    referral_kind: str | None = None,
    today: date,
) -> list[tuple[str, str]]:
    """(field, message) for each thing wrong with an action; empty means it may be recorded.

    Wages recovered count the workers paid: `workers` if given, else `count`
    (the API's field), and the error names whichever field was used.
    """
    if action_type not in ActionType.__members__:
        return [("type", f"unknown action type {action_type!r}")]
    errors: list[tuple[str, str]] = []
    kind = ActionType(action_type)
    if kind in (ActionType.fine, ActionType.wages_recovered) and not _positive_amount(amount):
        errors.append(("amount", "must be greater than 0"))
    if kind is ActionType.wages_recovered:
        field, n = ("workers", workers) if workers is not None else ("count", count)
        if not _count_at_least_one(n):
            errors.append((field, "at least one worker must have been paid"))
    counted = kind in (ActionType.children_rescued, ActionType.persons_repatriated)
    if counted and not _count_at_least_one(count):
        errors.append(("count", "must be at least 1"))
    if kind is ActionType.rectification_order:
        day = deadline.date() if isinstance(deadline, datetime) else deadline
        if day is None:
            errors.append(("deadline", "a rectification order needs a deadline"))
        elif day < today:
            errors.append(("deadline", "must not be in the past"))
    if kind is ActionType.referral and referral_kind not in AgencyKind.__members__:
        errors.append(("referral_kind", "must name the agency kind referred to"))
    return errors
