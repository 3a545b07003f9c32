"""Receipts and contact details: what makes a tip safe to send.

The receipt is stored only as HMAC(keys.receipt, canonical receipt); the key
is derived from the secret in the settings, never in the database, so a stolen
database alone cannot be searched for a receipt. Contacts are AES-GCM blobs
bound to the tip id.

Retried submissions (Idempotency-Key) do not keep the first response, which
would hold the receipt in clear: the receipt of a keyed submission is derived
from the caller, the key and the body with the receipt key (`derived_receipt`),
so the retry recomputes the same receipt and finds the tip by its key. Why tips
keep their keys so, apart from every other write: app/services/core/idempotency.py.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from app.domain.receipts import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    format_receipt,
    new_receipt,
    normalise_receipt,
)
from app.security import Keys, keyed_hash
from app.services.core.sealing import keys_of, open_json, seal_json

__all__ = ["keys_of"]


def receipt_hash(keys: Keys, receipt: str) -> str | None:
    """The stored form of a receipt as typed by anyone; None if it cannot be one."""
    canonical = normalise_receipt(receipt)
    return None if canonical is None else keyed_hash(keys.receipt, canonical)


def derived_receipt(
    keys: Keys, principal: str, idempotency_key: str, body: bytes, generation: int = 0
) -> str:
    """The receipt of a keyed submission: the same caller, key and body give the same one.
    `generation` counts the times the key expired and started a new tip.

    256 HMAC bits are read as a number in base 31, well over the 99 bits kept.
    """
    parts = [
        b"receipt-v1",
        principal.encode(),
        idempotency_key.encode(),
        hashlib.sha256(body).digest(),
    ]
    msg = b"\0".join([*parts, str(generation).encode()] if generation else parts)
    number = int.from_bytes(hmac.new(keys.receipt, msg, hashlib.sha256).digest(), "big")
    chars = []
    for _ in range(RECEIPT_LENGTH):
        number, digit = divmod(number, len(RECEIPT_ALPHABET))
        chars.append(RECEIPT_ALPHABET[digit])
    return format_receipt("".join(chars))


def fresh_receipt() -> str:
    return new_receipt()


def seal_contact(keys: Keys, tip_id: uuid.UUID, contact: dict[str, Any] | None) -> bytes | None:
    """Encrypt what the tipster gave; nothing given (or only blanks) stores nothing."""
    if not contact:
        return None
    kept = {k: v.strip() for k, v in contact.items() if isinstance(v, str) and v.strip()}
    if not kept:
        return None
    return seal_json(keys, kept, context=tip_id.bytes)


def open_contact(keys: Keys, tip_id: uuid.UUID, blob: bytes | None) -> dict[str, str | None]:
    if blob is None:
        return {"name": None, "phone": None}
    data = open_json(keys, blob, context=tip_id.bytes)
    return {"name": data.get("name"), "phone": data.get("phone")}
