"""The báo cáo tổng hợp as .docx and HTML: what the office opens, prints and files.

Built from the synthesis of a real chi bộ-level run (``tests/fixtures/synthesis``) and from
small variations of it (a name with markup, decomposed Vietnamese, big numbers, a narrow
table, two requirements)."""

from __future__ import annotations

import copy
import io
import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from services.aggregator.documents import docx as docx_renderer
from services.aggregator.documents import html as html_renderer
from services.aggregator.documents.report import Report, build_report, section_number

FIXTURE = Path(__file__).parents[1] / "fixtures" / "synthesis" / "chi-bo-level.json"
MARKUP = "Chi bộ <b>x</b> & Văn phòng"


@pytest.fixture(scope="module")
def synthesis() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report(synthesis) -> Report:
    return build_report(synthesis)


@pytest.fixture(scope="module")
def document(report):
    return docx.Document(io.BytesIO(docx_renderer.render(report)))


@pytest.fixture(scope="module")
def page(report) -> str:
    return html_renderer.render(report)


# -- helpers -------------------------------------------------------------------------------


def _unit_table_of(report: Report):
    tables = [b.table for b in report.blocks if b.kind == "table"]
    assert len(tables) == 1
    return tables[0]


def _level_one_headings(report: Report) -> list[str]:
    headings = [b.text for b in report.blocks if b.kind == "heading" and b.level == 1]
    return [f"{section_number(i)}. {text}" for i, text in enumerate(headings)]


def _paragraph_texts(document) -> list[str]:
    """Body paragraphs, then those in every table cell."""
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                texts += [p.text for p in cell.paragraphs]
    return texts


def _all_text(document) -> str:
    """Every w:t of the body and of the headers, as Word would show it."""
    parts = [t.text or "" for t in document.element.body.iter(qn("w:t"))]
    for section in document.sections:
        parts += [t.text or "" for t in section.header._element.iter(qn("w:t"))]
    return "\n".join(parts)


def _table_starting_with(document, *first: str):
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[: len(first)] == list(first):
            return table
    raise AssertionError(f"no table whose header starts with {first}")


def _rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def _section_of(document, table) -> int:
    """The index of the section a body table belongs to: the sections end at paragraphs
    holding a w:sectPr, the last one at the body's own."""
    section = 0
    for element in document.element.body.iterchildren():
        if element is table._tbl:
            return section
        if (
            element.tag == qn("w:p")
            and element.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None
        ):
            section += 1
    raise AssertionError("table not in the body")


def _child(synthesis: dict, unit_id: str) -> dict:
    children = synthesis["requirements"][0]["children"]
    return next(c for c in children if c["unit_id"] == unit_id)


def _render_both(synthesis: dict) -> tuple[Report, object, str]:
    report = build_report(synthesis)
    return (
        report,
        docx.Document(io.BytesIO(docx_renderer.render(report))),
        html_renderer.render(report),
    )


