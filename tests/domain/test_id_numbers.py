"""GB 11643 ID numbers: the check character, the birth date, the age and the child rule."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.id_numbers import (
    IdNumberError,
    age_on,
    mask,
    mask_phone,
    parse_id_number,
    role_for,
)

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "born", "sex", "province"),
    [
        ("11010519491231002X", date(1949, 12, 31), "female", "北京市"),
        ("11010519491231002x", date(1949, 12, 31), "female", "北京市"),
        ("510123201103010019", date(2011, 3, 1), "male", "四川省"),
        ("５１０１２３２０１１０３０１００１９", date(2011, 3, 1), "male", "四川省"),
        ("130981 19800101 1231", date(1980, 1, 1), "male", "河北省"),
        ("130981800101123", date(1980, 1, 1), "male", "河北省"),  # first-generation card
    ],
)
def test_valid_numbers_give_birth_date_sex_and_province(
    text: str, born: date, sex: str, province: str
) -> None:
    found = parse_id_number(text, TODAY)
    assert (found.birth_date, found.sex, found.province) == (born, sex, province)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("110105194912310021", "check character"),
        ("510123201103010010", "check character"),
        ("51012320110301001", "18 characters"),
        ("5101232011030100199", "18 characters"),
        ("51012320111301001A", "18 characters"),
        ("510123201113010012", "not a date"),
        ("510123203001010017", "impossible"),
    ],
)
def test_wrong_numbers_say_why(text: str, why: str) -> None:
    with pytest.raises(IdNumberError, match=why):
        parse_id_number(text, TODAY)


@pytest.mark.parametrize(
    ("born", "today", "age"),
    [
        (date(2011, 3, 1), date(2026, 12, 4), 15),
        (date(2010, 12, 4), date(2026, 12, 4), 16),
        (date(2010, 12, 5), date(2026, 12, 4), 15),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_counts_whole_years(born: date, today: date, age: int) -> None:
    assert age_on(born, today) == age


@pytest.mark.parametrize(
    ("role", "age", "expected"),
    [
        ("worker", 15, "child"),
        ("vulnerable", 12, "child"),
        ("worker", 16, "worker"),
        ("child", 17, "child"),
        ("worker", None, "worker"),
    ],
)
def test_under_16_is_a_child_whatever_was_entered(
    role: str, age: int | None, expected: str
) -> None:
    assert role_for(role, age) == expected


def test_masks_keep_head_and_tail_only() -> None:
    assert mask("130981198001011231") == "1309**********1231"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0317-5321234") == "********1234"
