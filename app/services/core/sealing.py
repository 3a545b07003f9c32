"""Personal details sealed at rest: AES-GCM under the contact key, bound to their row.

A tipster's contact and the identity of a person on a case (ID number, phone) are
stored only as blobs that the key derived from the settings' secret opens — the
key never lives in the database, and the row's id is the associated data, so a
blob copied onto another row does not open. Shared by the tip-line and the case
context, hence here.
"""

from __future__ import annotations

import json
from typing import Any

from app.config import Settings
from app.security import Keys, decrypt, derive_keys, encrypt


def keys_of(settings: Settings) -> Keys:
    return derive_keys(settings.resolved_secret())


def seal_json(keys: Keys, data: dict[str, Any], *, context: bytes) -> bytes:
    plain = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
    return encrypt(keys.contact, plain, context=context)


def open_json(keys: Keys, blob: bytes, *, context: bytes) -> dict[str, Any]:
    found = json.loads(decrypt(keys.contact, blob, context=context))
    return found if isinstance(found, dict) else {}