class _Page(HTMLParser):
    """The text of the h2 headings and the rows of the data tables, with cell classes."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.rows: list[tuple[str, list[tuple[str, str]]]] = []  # (row class, [(class, text)])
        self._in: str | None = None
        self._text = ""
        self._row: list[tuple[str, str]] | None = None
        self._row_class = ""
        self._cell_class = ""
        self._data = False  # in a table.data (not the header's or the footer's layout)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self._data = "data" in (attributes.get("class") or "").split()
        elif tag == "h2":
            self._in, self._text = "h2", ""
        elif tag == "tr" and self._data:
            self._row, self._row_class = [], attributes.get("class") or ""
        elif tag in ("td", "th") and self._row is not None:
            self._in, self._text, self._cell_class = "cell", "", attributes.get("class") or ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._data = False
        elif tag == "h2" and self._in == "h2":
            self.headings.append(self._text)
            self._in = None
        elif tag in ("td", "th") and self._in == "cell" and self._row is not None:
            self._row.append((self._cell_class, self._text))
            self._in = None
        elif tag == "tr" and self._row is not None:
            self.rows.append((self._row_class, self._row))
            self._row = None

    def handle_data(self, data):
        if self._in:
            self._text += data


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


# -- .docx ---------------------------------------------------------------------------------


def test_docx_has_the_administrative_parts(report, document):
    texts = _paragraph_texts(document)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in texts
    assert "BÁO CÁO" in texts
    assert report.subject in texts
    assert report.body in texts and report.superior in texts
    assert "Số:      -BC/ĐU" in texts  # the blank for the number kept
    assert report.place_date in texts
    headings = _level_one_headings(report)
    assert headings[:4] == [
        "I. TÌNH HÌNH TRIỂN KHAI THỰC HIỆN",
        "II. KẾT QUẢ THỰC HIỆN",
        "III. ĐƠN VỊ CHƯA BÁO CÁO, BÁO CÁO MUỘN",
        "IV. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    body = [p.text for p in document.paragraphs]
    for heading in headings:
        assert heading in body
    # In the model's order.
    assert [body.index(h) for h in headings] == sorted(body.index(h) for h in headings)
    assert "Nơi nhận:" in texts
    for line in report.recipients:
        assert line in texts
    assert report.signer_capacity == "T/M ĐẢNG ỦY"
    assert report.signer_capacity in texts and report.signer_title in texts
    assert report.signer_note in texts
    # The bullets in the administrative way.
    assert any(t.startswith("- Chưa báo cáo (6): Chi bộ Ban Thi đua - Khen thưởng") for t in body)


def test_docx_header_and_footer_are_borderless_two_column_tables(document):
    header, footer = document.tables[0], document.tables[-1]
    assert len(header.columns) == 2 and len(footer.columns) == 2
    left, right = (c.text for c in header.rows[0].cells)
    assert left.startswith("ĐẢNG BỘ KHỐI CƠ QUAN") and "ĐẢNG ỦY SỞ NỘI VỤ" in left
    assert right.startswith("ĐẢNG CỘNG SẢN VIỆT NAM")
    assert footer.rows[0].cells[0].text.startswith("Nơi nhận:")
    assert footer.rows[0].cells[1].text.startswith("T/M ĐẢNG ỦY")
    for table in (header, footer):
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert borders is not None
        assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    motto = header.rows[0].cells[1].paragraphs[0].runs[0]
    assert motto.text == "ĐẢNG CỘNG SẢN VIỆT NAM" and motto.bold and motto.underline
    place_date = header.rows[0].cells[1].paragraphs[1].runs[0]
    assert place_date.italic


def test_docx_holds_the_unit_table(report, document):
    expected = _unit_table_of(report)
    table = _table_starting_with(document, "STT", "Đơn vị")
    rows = _rows(table)
    assert rows[0] == expected.header
    assert rows[1:-1] == expected.rows
    assert [r[1] for r in rows[1:-1]][:2] == [
        "Chi bộ Ban Thi đua - Khen thưởng",
        "Chi bộ Ban Tôn giáo",
    ]
    assert rows[-1] == expected.total
    assert rows[-1][1] == "Tổng cộng"
    # The header row repeats on each page, the total is bold, figures right-aligned.
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r.bold for c in table.rows[0].cells for r in c.paragraphs[0].runs)
    assert all(r.bold for c in table.rows[-1].cells for p in c.paragraphs for r in p.runs)
    assert not any(r.bold for c in table.rows[1].cells for p in c.paragraphs for r in p.runs)
    volunteers = table.rows[9].cells  # Chi bộ Văn phòng Sở: "94,7%"
    assert volunteers[7].text == "94,7%"
    for index, numeric in enumerate(expected.numeric):
        align = volunteers[index].paragraphs[0].alignment
        assert (align == WD_ALIGN_PARAGRAPH.RIGHT) == numeric, expected.header[index]
    assert table.style.name == "Table Grid"


def test_docx_page_setup_and_fonts(report, document):
    first = document.sections[0]
    assert abs(first.page_width - Mm(210)) < Mm(0.5)
    assert abs(first.page_height - Mm(297)) < Mm(0.5)
    assert first.orientation == WD_ORIENT.PORTRAIT
    for section in document.sections:
        assert abs(section.top_margin - Mm(20)) < Mm(0.5)
        assert abs(section.bottom_margin - Mm(20)) < Mm(0.5)
        assert abs(section.left_margin - Mm(30)) < Mm(0.5)
        assert abs(section.right_margin - Mm(15)) < Mm(0.5)
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        assert fonts.get(qn(f"w:{slot}")) == "Times New Roman", slot
    assert document.core_properties.title == report.title
    assert document.core_properties.language == "vi-VN"


def test_a_wide_table_goes_on_a_landscape_section(report, document):
    assert len(_unit_table_of(report).header) > 6  # 3 + the 6 figure columns filled in
    table = _table_starting_with(document, "STT", "Đơn vị")
    section = document.sections[_section_of(document, table)]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    assert abs(section.page_width - Mm(297)) < Mm(0.5)
    # Back to portrait for the rest, the signature included.
    assert document.sections[0].orientation == WD_ORIENT.PORTRAIT
    last = document.sections[-1]
    assert last.orientation == WD_ORIENT.PORTRAIT and last.page_width < last.page_height
    assert _section_of(document, document.tables[-1]) == len(document.sections) - 1


def test_a_narrow_table_stays_portrait(synthesis):
    narrow = copy.deepcopy(synthesis)
    form = narrow["requirements"][0]["form"]
    form["columns"] = form["columns"][:2]
    report, document, page = _render_both(narrow)
    assert len(_unit_table_of(report).header) == 5
    assert all(s.orientation == WD_ORIENT.PORTRAIT for s in document.sections)
    assert len(document.sections) == 1
    assert (
        _rows(_table_starting_with(document, "STT", "Đơn vị"))[1:-1] == _unit_table_of(report).rows
    )
    assert 'class="table-wrap wide"' not in page and "data wide" not in page


# -- HTML ----------------------------------------------------------------------------------


def test_html_is_a_complete_vietnamese_document(report, page):
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in page
    assert '<meta charset="utf-8">' in page.lower()
    assert page.rstrip().endswith("</html>")
    assert f"<title>{report.title}</title>" in page
    for text in ("ĐẢNG CỘNG SẢN VIỆT NAM", "BÁO CÁO", report.subject, report.place_date,
                 "Nơi nhận:", "T/M ĐẢNG ỦY", "BÍ THƯ", report.body, report.superior):  # fmt: skip
        assert text in page
    assert "Số:      -BC/ĐU" in page
    parsed = _parse(page)
    assert parsed.headings == _level_one_headings(report)
    assert parsed.headings[0] == "I. TÌNH HÌNH TRIỂN KHAI THỰC HIỆN"


def test_html_holds_the_unit_table(report, page):
    expected = _unit_table_of(report)
    rows = _parse(page).rows
    assert [text for _, text in rows[0][1]] == expected.header
    assert [[text for _, text in cells] for _, cells in rows[1:-1]] == expected.rows
    total_class, total = rows[-1]
    assert total_class == "total" and [text for _, text in total] == expected.total
    for _, cells in rows[1:]:
        assert [cls == "num" for cls, _ in cells] == expected.numeric
    assert "94,7%" in [text for _, text in rows[9][1]]


def test_html_prints_the_wide_table_landscape(page):
    assert re.search(r"@page\s+wide\s*\{[^}]*landscape", page)
    assert '<div class="table-wrap wide">' in page


def test_html_has_no_external_resource_and_no_script(page, synthesis):
    pages = [page, html_renderer.render(build_report(_with_markup(synthesis)))]
    for text in pages:
        lowered = text.lower()
        assert "http://" not in lowered and "https://" not in lowered
        assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*//""", lowered)
        assert " src=" not in lowered and "<link" not in lowered and "<img" not in lowered
        assert "<script" not in lowered and "javascript:" not in lowered
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", lowered)  # no event handler
        assert "@import" not in lowered and "url(" not in lowered
        assert "<iframe" not in lowered and "<object" not in lowered


