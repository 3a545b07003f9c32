"""Resident identity card numbers (公民身份号码, GB 11643-1999): check, birth date, age.

Eighteen characters: a six-digit address code, the birth date (YYYYMMDD), a
three-digit sequence (odd for men, even for women) and a check character computed
by ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11; a value of 10 is written `X`). The
fifteen-digit numbers of the first-generation cards (birth date YYMMDD in the
1900s, no check character) are still read. Pure: today is passed in.

A person under 16 is a child whoever entered them (劳动法 第15条, 禁止使用童工规定
第2条): `role_for` turns any role into `child` when the number says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"
CHILD_UNDER = 16
"""Under this age a worker is a child labourer (童工)."""

PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}
_SHAPE = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_FOLD = str.maketrans("０１２３４５６７８９ｘＸx", "0123456789XXX", " -\u3000")


class IdNumberError(ValueError):
    """Why a text is not a valid ID number (the message is shown to the user)."""


@dataclass(frozen=True, slots=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # "male" | "female"
    province: str | None

    def age_on(self, today: date) -> int:
        return age_on(self.birth_date, today)


def normalise(text: str) -> str:
    """Full-width digits, a lower-case x, spaces and hyphens folded away."""
    return text.strip().translate(_FOLD).upper()


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_id_number(text: str, today: date) -> IdNumber:
    """The number's facts; IdNumberError when its shape, date or check character is wrong."""
    number = normalise(text)
    if not _SHAPE.match(number):
        raise IdNumberError("must be 18 characters (17 digits and a digit or X), or 15 digits")
    if len(number) == 18:
        expected = check_char(number[:17])
        if number[17] != expected:
            raise IdNumberError(f"check character is wrong (GB 11643: expected {expected})")
        y, m, d, seq = number[6:10], number[10:12], number[12:14], number[14:17]
    else:
        y, m, d, seq = "19" + number[6:8], number[8:10], number[10:12], number[12:15]
    try:
        born = date(int(y), int(m), int(d))
    except ValueError:
        raise IdNumberError("the birth date in it is not a date") from None
    if born > today or born.year < 1900:
        raise IdNumberError("the birth date in it is impossible")
    return IdNumber(
        number=number,
        birth_date=born,
        sex="male" if int(seq) % 2 else "female",
        province=PROVINCES.get(number[:2]),
    )


def age_on(birth_date: date, today: date) -> int:
    """Whole years; someone born on 29 February has a birthday on 1 March in other years."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (1 if before_birthday else 0)


def role_for(role: str, age: int | None) -> str:
    """A person under 16 is a child whatever role was entered."""
    return "child" if age is not None and age < CHILD_UNDER else role


def mask(text: str, keep_head: int = 4, keep_tail: int = 4) -> str:
    """`1309**********1234`: the head and tail kept, every character between starred."""
    if len(text) <= keep_head + keep_tail:
        return "*" * len(text)
    return text[:keep_head] + "*" * (len(text) - keep_head - keep_tail) + text[-keep_tail:]


def mask_phone(text: str) -> str:
    """`138****5678` for a mobile; other numbers keep only their last four."""
    digits = text.strip()
    if len(digits) == 11 and digits.isdigit():
        return mask(digits, 3, 4)
    return mask(digits, 0, 4)
