"""Attachments of a tip: checked by content, photos cleaned of metadata, kept in the database.

`prepare_attachments` is pure CPU work (run it in a thread): it decides each
file's type from its first bytes — never from the name or the declared type —
checks the count and size limits and re-encodes every image with Pillow from
its bare pixels, so no EXIF (GPS, camera, time), XMP, ICC profile or comment
survives. PDFs and videos are kept as sent. `attach_files` stores the result
with the tip, `list_attachments`/`get_attachment` let the office read them
under the tip's own scope.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.permissions import Actor, Permission
from app.errors import NotFound, PayloadTooLarge, Unprocessable, UnsupportedMediaType
from app.models.tip_media import TipAttachment
from app.models.tips import Tip
from app.services import access, tips

MAX_PIXELS = 50_000_000
"""Larger images are refused before decoding (a small file can inflate to gigabytes)."""

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP",
               "image/gif": "PNG"}
"""How each image type is re-encoded; a GIF is kept as its first frame, in PNG."""

_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
               b"M4V ", b"mmp4", b"dash", b"MSNV", b"XAVC", b"f4v "}


@dataclass(frozen=True, slots=True)
class Upload:
    """One file as received: its index in the request and its bytes (the name is dropped)."""

    index: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Prepared:
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """The content type told by the magic bytes, or None if not an accepted kind."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand[:3] in (b"3gp", b"3g2", b"3ge", b"3gg"):
            return "video/3gpp"
        if brand in _MP4_BRANDS:
            return "video/mp4"
    return None


def _bad_image(index: int, why: str) -> Unprocessable:
    return Unprocessable(f"附件 {index + 1} 无法作为图片读取：{why}",
                         errors=[{"loc": ["body", "attachments", index], "msg": why}])


def _decoded(data: bytes, index: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise _bad_image(index, f"图片过大（超过 {MAX_PIXELS // 1_000_000} 百万像素）")
            img.seek(0)
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bad_image(index, "图片过大") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _bad_image(index, "图片已损坏") from None
    return img


def clean_image(data: bytes, content_type: str, index: int = 0) -> Prepared:
    """The image re-encoded from its pixels alone: upright, with no metadata at all."""
    img = _decoded(data, index)
    upright = ImageOps.exif_transpose(img) or img
    fmt = IMAGE_TYPES[content_type]
    alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if alpha and fmt != "JPEG" else ("L" if upright.mode in ("L", "1") else "RGB")
    pixels = upright.convert(mode)
    bare = Image.frombytes(mode, pixels.size, pixels.tobytes())  # info, exif, icc: all empty
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
    bare.save(out, format=fmt, **options)
    return Prepared("image/png" if fmt == "PNG" else content_type, out.getvalue())


def prepare_attachments(settings: Settings, uploads: Sequence[Upload]) -> list[Prepared]:
    """Check count, sizes and types, clean images. Raises 422, 413 or 415 naming the file."""
    if len(uploads) > settings.tip_attachment_max_files:
        raise Unprocessable(f"最多只能上传 {settings.tip_attachment_max_files} 个附件。",
                            errors=[{"loc": ["body", "attachments"],
                                     "msg": f"最多 {settings.tip_attachment_max_files} 个"}])
    total = 0
    for up in uploads:
        total += len(up.data)
        if len(up.data) > settings.tip_attachment_max_bytes:
            raise PayloadTooLarge(
                f"附件 {up.index + 1} 超过 {settings.tip_attachment_max_bytes // 1048576} MB。",
                errors=[{"loc": ["body", "attachments", up.index], "msg": "文件过大"}])
    if total > settings.tip_attachment_max_total_bytes:
        raise PayloadTooLarge(
            f"附件合计超过 {settings.tip_attachment_max_total_bytes // 1048576} MB。",
            errors=[{"loc": ["body", "attachments"], "msg": "附件合计过大"}])
    prepared = []
    for up in uploads:
        kind = sniff(up.data)
        if kind is None:
            raise UnsupportedMediaType(
                f"附件 {up.index + 1} 的格式不支持：只接受照片（JPEG、PNG、WebP、GIF）、PDF "
                "和视频（MP4、MOV、3GP）。",
                errors=[{"loc": ["body", "attachments", up.index], "msg": "不支持的文件格式"}])
        prepared.append(clean_image(up.data, kind, up.index) if kind in IMAGE_TYPES
                        else Prepared(kind, up.data))
    return prepared


async def attach_files(session: AsyncSession, actor: Actor, *, tip: Tip,
                       files: Sequence[Prepared]) -> list[TipAttachment]:
    """Store prepared files with a tip just taken in (one audit entry per file)."""
    rows = []
    for position, f in enumerate(files):
        row = TipAttachment(tip_id=tip.id, position=position, content_type=f.content_type,
                            size=len(f.data), sha256=f.sha256, data=f.data)
        session.add(row)
        rows.append(row)
    await session.flush()
    for row in rows:
        auditlog.record(session, actor, "tip.attachment.create", "tip_attachment", row.id,
                        after={"tip_id": tip.id, "content_type": row.content_type,
                               "size": row.size, "sha256": row.sha256},
                        jurisdiction_path=tip.scope_path)
    return rows


async def list_attachments(session: AsyncSession, actor: Actor, *, tip_id: uuid.UUID | str
                           ) -> list[TipAttachment]:
    """A tip's attachments (bytes not loaded), in the order sent; 404 outside the scope."""
    access.require(actor, Permission.tips_read)
    tip = await tips.get_tip(session, actor, tip_id)
    return list((await session.exec(
        select(TipAttachment).options(defer(TipAttachment.data))  # type: ignore[arg-type]
        .where(TipAttachment.tip_id == tip.id).order_by(col(TipAttachment.position)))).all())


async def get_attachment(session: AsyncSession, actor: Actor, *, tip_id: uuid.UUID | str,
                         attachment_id: uuid.UUID | str) -> TipAttachment:
    access.require(actor, Permission.tips_read)
    tip = await tips.get_tip(session, actor, tip_id)
    aid = access.as_uuid(attachment_id, "attachment")
    row = (await session.exec(select(TipAttachment).where(
        TipAttachment.id == aid, TipAttachment.tip_id == tip.id))).first()
    if row is None:
        raise NotFound(f"No attachment {aid} on tip {tip.id}.")
    return row
