"""Tips sent as multipart/form-data (or urlencoded): the JSON body's fields, flat, plus files.

Used by the API (`POST /public/v1/tips`) and the HTML form. A malformed body is
a 400 and nothing is written. The file names and declared types are dropped on
reading: the type is decided later from the content.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from app.config import Settings
from app.errors import BadRequest, Unprocessable
from app.services.core.media import Upload

TEXT_FIELDS = (
    "description",
    "violation_types",
    "employer_name",
    "address",
    "jurisdiction_id",
    "contact_name",
    "contact_phone",
)
FILE_FIELD = "attachments"
MAX_PARTS = 100


@dataclass(frozen=True, slots=True)
class MultipartTip:
    fields: dict[str, list[str]]
    uploads: list[Upload]
    canonical: bytes
    """What the Idempotency-Key is matched on: the fields and each file's hash, not the
    raw body, whose boundary changes on every retry."""


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


def is_form(request: Request) -> bool:
    """multipart/form-data, or a plain HTML form's urlencoded body (no files)."""
    ctype = request.headers.get("content-type", "").lower()
    return is_multipart(request) or ctype.startswith("application/x-www-form-urlencoded")


def one(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0]


def submission_from_fields(fields: dict[str, list[str]]) -> dict[str, Any]:
    """A form's flat fields as the JSON body of a tip (contact_name/phone → contact)."""
    contact = {
        "name": one(fields, "contact_name").strip() or None,
        "phone": one(fields, "contact_phone").strip() or None,
    }
    return {
        "description": one(fields, "description"),
        "violation_types": [v for v in fields.get("violation_types", []) if v],
        "employer_name": one(fields, "employer_name"),
        "address": one(fields, "address"),
        "jurisdiction_id": one(fields, "jurisdiction_id").strip() or None,
        "contact": contact if any(contact.values()) else None,
    }


def _malformed() -> BadRequest:
    return BadRequest("请求内容不是有效的 multipart/form-data。The multipart body is malformed.")


def _complete(content_type: str, raw: bytes) -> bool:
    """Has the body a boundary and its closing delimiter? (The parser accepts a cut-off
    body as if it were whole.)"""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary or not 1 <= len(boundary) <= 70:
        return False
    close = b"--" + boundary + b"--"
    return raw.startswith(close) or b"\r\n" + close in raw


async def _file_bytes(upload: UploadFile, cap: int) -> bytes:
    try:
        return await upload.read(cap + 1)  # one byte over tells "too large" without more
    finally:
        await upload.close()


async def read_multipart(
    request: Request,
    settings: Settings,
    *,
    strict: bool = True,
    text_fields: tuple[str, ...] = TEXT_FIELDS,
) -> MultipartTip:
    """Fields and files of a multipart tip (or follow-up: its `text_fields`). `strict`
    refuses unknown field names (the API)."""
    if is_multipart(request) and not _complete(
        request.headers.get("content-type", ""), await request.body()
    ):
        raise _malformed()
    try:
        form = await request.form(max_files=MAX_PARTS, max_fields=MAX_PARTS)
    except (MultiPartException, HTTPException, UnicodeDecodeError, ValueError):
        raise _malformed() from None
    fields: dict[str, list[str]] = {}
    uploads: list[Upload] = []
    unknown: list[str] = []
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != FILE_FIELD:
                    unknown.append(name)
                    continue
                data = await _file_bytes(value, settings.tip_attachment_max_bytes)
                if data or value.filename:  # a form's empty file input sends a nameless part
                    uploads.append(Upload(len(uploads), data))
            elif name == FILE_FIELD and not value:
                continue  # an empty file input sent without a filename
            elif name in text_fields:
                fields.setdefault(name, []).append(value)
            else:
                unknown.append(name)
    finally:
        await form.close()
    if unknown and strict:
        raise Unprocessable(
            "提交的内容有误，请按提示修改。",
            errors=[
                {"loc": ["body", name], "msg": "不支持这一项"} for name in dict.fromkeys(unknown)
            ],
        )
    canonical = json.dumps(
        {"fields": fields, "attachments": [hashlib.sha256(u.data).hexdigest() for u in uploads]},
        sort_keys=True,
        ensure_ascii=False,
    ).encode()
    return MultipartTip(fields, uploads, b"multipart:" + canonical)
