"""The checklist, its flags and the headcount rules, as plain data."""

from __future__ import annotations

import pytest

from app.domain.checklist import (
    CHECKLIST,
    ITEM_VIOLATIONS,
    ChecklistItem,
    flagged_items,
    headcount_errors,
    missing_signers,
)
from app.domain.taxonomy import VIOLATION_TYPES

KILN = {
    "total": 19,
    "local": 14,
    "migrant": 5,
    "female": 0,
    "minors_16_18": 0,
    "children_under_16": 0,
    "contracts_signed": 10,
}


def test_every_item_maps_to_known_violation_types() -> None:
    codes = {v.code for v in VIOLATION_TYPES}
    assert [s.item for s in CHECKLIST] == list(ChecklistItem)
    for spec in CHECKLIST:
        assert spec.violation_types and set(spec.violation_types) <= codes, spec.item


def test_the_documents_kiln_findings_fall_under_their_items() -> None:
    assert "no_employment_registration" in ITEM_VIOLATIONS[ChecklistItem.contracts]
    assert "no_labour_contract" in ITEM_VIOLATIONS[ChecklistItem.contracts]
    assert "no_work_injury_insurance" in ITEM_VIOLATIONS[ChecklistItem.insurance]
    assert "child_labour" in ITEM_VIOLATIONS[ChecklistItem.child_labour]
    assert "forced_labour" in ITEM_VIOLATIONS[ChecklistItem.forced_labour]


def test_the_documents_kiln_headcount_is_consistent() -> None:
    assert headcount_errors(KILN) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"migrant": 6}, "migrant"),
        ({"local": 13}, "migrant"),
        ({"female": 20}, "female"),
        ({"minors_16_18": 20}, "minors_16_18"),
        ({"children_under_16": 20}, "children_under_16"),
        ({"contracts_signed": 20}, "contracts_signed"),
        ({"female": -1}, "female"),
        ({"total": -19, "local": -14, "migrant": -5}, "total"),
    ],
)
def test_an_inconsistent_headcount_names_the_field(change: dict[str, int], field: str) -> None:
    errors = headcount_errors({**KILN, **change})
    assert field in [f for f, _ in errors]


def test_at_most_total_is_inclusive() -> None:
    assert headcount_errors({**KILN, "female": 19, "contracts_signed": 19}) == []


@pytest.mark.parametrize(
    ("checklist", "findings", "flags"),
    [
        ({}, [], []),
        ({"contracts": "compliant", "insurance": "not_checked"}, [], []),
        ({"contracts": "not_compliant"}, [], [ChecklistItem.contracts]),
        ({"contracts": "not_compliant"}, ["no_employment_registration"], []),
        ({"contracts": "not_compliant"}, ["wage_arrears"], [ChecklistItem.contracts]),
        (
            {"insurance": "not_compliant", "licences": "not_compliant"},
            ["no_work_injury_insurance"],
            [ChecklistItem.licences],
        ),
        (
            {"safety_health": "not_compliant", "women_minors": "not_compliant"},
            ["minor_hazardous_work"],
            [],
        ),
    ],
)
def test_not_compliant_without_a_related_finding_is_flagged(
    checklist: dict[str, str], findings: list[str], flags: list[ChecklistItem]
) -> None:
    assert flagged_items(checklist, findings) == flags


def test_missing_signers_keeps_the_required_order() -> None:
    assert missing_signers(["a", "b", "c"], ["b"]) == ["a", "c"]
    assert missing_signers(["a"], ["a", "x"]) == []
