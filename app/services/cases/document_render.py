"""Rendering a document (文书) as PDF, with a CJK font embedded, and as an editable Word file.

The machine's fonts are found through fontconfig (`fc-list :lang=zh-cn`), a Song-style
(serif) SC face preferred, as official papers are set in 宋体/仿宋. The common CJK fonts
(Noto CJK, Source Han) have PostScript (CFF) outlines, which reportlab cannot embed; the
face is therefore cut down, for each paper, to the characters it uses, their outlines
converted to TrueType quadratics with fontTools (once per glyph and process: `_Source`),
and reportlab embeds that small font (the whole face would take a minute). Without any
CJK font the PDF falls back to reportlab's built-in STSong-Light, which readers supply
themselves (not embedded).
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont as FontFile
from fontTools.ttLib.tables._g_l_y_f import Glyph
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

log = logging.getLogger(__name__)

EMBEDDED_FONT = "LabourwatchCJK"
FALLBACK_FONT = "STSong-Light"
WORD_FONT = "宋体"
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Paper:
    """What a document says, in reading order: the heading, then its paragraphs."""

    agency: str
    title: str
    number: str
    party: str
    paragraphs: tuple[str, ...]
    issued_on: date


def _candidates() -> list[tuple[str, int]]:
    if shutil.which("fc-list") is None:
        return []
    out = subprocess.run(
        ["fc-list", ":lang=zh-cn", "file", "index", "family", "style"],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    ).stdout
    found: list[tuple[int, str, int]] = []
    for line in out.splitlines():
        path, _, rest = line.partition(": ")
        family, style = rest.split(":style=")[0], rest.partition(":style=")[2]
        index = int(style.rpartition(":index=")[2] or 0) if ":index=" in style else 0
        if "Bold" in style or "Mono" in family:
            continue
        rank = (0 if "Serif" in family or "Song" in family else 1) + (
            0 if " SC" in family or "Hans" in family else 2
        )
        found.append((rank, path, index))
    return [(p, i) for _, p, i in sorted(found)]


class _Source:
    """The CJK face, opened once and read lazily (its tables and outlines as a paper needs
    them), each glyph's outline converted to TrueType quadratics once and kept.

    Cutting a face for a paper is then building a small TrueType font of the paper's
    glyphs with fontTools' FontBuilder: a few ms for the characters already seen, ~1 ms
    more for each new one, where subsetting the whole collection file anew took ~0.4 s a
    paper (reading its metrics, character map and CFF index each time). Memory: the
    converted glyphs (~350 bytes each) and the outlines fontTools has decoded (~3 KB
    each) grow with the characters papers use; at `KEEP` glyphs both are dropped and the
    face opened afresh, so a process holds at most ~30 MB of it, typically a few MB."""

    KEEP = 8_000  # GB 2312 has 6,763 hanzi; papers seldom go beyond

    def __init__(self, path: str, index: int) -> None:
        self.path, self.index = path, index
        self.lock = threading.Lock()
        self._open()

    def close(self) -> None:
        self.font.close()

    def _open(self) -> None:
        if hasattr(self, "font"):
            self.close()
        self.font = FontFile(self.path, fontNumber=self.index, lazy=True)
        self.cmap: dict[int, str] = self.font.getBestCmap()
        self.outlines = self.font.getGlyphSet()
        self.cubic = "glyf" not in self.font  # CFF (PostScript) outlines
        self.converted: dict[str, bytes] = {}  # compiled: ~350 bytes a glyph, ~6 KB expanded

    def _glyph(self, name: str) -> Glyph:
        """A fresh glyph object each time (a font being built owns its glyphs), simple:
        a TrueType face's composite glyphs are drawn with their components in place."""
        data = self.converted.get(name)
        if data is None:
            pen = TTGlyphPen(None)
            drawn = DecomposingRecordingPen(self.outlines)
            self.outlines[name].draw(drawn)
            # CFF outlines are cubic and run the other way round from TrueType's
            drawn.replay(Cu2QuPen(pen, 1.0, reverse_direction=True) if self.cubic else pen)
            glyph = pen.glyph()
            glyph.recalcBounds(None)
            data = self.converted[name] = glyph.compile(None)
        fresh = Glyph(data)
        fresh.expand(None)  # a simple glyph: the table is not consulted
        return fresh

    def cut(self, text: str) -> bytes:
        """A TrueType font of the characters of `text` the face has (and .notdef), with
        the face's own metrics, names and embedding permission (OS/2 fsType)."""
        with self.lock:
            if len(self.converted) >= self.KEEP:
                self._open()
            cmap = {ord(c): self.cmap[ord(c)] for c in set(text) if ord(c) in self.cmap}
            order = [".notdef", *sorted(set(cmap.values()) - {".notdef"})]
            glyphs = {name: self._glyph(name) for name in order}
            hmtx = self.font["hmtx"]
            advances = {name: hmtx[name][0] for name in order}
            head, hhea = self.font["head"], self.font["hhea"]
            os2, post = self.font["OS/2"], self.font["post"]
            name_table = self.font["name"]
            built = FontBuilder(head.unitsPerEm, isTTF=True)
            # the face's own dates: the bytes depend on the paper and the face only
            built.updateHead(
                created=head.created,
                modified=head.modified,
                fontRevision=head.fontRevision,
                macStyle=head.macStyle,
            )
            built.setupGlyphOrder(order)
            built.setupCharacterMap(cmap)
            built.setupGlyf(glyphs)
            glyf = built.font["glyf"]
            built.setupHorizontalMetrics(
                {name: (advances[name], getattr(glyf[name], "xMin", 0)) for name in order}
            )
            built.setupHorizontalHeader(
                ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap
            )
            built.font["name"] = name_table
            built.setupOS2(
                **{
                    field: getattr(os2, field)
                    for field in (
                        "fsType",
                        "fsSelection",
                        "panose",
                        "achVendID",
                        "usWeightClass",
                        "usWidthClass",
                        "sTypoAscender",
                        "sTypoDescender",
                        "sTypoLineGap",
                        "usWinAscent",
                        "usWinDescent",
                        "ulCodePageRange1",
                        "ulCodePageRange2",
                        "sxHeight",
                        "sCapHeight",
                    )
                    if hasattr(os2, field)
                },
            )
            built.setupPost(
                keepGlyphNames=False,
                italicAngle=post.italicAngle,
                underlinePosition=post.underlinePosition,
                underlineThickness=post.underlineThickness,
                isFixedPitch=post.isFixedPitch,
            )
            out = io.BytesIO()
            built.save(out)
            return out.getvalue()


