"""The báo cáo tổng hợp as a Word document (.docx), in the Party's administrative format
(Hướng dẫn 36-HD/VPTW): A4, margins 20/20/30/15 mm, Times New Roman 14 pt; the header as a
borderless two-column table (the superior and the sending body, "*", the number left to
fill in | "ĐẢNG CỘNG SẢN VIỆT NAM", place and date); "BÁO CÁO" and its trích yếu; the
sections; "Nơi nhận" and the signature block as a borderless two-column table.

A table wider than ``WIDE_TABLE_COLUMNS`` columns goes on landscape pages of its own
section, the document turning back to portrait after it. Pages after the first carry their
number at the top centre. All text is NFC-normalised."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from services.aggregator.documents.report import (
    Block,
    Report,
    Table,
    landscape_blocks,
    section_number,
)
from shared.contracts.submissions import without_controls

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(13)
WIDE_TABLE_SIZE = Pt(12)
RECIPIENTS_SIZE = Pt(12)
FIRST_LINE_INDENT = Cm(1)
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
LANGUAGE = "vi-VN"
RECALL_COLOUR = RGBColor(0x8E, 0x1B, 0x1B)  # a recall notice: dark red, as on the pages


def _nfc(text: str) -> str:
    """Text as the document holds it: NFC, without what XML cannot hold."""
    # A control character in a unit's text would make python-docx refuse the whole
    # document; it carries nothing a reader sees.
    return without_controls(unicodedata.normalize("NFC", text))


# -- styles and page setup ---------------------------------------------------------------


def _set_fonts(rpr, size: Pt) -> None:
    """Times New Roman in every script slot, no theme font (Word may take Vietnamese
    letters with diacritics for complex or East-Asian script), the size, Vietnamese.

    Only for the run properties of Normal and of the document defaults, which hold nothing
    else: the elements are written anew, in the schema's order."""
    for tag in ("w:rFonts", "w:sz", "w:szCs", "w:lang"):
        for element in rpr.findall(qn(tag)):
            rpr.remove(element)
    fonts = OxmlElement("w:rFonts")
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attribute}"), FONT)
    rpr.insert(0, fonts)
    for tag in ("w:sz", "w:szCs"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), str(int(size.pt * 2)))
        rpr.append(element)
    lang = OxmlElement("w:lang")
    for attribute in ("val", "eastAsia"):
        lang.set(qn(f"w:{attribute}"), LANGUAGE)
    rpr.append(lang)


def _setup_styles(document) -> None:
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _set_fonts(rpr, BODY_SIZE)
    normal = styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.15


def _page(section, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width = PAGE_HEIGHT if landscape else PAGE_WIDTH
    section.page_height = PAGE_WIDTH if landscape else PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance = section.footer_distance = Mm(10)


def _text_width(section) -> int:
    return section.page_width - section.left_margin - section.right_margin


def _page_numbers(section) -> None:
    """The page number at the top centre, from the second page on (36-HD/VPTW)."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _new_section(document, landscape: bool) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    _page(section, landscape)
    # Only the document's first page goes without a number.
    section.different_first_page_header_footer = False


# -- paragraphs ----------------------------------------------------------------------------


def _run(paragraph: Paragraph, text: str, *, bold=False, italic=False, underline=False,
         size: Pt | None = None):  # fmt: skip
    run = paragraph.add_run(_nfc(text))
    run.bold, run.italic = bold or None, italic or None
    run.underline = underline or None
    if size is not None:
        run.font.size = size
    if "  " in text:  # "Số:      -BC/ĐU": keep the blank left for the number
        for t in run._r.findall(qn("w:t")):
            t.set(qn("xml:space"), "preserve")
    return run


def _paragraph(container, text: str = "", *, align=None, indent=None, after=None,
               before=None, size: Pt | None = None, **style) -> Paragraph:  # fmt: skip
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if indent is not None:
        fmt.first_line_indent = indent
    if after is not None:
        fmt.space_after = after
    if before is not None:
        fmt.space_before = before
    if text:
        _run(paragraph, text, size=size, **style)
    return paragraph


def _cell_paragraph(cell, text: str = "", **kwargs) -> Paragraph:
    kwargs.setdefault("after", Pt(0))
    return _paragraph(cell, text, **kwargs)


def _emptied(table: DocxTable) -> DocxTable:
    """A new table without the empty paragraph python-docx puts in each cell: the cells
    are filled with ``_cell_paragraph`` (every cell gets at least one)."""
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                cell._tc.remove(paragraph._p)
    return table


def _outline(paragraph: Paragraph, level: int) -> None:
    """A heading shows in Word's navigation pane without a built-in heading style."""
    paragraph._p.get_or_add_pPr().get_or_add_outlineLvl().set(qn("w:val"), str(level - 1))
    paragraph.paragraph_format.keep_with_next = True


# -- tables --------------------------------------------------------------------------------


def _no_borders(table: DocxTable) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    existing = tblpr.find(qn("w:tblBorders"))
    if existing is not None:
        tblpr.remove(existing)
    # In the schema's order: Word refuses a file whose elements are out of it.
    successors = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                  "w:tblDescription", "w:tblPrChange")  # fmt: skip
    tblpr.insert_element_before(borders, *successors)


def _widths(table: DocxTable, widths: list[int]) -> None:
    table.autofit = False
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        column.set(qn("w:w"), str(Length(width).twips))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _layout_table(document, widths: list[int]) -> DocxTable:
    table = _emptied(document.add_table(rows=1, cols=len(widths)))
    _no_borders(table)
    _widths(table, widths)
    return table


