"""The inspection checklist (检查内容) and the headcount rules, as pure data and functions.

The items are what the campaign documents tell inspectors to check. Each is
marked compliant, not_compliant or not_checked; an item marked not_compliant
with no finding of a related violation type is flagged, so a violation seen on
site cannot silently drop out of the case.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class ChecklistItem(StrEnum):
    licences = "licences"
    contracts = "contracts"
    wage_payment = "wage_payment"
    minimum_wage = "minimum_wage"
    hours_rest = "hours_rest"
    insurance = "insurance"
    child_labour = "child_labour"
    women_minors = "women_minors"
    safety_health = "safety_health"
    forced_labour = "forced_labour"


class ItemStatus(StrEnum):
    compliant = "compliant"
    not_compliant = "not_compliant"
    not_checked = "not_checked"


@dataclass(frozen=True, slots=True)
class ItemSpec:
    item: ChecklistItem
    name_zh: str
    violation_types: tuple[str, ...]


_I = ChecklistItem

CHECKLIST: tuple[ItemSpec, ...] = (
    ItemSpec(
        _I.licences,
        "证照（营业执照、税务登记、资源、生产、安全许可）",
        (
            "no_business_licence",
            "licence_expired",
            "no_tax_registration",
            "no_production_permit",
            "no_safety_permit",
            "illegal_mining",
            "illegal_land_use",
            "construction_without_permit",
        ),
    ),
    ItemSpec(
        _I.contracts,
        "劳动合同与招用人员登记备案",
        ("no_labour_contract", "no_employment_registration"),
    ),
    ItemSpec(
        _I.wage_payment,
        "工资支付与工资支付记录",
        ("wage_arrears", "no_wage_records", "malicious_wage_arrears"),
    ),
    ItemSpec(_I.minimum_wage, "最低工资规定", ("below_minimum_wage",)),
    ItemSpec(_I.hours_rest, "工作时间与休息休假", ("excessive_hours",)),
    ItemSpec(
        _I.insurance, "社会保险与工伤保险", ("no_social_insurance", "no_work_injury_insurance")
    ),
    ItemSpec(_I.child_labour, "使用童工", ("child_labour",)),
    ItemSpec(
        _I.women_minors,
        "女职工和未成年工特殊保护",
        ("female_worker_protection", "minor_worker_protection", "minor_hazardous_work"),
    ),
    ItemSpec(
        _I.safety_health,
        "安全生产与职业健康",
        (
            "no_safety_permit",
            "occupational_health",
            "uncertified_equipment",
            "minor_hazardous_work",
        ),
    ),
    ItemSpec(
        _I.forced_labour,
        "强迫劳动迹象（扣证、限制人身自由、拐骗、殴打）",
        (
            "forced_labour",
            "restriction_of_liberty",
            "abduction",
            "id_document_detention",
            "violence_abuse",
            "vulnerable_persons",
        ),
    ),
)

ITEM_VIOLATIONS: Mapping[ChecklistItem, frozenset[str]] = MappingProxyType(
    {spec.item: frozenset(spec.violation_types) for spec in CHECKLIST}
)

HEADCOUNT_FIELDS: tuple[str, ...] = (
    "total",
    "local",
    "migrant",
    "female",
    "minors_16_18",
    "children_under_16",
    "contracts_signed",
)
_AT_MOST_TOTAL: tuple[str, ...] = (
    "female",
    "minors_16_18",
    "children_under_16",
    "contracts_signed",
)


def headcount_errors(headcount: Mapping[str, int]) -> list[tuple[str, str]]:
    """(field, message) for every rule the headcount breaks; empty when consistent."""
    errors = [(f, "must not be negative") for f in HEADCOUNT_FIELDS if headcount.get(f, 0) < 0]
    if errors:
        return errors
    total = headcount.get("total", 0)
    local, migrant = headcount.get("local", 0), headcount.get("migrant", 0)
    if local + migrant != total:
        errors.append(
            ("migrant", f"local ({local}) + migrant ({migrant}) must equal total ({total})")
        )
    errors.extend(
        (f, f"must not exceed total ({total})")
        for f in _AT_MOST_TOTAL
        if headcount.get(f, 0) > total
    )
    return errors


def flagged_items(
    checklist: Mapping[str, str], finding_types: Collection[str]
) -> list[ChecklistItem]:
    """The not_compliant items with no finding of a related violation type, in checklist order."""
    found = set(finding_types)
    return [
        spec.item
        for spec in CHECKLIST
        if checklist.get(spec.item.value) == ItemStatus.not_compliant.value
        and not ITEM_VIOLATIONS[spec.item] & found
    ]


def missing_signers(required: Collection[str], signed: Collection[str]) -> list[str]:
    """Who still has to sign (谁检查、谁签字), in the order they were required."""
    have = set(signed)
    return [who for who in required if who not in have]


TWO_INSPECTOR_KINDS = frozenset({"enforcement", "follow_up"})
"""Inspections the labour inspectorate itself carries out: 劳动保障监察条例 第16条 — 劳动保障
监察员进行调查、检查，不得少于2人. A follow-up visit (复查) is such a check too. A
self-check (自查自纠) is the employer's own, reviewed by one official, and may have one signer."""


def too_few_signers(kind: str, signers: Collection[str]) -> bool:
    """Whether an inspection of `kind` would be signed by fewer inspectors than the law asks."""
    return kind in TWO_INSPECTOR_KINDS and len(set(signers)) < 2


def origins_errors(origins: Mapping[str, int] | None, migrant: int) -> list[tuple[str, str]]:
    """Home provinces of migrant workers (四川籍 5人) name at most the migrants there are;
    the rest may be unknown."""
    if not origins:
        return []
    named = sum(origins.values())
    if named > migrant:
        return [("migrant_origins", f"names {named} workers; only {migrant} are migrant")]
    return []