_opening = threading.Lock()
_opened: list[_Source | None] = []  # the process's one source, once looked for


def _source() -> _Source | None:
    """The process's one `_Source`, opened by the first paper's thread (a second thread
    asking meanwhile waits for it rather than opening the face again)."""
    with _opening:
        if not _opened:
            found = cjk_font()
            _opened.append(None if found is None else _Source(*found))
        return _opened[0]


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int] | None:
    """The face PDF documents embed (file, index in a collection), or None."""
    found = _candidates()
    if not found:
        log.warning("no CJK font found: PDF documents use STSong-Light, not embedded")
        return None
    return found[0]


@dataclass(frozen=True, slots=True)
class Face:
    """The CJK face cut down to `chars`, as TrueType bytes reportlab embeds (None: no
    usable face, the PDF falls back to STSong-Light)."""

    chars: frozenset[str]
    data: bytes | None


def cut_face(text: str) -> Face:
    """The slow step of a PDF (a few ms, ~1 ms more for each character no paper of the
    process used before, ~0.3 s for its first paper): a paper whose characters are all
    in `text` is then set in a few ms."""
    data = None
    try:
        source = _source()
        if source is not None:
            data = source.cut(text)
    except Exception:  # an unusual font file: the fallback still gives a readable paper
        log.warning("CJK font %s unusable for PDF documents", cjk_font(), exc_info=True)
    return Face(frozenset(text), data)


