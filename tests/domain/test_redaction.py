"""Redaction for publication: a number or a name is masked however it is written."""

from __future__ import annotations

import pytest

from app.domain.redaction import leaks, redact, skeleton

PHONE = "13987654321"
TIPSTER = "张三"

PHONE_WRITTEN = [
    "13987654321",
    "139 8765 4321",
    "139-8765-4321",
    "+86 139 8765 4321",
    "+86-139-8765-4321",
    "0086 13987654321",
    "(+86)139.8765.4321",
    "１３９８７６５４３２１",
    "１３９　８７６５　４３２１",
    "139\u200b8765\u200b4321",
    "139–8765–4321",
]


@pytest.mark.parametrize("written", PHONE_WRITTEN)
def test_the_tipsters_phone_is_masked_however_written(written: str) -> None:
    out = redact(f"举报人电话{written}，已回访。", [TIPSTER], [PHONE])
    assert out == "举报人电话139****4321，已回访。"
    assert PHONE not in skeleton(out) and not leaks(out, [TIPSTER], [PHONE])


@pytest.mark.parametrize(
    "written",
    [
        "130981200801011234",
        "1309 8120 0801 0112 34",
        "130981-20080101-1234",
        "１３０９８１２００８０１０１１２３Ｘ",
        "13098120080101123x",
    ],
)
def test_id_numbers_are_masked_full_width_and_spaced(written: str) -> None:
    out = redact(f"身份证{written}")
    assert out == "身份证1309**************"
    assert not leaks(out)


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("0317-5512345", "***********"),
        ("(0317) 551 2345", "***********"),
        ("010-87654321", "***********"),
        ("+86 317 5512345", "**********"),
    ],
)
def test_landlines_with_their_area_code_are_masked(written: str, masked: str) -> None:
    assert redact(f"座机{written}。") == f"座机{masked}。"


@pytest.mark.parametrize("written", ["张三", "张 三", "张　三", "张·三", "张-三", "张\u200b三"])
def test_the_tipsters_name_is_masked_in_any_spacing(written: str) -> None:
    out = redact(f"{written}反映情况属实", [TIPSTER])
    assert out == "张某反映情况属实" and not leaks(out, [TIPSTER])


def test_a_spaced_name_given_and_a_latin_name_in_another_case() -> None:
    assert redact("张三与 zhang san 均已回访", ["张 三", "Zhang San"]) == "张某与 Z某 均已回访"


def test_a_known_number_of_any_form_is_masked() -> None:
    assert redact("回拨 5512-345 已接通", numbers=["5512345"]) == "回拨 ******* 已接通"


@pytest.mark.parametrize(
    "text",
    [
        "经查该厂拖欠32名工人工资共计86000.50元，已责令补发，罚款20000元。",
        "2026年12月3日立案，黄人社监令〔2026〕12号，成年工人30岁。",
        "处理时间2026-12-03 13:45",
    ],
)
def test_ordinary_figures_are_left_alone(text: str) -> None:
    assert redact(text) == text and not leaks(text)


def test_ages_under_eighteen_are_masked() -> None:
    assert redact("15岁工人已送返，另一名17 周岁") == "**岁工人已送返，另一名**周岁"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("电话 139,8765,4321", "phone"),
        ("电话一三九八七六五四三二一", "phone"),
        ("身份证 130981,200801,011234", "id_number"),
        ("座机 0317,5512346", "landline"),
        ("联系张,三", "name"),
        ("回拨 55,12,345", "known_number"),
    ],
)
def test_what_masking_missed_is_found_again(text: str, kind: str) -> None:
    out = redact(text, [TIPSTER], ["5512345"])
    assert kind in leaks(out, [TIPSTER], ["5512345"])


def test_one_letter_names_and_short_numbers_mask_nothing() -> None:
    assert redact("张家砖厂3人", ["张"], ["12"]) == "张家砖厂3人"
