"""A document's PDF as a reader gets it: the paper's text, every character drawn in the
embedded Chinese face, the same bytes for the same paper whatever was issued before."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pikepdf
import pypdf
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from app.services.cases.document_render import (
    Paper,
    _Source,
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
    assert _embedded_faces(render_pdf(PAPER)), "the paper fell back to an unembedded font"
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
    assert drawn >= len(set(paper_text(PAPER)) - {" "})


def test_the_cut_face_has_each_character_outlined_and_spaced_as_the_face() -> None:
    """Character by character: mapped, outlined, and as wide as in the machine's face
    (a wrong advance would crowd or spread the printed line)."""
    text = paper_text(PAPER)
    face = cut_face(text)
    assert face.data is not None, "no usable Chinese face: the paper fell back"
    cut = TTFont(io.BytesIO(face.data))
    found = cjk_font()
    assert found is not None
    with TTFont(found[0], fontNumber=found[1], lazy=True) as source:
        widths = source["hmtx"]
        source_cmap = source.getBestCmap()
        cmap = cut.getBestCmap()
        for char in set(text) - {" "}:
            name = cmap[ord(char)]
            assert cut["glyf"][name].numberOfContours > 0, char
            assert cut["hmtx"][name][0] == widths[source_cmap[ord(char)]][0], char


def _glyf_face_with_a_composite(path: Path) -> None:
    """A TrueType-outline face (as WenQuanYi or SimSun are): 口 a square drawn
    clockwise, 回 a composite of two 口, the inner one scaled down."""
    built = FontBuilder(1000, isTTF=True)
    built.setupGlyphOrder([".notdef", "kou", "hui"])
    built.setupCharacterMap({ord("口"): "kou", ord("回"): "hui"})
    square = TTGlyphPen(None)
    square.moveTo((100, 100))
    square.lineTo((100, 900))
    square.lineTo((900, 900))
    square.lineTo((900, 100))
    square.closePath()
    kou = square.glyph()
    both = TTGlyphPen({"kou": kou})
    both.addComponent("kou", (1, 0, 0, 1, 0, 0))
    both.addComponent("kou", (0.5, 0, 0, 0.5, 250, 250))
    built.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "kou": kou, "hui": both.glyph()})
    built.setupHorizontalMetrics({name: (1000, 100) for name in (".notdef", "kou", "hui")})
    built.setupHorizontalHeader(ascent=880, descent=-120)
    built.setupNameTable({"familyName": "Test Song", "styleName": "Regular"})
    built.setupOS2(fsType=0)
    built.setupPost()
    built.save(str(path))


def test_a_truetype_face_with_composite_glyphs_is_cut_whole(tmp_path: Path) -> None:
    """回 is drawn from its components (both squares), 口 keeps its contour direction."""
    path = tmp_path / "song.ttf"
    _glyf_face_with_a_composite(path)
    source = _Source(str(path), 0)
    try:
        cut = TTFont(io.BytesIO(source.cut("口回")))
    finally:
        source.close()
    cmap = cut.getBestCmap()
    glyf = cut["glyf"]
    hui, kou = glyf[cmap[ord("回")]], glyf[cmap[ord("口")]]
    assert not hui.isComposite() and hui.numberOfContours == 2
    points = list(kou.getCoordinates(glyf)[0])
    assert points == [(100, 100), (100, 900), (900, 900), (900, 100)]


def test_the_bytes_do_not_change_when_the_kept_glyphs_are_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = cjk_font()
    assert found is not None
    keeping = _Source(*found)
    kept = keeping.cut(paper_text(PAPER))
    keeping.close()
    monkeypatch.setattr(_Source, "KEEP", 2)
    dropping = _Source(*found)
    try:
        dropping.cut("回")
        dropping.cut("口回")  # over KEEP: the face is opened afresh
        assert dropping.cut(paper_text(PAPER)) == kept
    finally:
        dropping.close()


def test_the_same_paper_gives_the_same_bytes_whatever_was_cut_before() -> None:
    """The stored sha256 is the paper's and its face's: the glyphs kept from the papers
    cut in between change nothing, whether the face is cut beforehand (as issuing does,
    with every digit for the number still to come) or by the render itself."""
    ahead = paper_text(PAPER) + "0123456789"
    first, first_ahead = render_pdf(PAPER), render_pdf(PAPER, cut_face(ahead))
    cut_face("另一份文书：行政处罚决定书，罚款人民币贰万元整。")
    assert render_pdf(PAPER) == first
    assert render_pdf(PAPER, cut_face(ahead)) == first_ahead
