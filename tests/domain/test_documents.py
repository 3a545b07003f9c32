"""The rules on documents (文书), without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.documents import (
    DocumentKind,
    body_of,
    document_number,
    document_prefix,
    hearing_right,
    is_organisation,
)

THRESHOLDS = {"person_threshold": Decimal(1000), "organisation_threshold": Decimal(20000)}


@pytest.mark.parametrize(
    ("uscc", "organisation"),
    [
        ("91130983MA0D1KQ8XX", True),  # an enterprise
        ("12130983000000000X", True),  # a public institution
        ("92130983MA0D1KQ8XX", False),  # 个体工商户, run by a person
        (None, False),  # an unregistered kiln
        ("", False),
    ],
)
def test_who_is_an_organisation(uscc: str | None, organisation: bool) -> None:
    assert is_organisation(uscc) is organisation


@pytest.mark.parametrize(
    ("fine", "organisation", "hearing"),
    [
        (Decimal(30000), True, True),
        (Decimal(20000), True, True),
        (Decimal("19999.99"), True, False),
        (Decimal(1000), False, True),
        (Decimal("999.99"), False, False),
        (None, True, False),
    ],
)
def test_a_hearing_from_the_threshold(
    fine: Decimal | None, organisation: bool, hearing: bool
) -> None:
    assert hearing_right(fine, organisation=organisation, **THRESHOLDS) is hearing


@pytest.mark.parametrize(
    ("prefix", "name", "kind", "number"),
    [
        (
            "黄人社监立",
            "黄骅市人力资源和社会保障局",
            DocumentKind.rectification_instruction,
            "黄人社监令〔2026〕12号",
        ),
        ("黄人社监", "x", DocumentKind.penalty_decision, "黄人社监罚〔2026〕12号"),
        (
            None,
            "黄骅市人力资源和社会保障局",
            DocumentKind.penalty_notice,
            "黄骅市人力资源和社会保障局告〔2026〕12号",
        ),
    ],
)
def test_numbers_read_in_the_official_style(
    prefix: str | None, name: str, kind: DocumentKind, number: str
) -> None:
    assert document_number(document_prefix(prefix, name), kind, 2026, 12) == number


def test_a_notice_states_the_hearing_right_only_when_granted() -> None:
    def text(hearing: bool) -> str:
        return "".join(
            body_of(
                DocumentKind.penalty_notice,
                facts="拖欠工资",
                legal_basis=["甲"],
                deadline=None,
                fine=Decimal(30000),
                hearing=hearing,
            )
        )

    assert "听证" in text(True) and "听证" not in text(False)
    assert "陈述和申辩" in text(False) and "人民币30,000.00元" in text(False)
    decision = "".join(
        body_of(
            DocumentKind.penalty_decision,
            facts="x",
            legal_basis=["甲"],
            deadline=None,
            fine=Decimal(1),
            hearing=False,
        )
    )
    assert "六十日内" in decision and "六个月内" in decision
