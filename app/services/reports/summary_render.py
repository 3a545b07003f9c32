"""A drafted summary as an editable Word file and as Markdown, the same text in both.

The Word file is set as official documents are (党政机关公文格式 GB/T 9704-2012):
A4 with 37/35/28/26 mm margins, the title in 宋体 二号 bold (the standard's 小标宋 is
rarely installed), first-level headings in 黑体 三号, the body in 仿宋 三号 with a
two-character first-line indent and a fixed 28-point line. Word picks a Chinese font
by the East Asian attribute (w:eastAsia) of each run, not by the font name alone, so
every run carries it.
"""

from __future__ import annotations

import io

from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from app.domain.summary import Draft

TITLE_FONT = "宋体"  # 方正小标宋简体 is the standard's, rarely installed: the office may set it
HEADING_FONT = "黑体"
BODY_FONT = "仿宋"
NOTE_FONT = "楷体"
SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号


def _run(para: Paragraph, text: str, font: str, size: Pt, *, bold: bool = False) -> None:
    run = para.add_run(text)
    run.font.name, run.font.size, run.font.bold = font, size, bold
    fonts = run.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), "Times New Roman" if font == BODY_FONT else font)


def render_docx(draft: Draft) -> bytes:
    word = WordDocument()
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = word.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, SIZE_BODY
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    word.core_properties.title = draft.title
    word.core_properties.author = draft.office

    def para(*, align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = False) -> Paragraph:
        p = word.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
        fmt.space_before = fmt.space_after = Pt(0)
        if indent:
            fmt.first_line_indent = Pt(32)  # two characters of 三号
        if align is not None:
            p.alignment = align
        return p

    title = para(align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(title, draft.title, TITLE_FONT, SIZE_TITLE, bold=True)
    para()
    _run(para(indent=True), draft.opening, BODY_FONT, SIZE_BODY)
    for heading, paragraphs in draft.sections:
        _run(para(indent=True), heading, HEADING_FONT, SIZE_BODY)
        for text in paragraphs:
            _run(para(indent=True), text, BODY_FONT, SIZE_BODY)
    para()
    _run(para(align=WD_ALIGN_PARAGRAPH.RIGHT), draft.office, BODY_FONT, SIZE_BODY)
    _run(para(align=WD_ALIGN_PARAGRAPH.RIGHT), draft.dated, BODY_FONT, SIZE_BODY)
    para()
    _run(para(indent=True), draft.note, NOTE_FONT, Pt(12))
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def render_markdown(draft: Draft) -> str:
    parts = [f"# {draft.title}", draft.opening]
    for heading, paragraphs in draft.sections:
        parts.append(f"## {heading}")
        parts.extend(paragraphs)
    parts += [f"{draft.office}  \n{draft.dated}", f"> {draft.note}"]
    return "\n\n".join(parts) + "\n"
