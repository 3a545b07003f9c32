"""A document's PDF as a reader gets it: the paper's text, every character drawn in the
embedded Chinese face, the same bytes for the same paper whatever was issued before."""

from __future__ import annotations

import io
from datetime import date

import pikepdf
import pypdf
import pytest
from fontTools.ttLib import TTFont

from app.services.cases.document_render import (
    Paper,
    cjk_font,
    cut_face,
    paper_text,
    render_pdf,
)
from tests.needs import NO_CJK_FONT

PAPER = Paper(
    agency="黄骅市人力资源和社会保障局",
    title="劳动保障监察责令改正指令书",
    number="黄人社监令〔2026〕7号",
    party="黄骅市宏达砖厂",
    paragraphs=(
        "经查，你单位使用童工1名（15周岁），扣押劳动者居民身份证6张，"
        "拖欠19名劳动者工资共计57,000.00元。",
        "依据《禁止使用童工规定》第六条、《劳动合同法》第八十四条，"
        "责令你单位于2026年12月10日前改正（ABC abc）。",
    ),
    issued_on=date(2026, 12, 3),
)


@pytest.fixture(autouse=True)
def _a_chinese_face() -> None:
    if cjk_font() is None:
        pytest.skip(NO_CJK_FONT)


def _embedded_faces(pdf: bytes) -> list[TTFont]:
    faces = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for font in page.Resources.Font.values():
                for part in [font, *font.get("/DescendantFonts", [])]:
                    descriptor = part.get("/FontDescriptor")
                    if descriptor is not None and "/FontFile2" in descriptor:
                        data = descriptor.FontFile2.read_bytes()
                        faces.append(TTFont(io.BytesIO(data)))
    return faces


def test_the_text_copied_out_of_the_pdf_is_the_paper() -> None:
    text = pypdf.PdfReader(io.BytesIO(render_pdf(PAPER))).pages[0].extract_text()
    flat = "".join(text.split())
    for part in (PAPER.agency, PAPER.title, PAPER.number, PAPER.party, *PAPER.paragraphs):
        assert "".join(part.split()) in flat
    assert "2026年12月3日" in flat


def test_every_character_is_drawn_in_the_embedded_face() -> None:
    """A glyph without an outline prints as a blank: every distinct character of the
    paper (but the space) has one with contours in the fonts the PDF embeds."""
    faces = _embedded_faces(render_pdf(PAPER))
    assert faces, "no font embedded"
    drawn = sum(
        1
        for face in faces
        for name in face.getGlyphOrder()
        if name != ".notdef" and face["glyf"][name].numberOfContours != 0
    )
    written = set(
        "".join((PAPER.agency, PAPER.title, PAPER.number, PAPER.party, *PAPER.paragraphs))
    )
    written |= set("2026年12月3日：")
    assert drawn >= len(written - {" "})


def test_the_same_paper_gives_the_same_bytes_whatever_was_cut_before() -> None:
    """The stored sha256 is the paper's and its face's: the glyphs kept from the papers
    cut in between change nothing, whether the face is cut beforehand (as issuing does,
    with every digit for the number still to come) or by the render itself."""
    ahead = paper_text(PAPER) + "0123456789"
    first, first_ahead = render_pdf(PAPER), render_pdf(PAPER, cut_face(ahead))
    cut_face("另一份文书：行政处罚决定书，罚款人民币贰万元整。")
    assert render_pdf(PAPER) == first
    assert render_pdf(PAPER, cut_face(ahead)) == first_ahead
