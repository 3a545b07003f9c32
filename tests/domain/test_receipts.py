import math
import re
from collections import Counter

import pytest

from app.domain.receipts import (
    RECEIPT_ALPHABET,
    RECEIPT_BITS,
    RECEIPT_LENGTH,
    new_receipt,
    normalise_receipt,
)

_SYM = "[23456789ABCDEFGHJKMNPQRSTUVWXYZ]"
SHAPE = re.compile(rf"^{_SYM}{{4}}(-{_SYM}{{4}})*$")


def test_receipts_carry_at_least_80_bits() -> None:
    bits = RECEIPT_LENGTH * math.log2(len(RECEIPT_ALPHABET))
    assert bits >= 80
    assert math.floor(bits) == RECEIPT_BITS
    assert RECEIPT_BITS >= 80


def test_alphabet_has_no_characters_people_misread() -> None:
    assert not set("01OIL") & set(RECEIPT_ALPHABET)
    assert len(set(RECEIPT_ALPHABET)) == len(RECEIPT_ALPHABET) == 31


def test_a_receipt_is_read_out_in_groups_of_four() -> None:
    receipt = new_receipt()
    assert SHAPE.match(receipt), receipt
    assert len(receipt.replace("-", "")) == RECEIPT_LENGTH
    assert all(len(group) == 4 for group in receipt.split("-"))


def test_receipts_do_not_repeat_and_use_the_whole_alphabet() -> None:
    receipts = [new_receipt() for _ in range(2000)]
    assert len(set(receipts)) == len(receipts)
    counts = Counter("".join(receipts).replace("-", ""))
    assert set(counts) == set(RECEIPT_ALPHABET)
    # 40 000 draws over 31 symbols: about 1290 each; a biased generator shows.
    assert min(counts.values()) > 1000
    assert max(counts.values()) < 1600


def test_a_fresh_receipt_is_already_normal() -> None:
    receipt = new_receipt()
    assert normalise_receipt(receipt) == receipt


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-EFGH-JKMN-PQRS-TUVW",
        "abcd-efgh-jkmn-pqrs-tuvw",
        "ABCDEFGHJKMNPQRSTUVW",
        " abcd efgh jkmn pqrs tuvw ",
        "AB-CD-EF-GH-JK-MN-PQ-RS-TU-VW",
        "ABCD\u3000EFGH\u3000JKMN\u3000PQRS\u3000TUVW",
        "ABCD\u2014EFGH\u2013JKMN-PQRS TUVW",
    ],
)
def test_what_people_type_back_is_accepted(typed: str) -> None:
    assert normalise_receipt(typed) == "ABCD-EFGH-JKMN-PQRS-TUVW"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-EFGH-JKMN-PQRS",
        "ABCD-EFGH-JKMN-PQRS-TUVW-X",
        "0BCD-EFGH-JKMN-PQRS-TUVW",
        "OBCD-EFGH-JKMN-PQRS-TUVW",
        "1BCD-EFGH-JKMN-PQRS-TUVW",
        "IBCD-EFGH-JKMN-PQRS-TUVW",
        "LBCD-EFGH-JKMN-PQRS-TUVW",
        "lBCD-EFGH-JKMN-PQRS-TUVW",
        "ABCD_EFGH_JKMN_PQRS_TUVW",
        "ＡBCD-EFGH-JKMN-PQRS-TUVW",
    ],
)
def test_what_cannot_be_a_receipt_is_rejected(typed: str) -> None:
    assert normalise_receipt(typed) is None