def _column_widths(t: Table, total: int) -> list[int]:
    """STT narrow, the unit name widest, figures equal."""
    weights = []
    for index, numeric in enumerate(t.numeric):
        if index == 0 and numeric:
            weights.append(0.7)
        elif numeric:
            weights.append(1.2)
        elif index == 1:
            weights.append(2.6)
        else:
            weights.append(1.8)
    scale = total / sum(weights)
    return [int(w * scale) for w in weights]


def _header_row(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    trpr.append(element)


def _cant_split(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _data_table(document, t: Table, width: int, size: Pt) -> DocxTable:
    columns = len(t.header)
    lines = [t.header, *t.rows, *([t.total] if t.total else [])]
    table = _emptied(document.add_table(rows=len(lines), cols=columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, _column_widths(t, width))
    last = len(lines) - 1
    for r, (row, values) in enumerate(zip(table.rows, lines, strict=True)):
        _cant_split(row)
        header = r == 0
        total = bool(t.total) and r == last
        if header:
            _header_row(row)
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if header:
                align = WD_ALIGN_PARAGRAPH.CENTER
            elif t.numeric[c]:
                align = WD_ALIGN_PARAGRAPH.RIGHT
            else:
                align = WD_ALIGN_PARAGRAPH.LEFT
            paragraph = _cell_paragraph(cell, value, align=align, bold=header or total, size=size)
            paragraph.paragraph_format.line_spacing = 1.0
    return table


# -- the document --------------------------------------------------------------------------


def _notices(document, report: Report) -> None:
    """A recall, before the header: a reader of the file sees it first."""
    for notice in report.notices:
        paragraph = _paragraph(document, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=Pt(12))
        _run(paragraph, notice, bold=True).font.color.rgb = RECALL_COLOUR


def _masthead(document, report: Report) -> None:
    width = _text_width(document.sections[0])
    left_width = int(width * 0.45)
    table = _layout_table(document, [left_width, width - left_width])
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    if report.superior:
        _cell_paragraph(left, report.superior, align=center)
    _cell_paragraph(left, report.body, align=center, bold=True)
    _cell_paragraph(left, "*", align=center)
    _cell_paragraph(left, report.number, align=center)
    _cell_paragraph(right, report.motto, align=center, bold=True, underline=True, size=Pt(15))
    _cell_paragraph(right, report.place_date, align=center, italic=True, before=Pt(6))


def _title(document, report: Report) -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, report.kind, align=center, bold=True, size=Pt(15), before=Pt(18),
               after=Pt(0))  # fmt: skip
    _paragraph(document, report.subject, align=center, bold=True, after=Pt(0))
    _paragraph(document, "-----", align=center, after=Pt(12))


def _body(document, blocks: list[Block]) -> None:
    chapter = 0
    landscape = False
    wide = landscape_blocks(blocks)
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    for index, block in enumerate(blocks):
        if (index in wide) != landscape:
            landscape = not landscape
            _new_section(document, landscape=landscape)
        if block.kind == "heading":
            text = block.text
            if block.level == 1:
                text = f"{section_number(chapter)}. {text}"
                chapter += 1
            paragraph = _paragraph(document, text, align=justify, indent=FIRST_LINE_INDENT,
                                   bold=True, before=Pt(6))  # fmt: skip
            _outline(paragraph, block.level)
        elif block.kind == "paragraph":
            _paragraph(document, block.text, align=justify, indent=FIRST_LINE_INDENT)
        elif block.kind == "bullets":
            for item in block.items:
                _paragraph(document, f"- {item}", align=justify, indent=FIRST_LINE_INDENT)
        elif block.table is not None:
            size = WIDE_TABLE_SIZE if landscape else TABLE_SIZE
            _data_table(document, block.table, _text_width(document.sections[-1]), size)
            # Some air between the table and what follows.
            _paragraph(document, after=Pt(0))
    if landscape:
        _new_section(document, landscape=False)


def _footer(document, report: Report) -> None:
    width = _text_width(document.sections[-1])
    table = _layout_table(document, [width // 2, width - width // 2])
    _cant_split(table.rows[0])
    left, right = table.rows[0].cells
    _cell_paragraph(left, "Nơi nhận:", bold=True, italic=True)
    for line in report.recipients:
        _cell_paragraph(left, line, size=RECIPIENTS_SIZE).paragraph_format.line_spacing = 1.0
    center = WD_ALIGN_PARAGRAPH.CENTER
    _cell_paragraph(right, report.signer_capacity, align=center, bold=True)
    if report.signer_title:
        _cell_paragraph(right, report.signer_title, align=center, bold=True)
    if report.signer_note:
        _cell_paragraph(right, report.signer_note, align=center, italic=True)
    for _ in range(4):  # room for the signature and the seal
        _cell_paragraph(right, align=center)


def _properties(document, report: Report) -> None:
    core = document.core_properties
    core.title = _nfc(report.title or report.kind)
    core.subject = _nfc(report.subject)
    core.author = _nfc(report.body)
    core.last_modified_by = _nfc(report.body)
    core.language = LANGUAGE
    core.comments = ""
    core.keywords = ""
    core.created = core.modified = datetime.now(UTC).replace(microsecond=0)
    core.revision = 1


def render(report: Report) -> bytes:
    document = Document()
    _setup_styles(document)
    _page(document.sections[0])
    _page_numbers(document.sections[0])
    _notices(document, report)
    _masthead(document, report)
    _title(document, report)
    _body(document, report.blocks)
    _paragraph(document, after=Pt(0))
    _footer(document, report)
    # Word ends a document with a paragraph; a tiny one, so it never spills to a new page.
    _paragraph(document, after=Pt(0)).paragraph_format.line_spacing = Pt(1)
    _properties(document, report)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
