"""Receipts of retried submissions and sealed contacts (no database)."""

from __future__ import annotations

import uuid

import pytest
from cryptography.exceptions import InvalidTag

from app.domain.receipts import RECEIPT_ALPHABET, normalise_receipt
from app.security import derive_keys
from app.services.tipline import tip_privacy

KEYS = derive_keys("x" * 48)
OTHER_KEYS = derive_keys("y" * 48)


def test_a_derived_receipt_is_a_valid_receipt_fixed_by_caller_key_and_body() -> None:
    r = tip_privacy.derived_receipt(KEYS, "public", "k1", b"{}")
    assert normalise_receipt(r) == r
    assert set(r.replace("-", "")) <= set(RECEIPT_ALPHABET)
    assert tip_privacy.derived_receipt(KEYS, "public", "k1", b"{}") == r
    others = {
        tip_privacy.derived_receipt(KEYS, "public", "k2", b"{}"),
        tip_privacy.derived_receipt(KEYS, "user:1", "k1", b"{}"),
        tip_privacy.derived_receipt(KEYS, "public", "k1", b"{ }"),
        tip_privacy.derived_receipt(OTHER_KEYS, "public", "k1", b"{}"),
    }
    assert r not in others and len(others) == 4


@pytest.mark.parametrize(
    "typed", ["abcd-efgh-jkmn-pqrs-tuvw", "ABCDEFGHJKMNPQRSTUVW", " ABCD EFGH JKMN PQRS TUVW "]
)
def test_a_receipt_hashes_the_same_however_it_is_typed(typed: str) -> None:
    assert tip_privacy.receipt_hash(KEYS, typed) == tip_privacy.receipt_hash(
        KEYS, "ABCD-EFGH-JKMN-PQRS-TUVW"
    )
    assert tip_privacy.receipt_hash(OTHER_KEYS, typed) != tip_privacy.receipt_hash(KEYS, typed)


def test_a_receipt_with_ambiguous_characters_has_no_hash() -> None:
    assert tip_privacy.receipt_hash(KEYS, "ABCD-EFGH-JKMN-PQRS-TUV0") is None


def test_a_sealed_contact_opens_only_for_its_own_tip() -> None:
    tip, other = uuid.uuid4(), uuid.uuid4()
    blob = tip_privacy.seal_contact(KEYS, tip, {"name": " 王 ", "phone": "138"})
    assert blob is not None and b"138" not in blob
    assert tip_privacy.open_contact(KEYS, tip, blob) == {"name": "王", "phone": "138"}
    with pytest.raises(InvalidTag):
        tip_privacy.open_contact(KEYS, other, blob)
    assert tip_privacy.seal_contact(KEYS, tip, {"name": " ", "phone": None}) is None
    assert tip_privacy.open_contact(KEYS, tip, None) == {"name": None, "phone": None}
