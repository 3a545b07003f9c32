"""Uploaded files made safe: typed by their first bytes, bounded, cleaned of metadata.

A tipster's photo, scan or video can say who and where they are (GPS, the phone's
owner name, the device) even when the tip itself is anonymous; the office must not
receive, store or pass that on (PIPL art. 6: collect no more than the purpose needs).
Inspection evidence is typed by the same `sniff` (but kept intact: it is evidence).

`prepare_attachments` is CPU work, run through `prepare_bounded` (a worker thread,
a few at a time): it decides each file's type from its first bytes — never from the
name or the declared type — checks the count and size limits, then
- re-encodes every image with Pillow from its bare pixels, so no EXIF (GPS, camera,
  time), XMP, ICC profile or comment survives; the size is checked from the header
  before anything is decoded;
- rewrites every PDF with pikepdf without its document information and XMP;
- blanks every metadata box of a video in place (©xyz location, QuickTime keys, tags).
A file that does not parse as the type its first bytes claim is refused (422).
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import anyio
import anyio.to_thread
import mutagen
import mutagen.mp4
import pikepdf
from PIL import Image, ImageOps, UnidentifiedImageError

from app.config import Settings
from app.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType

MAX_PIXELS = 50_000_000
"""The largest image taken, checked from its header before any pixel is decoded.

