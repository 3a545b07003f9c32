"""Rights-protection posters (维权标志): an A4 sign for a workplace, in PNG or PDF.

The sign carries the hotline, the employer's name, what to report in plain
words and a QR code to the public reporting form with the site pre-filled.
One layout (in millimetres on A4) is drawn twice: by reportlab for the PDF,
with its built-in CID font STSong-Light (no font file needed), and by Pillow for
the PNG, with a CJK TrueType font found on the machine; without one the PNG
is refused with a clear 503 and the PDF still works.
"""

from __future__ import annotations

import glob
import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from app.config import Settings
from app.domain.taxonomy import VIOLATION_TYPE_BY_CODE
from app.errors import AppError

PAGE_MM = (210.0, 297.0)
PNG_DPI = 150
PDF_FONT = "STSong-Light"
RED, BLACK = (178, 0, 0), (20, 20, 20)
QR_TOP_MM, QR_SIZE_MM = 188.0, 66.0
REPORTED = (
    "forced_labour",
    "restriction_of_liberty",
    "id_document_detention",
    "wage_arrears",
    "child_labour",
    "violence_abuse",
    "vulnerable_persons",
)
FONT_GLOBS = (
    "/usr/share/fonts/**/*wqy*.tt[cf]",
    "/usr/share/fonts/**/Noto*CJK*.tt[cf]",
    "/usr/share/fonts/**/NotoSansSC*.[ot]tf",
    "/usr/share/fonts/**/SourceHan*.tt[cf]",
)


class NoCJKFont(AppError):
    title = "No Chinese font on the server"
    status = 503


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    top_mm: float
    size_mm: float
    color: tuple[int, int, int] = BLACK


def form_url(settings: Settings, employer_name: str, jurisdiction_id: object) -> str:
    """The reporting form with the site pre-filled: what the QR code holds."""
    query = urlencode({"employer": employer_name, "jurisdiction_id": str(jurisdiction_id)})
    return f"{settings.public_base_url.rstrip('/')}/?{query}"


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), without the quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def _wrap(text: str, width: Callable[[str], float], limit: float, max_lines: int) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if current and width(current + ch) > limit:
            lines.append(current)
            current = ""
        current += ch
    lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1][:-1] + "…"]
    return lines


def layout(
    settings: Settings, employer_name: str, width: Callable[[str, float], float]
) -> list[Line]:
    """Every line of the poster, top to bottom; `width(text, size_mm)` measures in mm."""
    lines = [
        Line("维护劳动者合法权益", 22, 15, RED),
        Line("举报电话", 44, 11, RED),
        Line(settings.hotline_number, 62, 26, RED),
    ]
    name = _wrap(f"单位：{employer_name}", lambda t: width(t, 7), 180, 2)
    lines += [Line(part, 96 + 9 * i, 7) for i, part in enumerate(name)]
    lines.append(Line("遇到以下情况，请立即举报：", 118, 6.5))
    lines += [
        Line(f"· {VIOLATION_TYPE_BY_CODE[code].name_zh}", 128 + 8 * i, 5.5)
        for i, code in enumerate(REPORTED)
    ]
    lines += [
        Line("手机扫码在线举报，可以匿名", QR_TOP_MM + QR_SIZE_MM + 5, 5.5),
        Line("我们对举报人信息严格保密，有报必查。", QR_TOP_MM + QR_SIZE_MM + 15, 5.5),
    ]
    return lines


def png_size() -> tuple[int, int]:
    return round(PAGE_MM[0] / 25.4 * PNG_DPI), round(PAGE_MM[1] / 25.4 * PNG_DPI)


def qr_geometry_px(modules: int) -> tuple[int, int, int]:
    """(left, top, module size) of the QR code in the PNG, in whole pixels."""
    px = PNG_DPI / 25.4
    module = int(QR_SIZE_MM * px) // modules
    left = (png_size()[0] - module * modules) // 2
    return left, round(QR_TOP_MM * px), module


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """A TrueType/OpenType font covering Chinese: fontconfig's answer, else known paths."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        done = subprocess.run(  # noqa: S603 - fixed argv
            [fc_list, ":lang=zh", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        files = sorted(f.strip().rstrip(":") for f in done.stdout.splitlines() if f.strip())
        usable = [f for f in files if f.lower().endswith((".ttc", ".ttf", ".otf"))]
        if usable:
            return usable[0]
    for pattern in FONT_GLOBS:
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    return None


def render_png(settings: Settings, employer_name: str, url: str) -> bytes:
    path = find_cjk_font()
    if path is None:
        raise NoCJKFont(
            "没有可用的中文字体，无法生成 PNG；请用 format=pdf，或在服务器上安装 "
            "fonts-noto-cjk / fonts-wqy-zenhei。No CJK font installed: use "
            "format=pdf, or install fonts-noto-cjk."
        )
    px = PNG_DPI / 25.4
    fonts: dict[float, ImageFont.FreeTypeFont] = {}

    def font(size_mm: float) -> ImageFont.FreeTypeFont:
        if size_mm not in fonts:
            fonts[size_mm] = ImageFont.truetype(path, round(size_mm * px))
        return fonts[size_mm]

    img = Image.new("RGB", png_size(), "white")
    draw = ImageDraw.Draw(img)
    measure = lambda t, s: font(s).getlength(t) / px  # noqa: E731
    for line in layout(settings, employer_name, measure):
        draw.text(
            (img.width / 2, line.top_mm * px),
            line.text,
            font=font(line.size_mm),
            fill=line.color,
            anchor="mt",
        )
    matrix = qr_matrix(url)
    left, top, module = qr_geometry_px(len(matrix))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    (
                        left + c * module,
                        top + r * module,
                        left + (c + 1) * module - 1,
                        top + (r + 1) * module - 1,
                    ),
                    fill="black",
                )
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(PNG_DPI, PNG_DPI))
    return out.getvalue()


def render_pdf(settings: Settings, employer_name: str, url: str) -> bytes:
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    pt = 72 / 25.4
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    pdf.setTitle(f"维权标志 — {employer_name}")
    page_w, page_h = A4
    measure = lambda t, s: pdfmetrics.stringWidth(t, PDF_FONT, s * pt) / pt  # noqa: E731
    for line in layout(settings, employer_name, measure):
        pdf.setFillColorRGB(*(v / 255 for v in line.color))
        pdf.setFont(PDF_FONT, line.size_mm * pt)
        pdf.drawCentredString(
            page_w / 2, page_h - (line.top_mm + line.size_mm * 0.88) * pt, line.text
        )
    matrix = qr_matrix(url)
    module = QR_SIZE_MM * pt / len(matrix)
    left, top = (page_w - QR_SIZE_MM * pt) / 2, page_h - QR_TOP_MM * pt
    pdf.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(
                    left + c * module, top - (r + 1) * module, module, module, stroke=0, fill=1
                )
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def render_poster(
    settings: Settings, *, employer_name: str, jurisdiction_id: object, fmt: str
) -> bytes:
    """The poster as PNG or PDF bytes (CPU work: call it from a worker thread)."""
    url = form_url(settings, employer_name, jurisdiction_id)
    return (render_png if fmt == "png" else render_pdf)(settings, employer_name, url)