@contextmanager
def _registered(face: Face) -> Iterator[str]:
    """The face registered while the PDF is built, then forgotten again: each paper has
    its own subset, and reportlab's registry would otherwise grow without end (and map a
    second subset of the same face to the first)."""
    font: TTFont | None = None
    if face.data is not None:
        try:
            font = TTFont(EMBEDDED_FONT, io.BytesIO(face.data))
        except Exception:
            log.warning("the cut CJK face is unusable for PDF documents", exc_info=True)
    with _lock:
        if font is None:
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
            yield FALLBACK_FONT
            return
        pdfmetrics.registerFont(font)
        try:
            yield EMBEDDED_FONT
        finally:
            pdfmetrics._fonts.pop(EMBEDDED_FONT, None)
            pdfmetrics._dynFaceNames.pop(font.face.name, None)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )


def paper_text(paper: Paper) -> str:
    """Every character the PDF sets."""
    return "".join(
        (
            paper.agency,
            paper.title,
            paper.number,
            paper.party,
            "：",
            *paper.paragraphs,
            chinese_date(paper.issued_on),
        )
    )


def render_pdf(paper: Paper, face: Face | None = None) -> bytes:
    """A4, in the layout of the printed forms: the agency and title centred, the number
    right, the party, the body, the agency and date at the foot. `invariant` keeps
    reportlab from stamping the time, so the bytes depend on the paper and the face only.
    `face`, cut beforehand, is used when it holds every character of the paper; else the
    face is cut here."""
    text = paper_text(paper)
    if face is None or not face.chars.issuperset(text):
        face = cut_face(text)
    with _registered(face) as font:
        return _build(paper, font)


def _build(paper: Paper, font: str) -> bytes:
    body = ParagraphStyle(
        "body", fontName=font, fontSize=12, leading=21, firstLineIndent=24, wordWrap="CJK"
    )
    head = ParagraphStyle(
        "head", parent=body, fontSize=18, leading=28, alignment=TA_CENTER, firstLineIndent=0
    )
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT, firstLineIndent=0)
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        title=paper.number,
        author=paper.agency,
        invariant=1,
    )
    story = [
        Paragraph(_escape(paper.agency), head),
        Paragraph(_escape(paper.title), head),
        Paragraph(_escape(paper.number), right),
        Spacer(1, 6 * mm),
        Paragraph(_escape(f"{paper.party}："), plain),
    ]
    story += [Paragraph(_escape(p), body) for p in paper.paragraphs]
    story += [
        Spacer(1, 12 * mm),
        Paragraph(_escape(paper.agency), right),
        Paragraph(_escape(chinese_date(paper.issued_on)), right),
    ]
    doc.build(story)
    return out.getvalue()


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def render_docx(paper: Paper) -> bytes:
    """The same paper as an editable Word file, East Asian text set in 宋体."""
    word = WordDocument()
    normal = word.styles["Normal"]
    normal.font.name, normal.font.size = WORD_FONT, Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), WORD_FONT)
    word.core_properties.title, word.core_properties.author = paper.number, paper.agency

    def line(
        text: str, *, align: WD_ALIGN_PARAGRAPH | None = None, size: int | None = None
    ) -> None:
        para = word.add_paragraph()
        run = para.add_run(text)
        run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), WORD_FONT)
        if size:
            run.font.size = Pt(size)
        if align is not None:
            para.alignment = align

    line(paper.agency, align=WD_ALIGN_PARAGRAPH.CENTER, size=18)
    line(paper.title, align=WD_ALIGN_PARAGRAPH.CENTER, size=18)
    line(paper.number, align=WD_ALIGN_PARAGRAPH.RIGHT)
    line(f"{paper.party}：")
    for text in paper.paragraphs:
        line(text)
    line(paper.agency, align=WD_ALIGN_PARAGRAPH.RIGHT)
    line(chinese_date(paper.issued_on), align=WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