A phone photo is at most 50 megapixels (the full-resolution modes of 48-50 MP sensors;
by default phones save 12 MP), and a long scrolling screenshot of a chat is about
1080 x 30 000 = 32 MP. Above this a small file is almost surely a decompression bomb
(a 143 KB PNG can promise 7000 x 7000 pixels, 150 MB decoded)."""

JPEG_DECODE_PIXELS = 25_000_000
"""A larger JPEG is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling, Pillow's
`draft`) to at most this many pixels, and stored so: a 48 MP photo is kept at 12 MP,
what the same phone saves by default."""

PROGRESSIVE_JPEG_PIXELS = 16_000_000
"""A progressive JPEG is held whole as DCT coefficients while it decodes, at full size
whatever the scale (up to 6 bytes a pixel), so it is taken only up to this; phone
cameras write baseline JPEGs, and pictures saved from apps are far smaller."""

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check, on every open in the process

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "PNG"}
"""How each image type is re-encoded; a GIF is kept as its first frame, in PNG."""

_SAVE_MODES = {
    "JPEG": ("L", "RGB"),
    "WEBP": ("RGB", "RGBA"),
    "PNG": ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"),
}
"""Modes each encoder takes as they are (no converted copy of the pixels)."""

VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/3gpp")
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"mmp4",
    b"dash",
    b"MSNV",
    b"XAVC",
    b"f4v ",
}
_METADATA_BOXES = {b"udta", b"meta", b"uuid"}
"""Boxes that hold nothing needed to play the video, only who, where and with what it
was filmed: ©xyz (GPS) and ©mak/©mod in udta, QuickTime's moov/meta (Apple's
location.ISO6709, make, model), iTunes-style ilst tags, XMP in uuid boxes."""

TIP_MEDIA_LIMITER = "tip_media.limiter"


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


def _refused(index: int, what: str, why: str) -> Unprocessable:
    return Unprocessable(
        f"附件 {index + 1} 无法作为{what}读取：{why}",
        errors=[{"loc": ["body", "attachments", index], "msg": why}],
    )


def _bad_image(index: int, why: str) -> Unprocessable:
    return _refused(index, "图片", why)


_TOO_LARGE = f"图片过大（超过 {MAX_PIXELS // 1_000_000} 百万像素）"
_TOO_LARGE_PROGRESSIVE = (
    f"图片过大（渐进式 JPEG 最多 {PROGRESSIVE_JPEG_PIXELS // 1_000_000} "
    "百万像素，请用手机相机原图）"
)


def _decoded(data: bytes, content_type: str, index: int) -> Image.Image:
    """The image's pixels, after its header was checked against `MAX_PIXELS`; a big
    JPEG decoded reduced (see `JPEG_DECODE_PIXELS`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[content_type.split("/")[1].upper()])
            width, height = img.size  # from the header: nothing decoded yet
            if width * height > MAX_PIXELS:
                raise _bad_image(index, _TOO_LARGE)
            if (
                img.format == "JPEG"
                and img.info.get("progressive")
                and width * height > PROGRESSIVE_JPEG_PIXELS
            ):
                raise _bad_image(index, _TOO_LARGE_PROGRESSIVE)
            if img.format == "JPEG":
                scale = next(
                    s for s in (1, 2, 4, 8) if width * height <= JPEG_DECODE_PIXELS * s * s
                )
                if scale > 1:
                    img.draft(img.mode, (width // scale, height // scale))
            img.seek(0)
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bad_image(index, _TOO_LARGE) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _bad_image(index, "图片已损坏") from None
    return img


def clean_image(data: bytes, content_type: str, index: int = 0) -> Prepared:
    """The image re-encoded from its pixels alone: upright, with no metadata at all.

    Pixels are neither copied nor converted unless the encoder needs it, so one image
    costs about its decoded size (at most 4 bytes x `MAX_PIXELS`), twice only while a
    rotated photo is turned upright."""
    img = _decoded(data, content_type, index)
    fmt = IMAGE_TYPES[content_type]
    transparency = img.info.get("transparency")
    ImageOps.exif_transpose(img, in_place=True)
    if img.mode not in _SAVE_MODES[fmt]:
        alpha = fmt != "JPEG" and (img.mode in ("RGBA", "LA", "PA") or transparency is not None)
        img = img.convert("RGBA" if alpha else "RGB")
        transparency = None
    img.info = {}  # EXIF, XMP, ICC profile, comments, PNG text: the encoders read them here
    options: dict[str, object] = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
    if transparency is not None:
        options["transparency"] = transparency  # which colour is see-through: pixels, kept
    out = io.BytesIO()
    img.save(out, format=fmt, **options)
    return Prepared("image/png" if fmt == "PNG" else content_type, out.getvalue())


def clean_pdf(data: bytes, index: int = 0) -> Prepared:
    """The PDF rewritten by qpdf (pikepdf) without its document information (Author,
    Creator, Producer, dates) and without any XMP stream, on the catalogue, on a page
    or on any other object. A file that qpdf cannot read as a PDF with pages — HTML or
    a program behind a `%PDF` line — is refused, as is one locked with a password.

    JPEG photos in it (a phone's scanning app embeds them) lose their EXIF and XMP
    segments; their coded image is kept as it is. Other streams are copied as they are
    (no decoding), so the cost follows the file's size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # qpdf's notes on a repaired file
            pdf = pikepdf.open(io.BytesIO(data))
            with pdf:
                if len(pdf.pages) == 0:
                    raise _refused(index, "PDF", "PDF 没有页面")
                if "/Info" in pdf.trailer:
                    del pdf.trailer["/Info"]
                for obj in pdf.objects:
                    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and "/Metadata" in obj:
                        del obj["/Metadata"]
                _clean_pdf_photos(pdf)
                out = io.BytesIO()
                pdf.save(
                    out,
                    preserve_pdfa=False,
                    fix_metadata_version=False,
                    encryption=False,
                    stream_decode_level=pikepdf.StreamDecodeLevel.none,
                )
    except pikepdf.PasswordError:
        raise _refused(index, "PDF", "PDF 设有密码，请去掉密码后再上传") from None
    except (pikepdf.PdfError, RuntimeError, ValueError, OverflowError):
        raise _refused(index, "PDF", "不是有效的 PDF 文件") from None
    return Prepared("application/pdf", out.getvalue())


_JPEG_KEPT = {0xE0, 0xE2, 0xEE}
"""Segments before the image data kept in a photo embedded in a PDF: JFIF (APP0), the
ICC profile (APP2) and Adobe's colour transform (APP14), which decoding needs. EXIF and
XMP (APP1), Photoshop/IPTC (APP13), the other APPn and comments (COM) are dropped."""


def _jpeg_without_metadata(data: bytes) -> bytes:
    """The JPEG's bytes less its metadata segments; the coded image is not touched, so
    nothing is lost. ValueError if the markers before the image data do not parse."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    kept, at = [b"\xff\xd8"], 2
    while True:
        if at + 4 > len(data) or data[at] != 0xFF:
            raise ValueError("broken JPEG marker")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        (length,) = struct.unpack_from(">H", data, at + 2)
        if length < 2 or at + 2 + length > len(data):
            raise ValueError("JPEG segment outside the data")
        if marker == 0xDA:  # start of scan: the coded image follows, kept as it is
            kept.append(data[at:])
            return b"".join(kept)
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE) or marker in _JPEG_KEPT:
            kept.append(data[at : at + 2 + length])
        at += 2 + length


def _clean_pdf_photos(pdf: pikepdf.Pdf) -> None:
    """Strip the EXIF (GPS, camera, time) of every JPEG photo in the PDF, as a phone's
    scanning app embeds them; ValueError when one cannot be read."""
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image:
            filters = obj.get("/Filter")
            if isinstance(filters, pikepdf.Array) and len(filters) == 1:
                filters = filters[0]
            parms = obj.get("/DecodeParms")
            if filters == pikepdf.Name.DCTDecode:
                obj.write(
                    _jpeg_without_metadata(obj.read_raw_bytes()),
                    filter=pikepdf.Name.DCTDecode,
                    decode_parms=parms if isinstance(parms, pikepdf.Dictionary) else None,
                )


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, offset, header size, total size) of each ISO-BMFF box in data[start:end];
    ValueError when the boxes do not tile the range exactly."""
    at = start
    while at < end:
        if at + 8 > end:
            raise ValueError("truncated box header")
        size, kind = struct.unpack_from(">I4s", data, at)
        head = 8
        if size == 1:
            if at + 16 > end:
                raise ValueError("truncated box header")
            (size,), head = struct.unpack_from(">Q", data, at + 8), 16
        elif size == 0 and end == len(data) and start == 0:
            size = end - at  # the last top-level box runs to the end of the file
        if size < head or at + size > end:
            raise ValueError("box size outside its parent")
        yield kind, at, head, size
        at += size


def clean_video(data: bytes, content_type: str, index: int = 0) -> Prepared:
    """The video with every metadata box (see `_METADATA_BOXES`) at the top level, in
    moov and in each track overwritten in place by a `free` box of the same size:
    nothing moves, so the sample offsets stay right and the video plays as before.

    Refused unless the boxes tile the file, there is one moov with a track and media
    data, and mutagen reads the cleaned file as MP4/QuickTime with no tags left."""
    out = bytearray(data)
    try:
        top = list(_boxes(data, 0, len(data)))
        moovs = [b for b in top if b[0] == b"moov"]
        if len(moovs) != 1 or not any(b[0] in (b"mdat", b"moof") for b in top):
            raise ValueError("no single moov and media data")
        _kind, moov_at, moov_head, moov_size = moovs[0]
        inside = list(_boxes(data, moov_at + moov_head, moov_at + moov_size))
        traks = [b for b in inside if b[0] == b"trak"]
        if not traks:
            raise ValueError("no track")
        for _k, at, head, size in traks:
            inside += list(_boxes(data, at + head, at + size))
        for kind, at, head, size in top + inside:
            if kind in _METADATA_BOXES:
                out[at + 4 : at + 8] = b"free"
                out[at + head : at + size] = bytes(size - head)
        cleaned = bytes(out)
        tags = mutagen.mp4.MP4(io.BytesIO(cleaned)).tags  # type: ignore[no-untyped-call]
    except (ValueError, struct.error, mutagen.MutagenError):
        raise _refused(index, "视频", "不是有效的 MP4/MOV/3GP 视频") from None
    if tags:
        raise _refused(index, "视频", "视频的元数据无法去除")
    return Prepared(content_type, cleaned)


def _cleaned(up: Upload, kind: str) -> Prepared:
    if kind in IMAGE_TYPES:
        return clean_image(up.data, kind, up.index)
    if kind == "application/pdf":
        return clean_pdf(up.data, up.index)
    return clean_video(up.data, kind, up.index)


def prepare_attachments(settings: Settings, uploads: Sequence[Upload]) -> list[Prepared]:
    """Check count, sizes and types, clean every file. Raises 422, 413 or 415 naming the
    file. CPU and memory heavy: call it through `prepare_bounded`."""
    if len(uploads) > settings.tip_attachment_max_files:
        raise Unprocessable(
            f"最多只能上传 {settings.tip_attachment_max_files} 个附件。",
            errors=[
                {
                    "loc": ["body", "attachments"],
                    "msg": f"最多 {settings.tip_attachment_max_files} 个",
                }
            ],
        )
    total = 0
    for up in uploads:
        total += len(up.data)
        if len(up.data) > settings.tip_attachment_max_bytes:
            raise PayloadTooLarge(
                f"附件 {up.index + 1} 超过 {settings.tip_attachment_max_bytes // 1048576} MB。",
                errors=[{"loc": ["body", "attachments", up.index], "msg": "文件过大"}],
            )
    if total > settings.tip_attachment_max_total_bytes:
        raise PayloadTooLarge(
            f"附件合计超过 {settings.tip_attachment_max_total_bytes // 1048576} MB。",
            errors=[{"loc": ["body", "attachments"], "msg": "附件合计过大"}],
        )
    kinds = []
    for up in uploads:
        kind = sniff(up.data)
        if kind is None:
            raise UnsupportedMediaType(
                f"附件 {up.index + 1} 的格式不支持：只接受照片（JPEG、PNG、WebP、GIF）、PDF "
                "和视频（MP4、MOV、3GP）。",
                errors=[{"loc": ["body", "attachments", up.index], "msg": "不支持的文件格式"}],
            )
        kinds.append(kind)
    return [_cleaned(up, kind) for up, kind in zip(uploads, kinds, strict=True)]


async def prepare_bounded(
    extras: dict[str, object], settings: Settings, uploads: Sequence[Upload]
) -> list[Prepared]:
    """`prepare_attachments` in a worker thread, at most
    `settings.tip_image_concurrency` at once per process: the others wait their turn
    without holding a thread, and the event loop goes on answering. So N tips sent
    together cost at most that many files' decoding at a time, never N."""
    limiter = extras.get(TIP_MEDIA_LIMITER)
    if not isinstance(limiter, anyio.CapacityLimiter):
        limiter = extras[TIP_MEDIA_LIMITER] = anyio.CapacityLimiter(settings.tip_image_concurrency)
    return await anyio.to_thread.run_sync(
        prepare_attachments, settings, list(uploads), limiter=limiter
    )