# -- data from the units: escaped, normalised, numbers kept --------------------------------


def _with_markup(synthesis: dict) -> dict:
    s = copy.deepcopy(synthesis)
    _child(s, "cb-snv-ton-giao")["name"] = MARKUP
    for entry in s["requirements"][0]["missing"]:
        if entry.get("name") == "Chi bộ Ban Tôn giáo":
            entry["name"] = MARKUP
    return s


def test_markup_in_the_data_is_escaped_in_html_and_kept_as_text_in_docx(synthesis):
    report, document, page = _render_both(_with_markup(synthesis))
    assert MARKUP in [row[1] for row in _unit_table_of(report).rows]
    assert "<b>x</b>" not in page
    assert "Chi bộ &lt;b&gt;x&lt;/b&gt; &amp; Văn phòng" in page
    assert "Chưa báo cáo (6): Chi bộ Ban Thi đua - Khen thưởng; Chi bộ &lt;b&gt;x" in page
    rows = _rows(_table_starting_with(document, "STT", "Đơn vị"))
    assert rows[2][1] == MARKUP


def test_all_text_is_nfc_even_from_decomposed_input(synthesis, document, page):
    assert unicodedata.is_normalized("NFC", _all_text(document))
    assert unicodedata.is_normalized("NFC", page)

    s = copy.deepcopy(synthesis)
    name = "Chi bộ Phòng Tổ chức - Biên chế"
    decomposed = unicodedata.normalize("NFD", name)
    assert decomposed != name
    _child(s, "cb-snv-to-chuc-bien-che")["name"] = decomposed
    s["unit"]["name"] = unicodedata.normalize("NFD", s["unit"]["name"])
    s["directive"]["title"] = unicodedata.normalize("NFD", s["directive"]["title"])
    report, document, page = _render_both(s)
    assert not unicodedata.is_normalized("NFC", report.subject + report.body)  # the input
    text = _all_text(document)
    assert unicodedata.is_normalized("NFC", text)
    assert unicodedata.is_normalized("NFC", page)
    assert unicodedata.is_normalized("NFC", document.core_properties.title)
    assert name in _rows(_table_starting_with(document, "STT", "Đơn vị"))[5]
    assert f"<td>{name}</td>" in page
    assert "ĐẢNG ỦY SỞ NỘI VỤ" in text and "ĐẢNG ỦY SỞ NỘI VỤ" in page


