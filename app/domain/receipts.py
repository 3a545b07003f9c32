"""Tip receipt codes (回执码): the tipster's only key to their tip.

A receipt is read out over the phone and typed back in by people who may
mishear it, so the alphabet leaves out 0/O, 1/I/L, and it is shown in groups
of four. 31 symbols carry log2(31) ≈ 4.95 bits each: 16 characters would fall
just short of 80 bits, so a receipt is 20 (five groups). Only a keyed hash of
the receipt is stored; that lives in the security module, not here.
"""

from __future__ import annotations

import math
import secrets

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 20
RECEIPT_GROUP = 4
RECEIPT_BITS: int = math.floor(RECEIPT_LENGTH * math.log2(len(RECEIPT_ALPHABET)))

_ALLOWED = frozenset(RECEIPT_ALPHABET)
_SEPARATORS = str.maketrans("", "", " -\t\u3000\u2010\u2011\u2012\u2013\u2014\u2212")


def format_receipt(raw: str) -> str:
    """Group a bare receipt as XXXX-XXXX-…, the form shown and read out."""
    return "-".join(raw[i : i + RECEIPT_GROUP] for i in range(0, len(raw), RECEIPT_GROUP))


def new_receipt() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return format_receipt(raw)


def normalise_receipt(s: str) -> str | None:
    """The canonical (grouped, uppercase) receipt, or None if `s` cannot be one.

    Spaces and dashes anywhere are ignored and lowercase is accepted. Characters
    outside the alphabet (0, O, 1, I, L, …) are rejected rather than guessed at,
    so the tipster is asked to read the receipt again.
    """
    bare = s.translate(_SEPARATORS).upper()
    if len(bare) != RECEIPT_LENGTH or not _ALLOWED.issuperset(bare):
        return None
    return format_receipt(bare)