def test_vietnamese_numbers_survive(synthesis):
    s = copy.deepcopy(synthesis)
    requirement = s["requirements"][0]
    _child(s, "cb-snv-van-phong")["figures"]["participants"] = "1.234 lượt người"
    for figure in requirement["figures"]:
        if figure["name"] == "participants":
            figure["value"], figure["text"] = 1275, "1.275 lượt người"
    _, document, page = _render_both(s)
    rows = _rows(_table_starting_with(document, "STT", "Đơn vị"))
    office = next(r for r in rows if r[1] == "Chi bộ Văn phòng Sở")
    assert office[4] == "1.234" and office[7] == "94,7%"
    assert rows[-1][4] == "1.275"
    assert "Số lượt người tham gia: 1.275 lượt người." in _all_text(document)
    assert '<td class="num">1.234</td>' in page
    assert '<td class="num">94,7%</td>' in page
    assert '<td class="num">1.275</td>' in page
    assert "33,3%" in page and "33,3%" in _all_text(document)


def test_several_requirements_number_their_subsections(synthesis):
    s = copy.deepcopy(synthesis)
    second = copy.deepcopy(s["requirements"][0])
    second["id"], second["action"] = "r2", "gửi danh sách đảng viên tham gia"
    s["requirements"].append(second)
    report, document, page = _render_both(s)
    body = [p.text for p in document.paragraphs]
    assert "1. Báo cáo kết quả thực hiện" in body
    assert "2. Gửi danh sách đảng viên tham gia" in body
    assert [h for h in body if re.match(r"^[IV]+\. ", h)] == _level_one_headings(report)
    assert "<h3" in page and "2. Gửi danh sách đảng viên tham gia</h3>" in page
    # Two wide tables, each on landscape pages; the signature back on a portrait one.
    tables = [t for t in document.tables if t.rows[0].cells[0].text == "STT"]
    assert len(tables) == 2
    for table in tables:
        orientation = document.sections[_section_of(document, table)].orientation
        assert orientation == WD_ORIENT.LANDSCAPE
    assert document.sections[-1].orientation == WD_ORIENT.PORTRAIT
