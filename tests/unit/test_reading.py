"""services/issuer/documents/reading.py: a document file (.txt, .md, .docx, .pdf) comes back as
the NFC text lines the parser reads, or as a DocumentError that says plainly what is wrong."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from services.issuer.documents.errors import DocumentError
from services.issuer.documents.reading import MAX_BYTES, SUPPORTED, read_bytes, read_file

SEEDS = Path(__file__).resolve().parents[2] / "chidao" / "demo" / "seeds"
DOCUMENTS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"


def _docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _cell_lines(cell, lines: list[str]) -> None:
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _cp1258(text: str) -> bytes:
    """Encode Vietnamese as Windows-1258 does: precomposed base vowels (â, ê, ơ, ư, ă, ...)
    followed by a combining tone mark, since cp1258 has no precomposed toned vowels."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
            out += (base + "".join(c for c in decomposed if c in tones)).encode("cp1258")
    return bytes(out)


VIETNAMESE = "Đảng ủy Sở Nội vụ\nHưng Yên, ngày 19 tháng 6 năm 2024\nKẾ HOẠCH thực hiện"


# -- .txt and .md ----------------------------------------------------------------------------


def test_a_seed_comes_back_line_for_line_in_nfc():
    path = SEEDS / "003_e88aeaad7985e01b.txt"
    lines = read_file(path)
    assert lines == path.read_text(encoding="utf-8").splitlines()
    assert all(unicodedata.is_normalized("NFC", line) for line in lines)
    assert "Số 101 -KH/ĐU" in lines
    assert "Hưng Yên, ngày 19 tháng 6 năm 2024" in lines


def test_tabs_of_a_flattened_two_column_header_are_kept():
    lines = read_file(SEEDS / "004_c6178579b908293c.txt")
    assert "\tĐẢNG CỘNG SẢN VIỆT NAM" in lines
    assert lines[0] == " \t ĐẢNG ỦY KHỐI CƠ QUAN"


def test_nfd_text_comes_back_nfc():
    nfd = unicodedata.normalize("NFD", VIETNAMESE)
    assert nfd != VIETNAMESE
    assert read_bytes(nfd.encode("utf-8"), "ke-hoach.txt") == VIETNAMESE.split("\n")


def test_a_utf8_bom_is_dropped():
    lines = read_bytes(b"\xef\xbb\xbf" + VIETNAMESE.encode("utf-8"), "ke-hoach.txt")
    assert lines[0] == "Đảng ủy Sở Nội vụ"


def test_cp1258_vietnamese_is_decoded():
    data = _cp1258(VIETNAMESE)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert read_bytes(data, "cu.txt") == VIETNAMESE.split("\n")


def test_utf16_with_a_bom_is_decoded():
    assert read_bytes(VIETNAMESE.encode("utf-16"), "notepad.txt") == VIETNAMESE.split("\n")


def test_blank_lines_tabs_and_crlf_line_ends():
    data = "ĐẢNG BỘ TỈNH\tĐẢNG CỘNG SẢN VIỆT NAM\r\n\r\n  KẾ HOẠCH \r\n".encode()
    assert read_bytes(data, "a.txt") == ["ĐẢNG BỘ TỈNH\tĐẢNG CỘNG SẢN VIỆT NAM", "", "  KẾ HOẠCH "]


def test_markdown_is_returned_as_is():
    text = "**KẾ HOẠCH**\n\n_Triển khai_ đợt sinh hoạt\n# I- MỤC ĐÍCH"
    assert read_bytes(text.encode(), "ke-hoach.md") == text.split("\n")


def test_extension_is_case_insensitive(tmp_path):
    path = tmp_path / "KE-HOACH.TXT"
    path.write_text(VIETNAMESE, encoding="utf-8")
    assert read_file(path) == VIETNAMESE.split("\n")


# -- .docx -----------------------------------------------------------------------------------


def test_docx_header_table_paragraphs_line_breaks_and_body_table_in_order():
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Trang đầu (header, not read)"
    header = document.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    _cell_lines(left, ["ĐẢNG BỘ TỈNH HƯNG YÊN", "ĐẢNG ỦY SỞ NỘI VỤ", "*", "Số 101-KH/ĐU"])
    _cell_lines(right, ["ĐẢNG CỘNG SẢN VIỆT NAM", "Hưng Yên, ngày 19 tháng 6 năm 2024"])
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Triển khai đợt sinh hoạt chính trị về tác phẩm của Tổng Bí thư")
    document.add_paragraph("Thực hiện Kế hoạch số 153-KH/ĐUK ngày 16/5/2024 của Đảng ủy Khối.")
    broken = document.add_paragraph("Các chi bộ báo cáo kết quả")
    broken.add_run().add_break()
    broken.add_run("trước ngày 10/12/2024.")
    tasks = document.add_table(rows=2, cols=3)
    for row, texts in zip(
        tasks.rows,
        [("TT", "Nội dung", "Thời gian"), ("1", "Quán triệt", "Tháng 6/2024")],
        strict=True,
    ):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    document.add_paragraph("Nơi nhận:")

    assert read_bytes(_docx_bytes(document), "101-KH.docx") == [
        "ĐẢNG BỘ TỈNH HƯNG YÊN",
        "ĐẢNG ỦY SỞ NỘI VỤ",
        "*",
        "Số 101-KH/ĐU",
        "\tĐẢNG CỘNG SẢN VIỆT NAM",
        "\tHưng Yên, ngày 19 tháng 6 năm 2024",
        "KẾ HOẠCH",
        "Triển khai đợt sinh hoạt chính trị về tác phẩm của Tổng Bí thư",
        "Thực hiện Kế hoạch số 153-KH/ĐUK ngày 16/5/2024 của Đảng ủy Khối.",
        "Các chi bộ báo cáo kết quả",
        "trước ngày 10/12/2024.",
        "TT",
        "\tNội dung",
        "\tThời gian",
        "1",
        "\tQuán triệt",
        "\tTháng 6/2024",
        "Nơi nhận:",
    ]


def test_docx_merged_cells_are_read_once_and_blank_cell_edges_dropped():
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    top, bottom = table.rows
    top.cells[0].merge(top.cells[1]).text = "Nội dung"
    top.cells[2].merge(bottom.cells[2]).text = "Thời gian"
    _cell_lines(bottom.cells[0], ["", "Quán triệt", "", "Nghị quyết", ""])
    bottom.cells[1].text = "Chi bộ"

    assert read_bytes(_docx_bytes(document), "bang.docx") == [
        "Nội dung",
        "\tThời gian",
        "Quán triệt",
        "",
        "Nghị quyết",
        "\tChi bộ",
    ]


def test_docx_tabs_tracked_insertions_and_content_controls():
    document = docx.Document()
    document.add_paragraph("ĐẢNG BỘ TỈNH\tĐẢNG CỘNG SẢN VIỆT NAM")
    tracked = document.add_paragraph("Báo cáo trước ngày ")
    tracked._p.append(
        parse_xml(
            f"<w:del {nsdecls('w')} w:id='1' w:author='a'>"
            "<w:r><w:delText>5/12/2024</w:delText></w:r></w:del>"
        )
    )
    tracked._p.append(
        parse_xml(
            f"<w:ins {nsdecls('w')} w:id='2' w:author='a'><w:r><w:t>10/12/2024</w:t></w:r></w:ins>"
        )
    )
    document.element.body.insert(
        len(document.element.body) - 1,  # before w:sectPr
        parse_xml(
            f"<w:sdt {nsdecls('w')}><w:sdtContent>"
            "<w:p><w:r><w:t>Kính gửi: các chi bộ</w:t></w:r></w:p>"
            "</w:sdtContent></w:sdt>"
        ),
    )
    page_break = document.add_paragraph("Trang 1")
    page_break.add_run().add_break(WD_BREAK.PAGE)
    page_break.add_run("Trang 2")

    assert read_bytes(_docx_bytes(document), "sua.docx") == [
        "ĐẢNG BỘ TỈNH\tĐẢNG CỘNG SẢN VIỆT NAM",
        "Báo cáo trước ngày 10/12/2024",
        "Kính gửi: các chi bộ",
        "Trang 1",
        "Trang 2",
    ]


def test_docx_text_comes_back_nfc():
    document = docx.Document()
    document.add_paragraph(unicodedata.normalize("NFD", "Đảng ủy Sở Nội vụ"))
    assert read_bytes(_docx_bytes(document), "nfd.docx") == ["Đảng ủy Sở Nội vụ"]


# -- .pdf ------------------------------------------------------------------------------------


def test_pdf_two_column_header_comes_back_on_one_line_split_by_a_tab():
    # What pypdf's layout mode gives for a line holding two columns, e.g.
    # "      ĐẢNG BỘ TỈNH HƯNG YÊN                                ĐẢNG CỘNG SẢN VIỆT NAM",
    # becomes "ĐẢNG BỘ TỈNH HƯNG YÊN\tĐẢNG CỘNG SẢN VIỆT NAM". A line with text in the right
    # column only would come back without a tab (leading spaces are dropped).
    assert read_file(DOCUMENTS / "ke_hoach_101.pdf") == [
        "ĐẢNG BỘ TỈNH HƯNG YÊN\tĐẢNG CỘNG SẢN VIỆT NAM",
        "ĐẢNG ỦY SỞ NỘI VỤ",
        "*",
        "Số 101-KH/ĐU\tHưng Yên, ngày 19 tháng 6 năm 2024",
        "",
        "KẾ HOẠCH",
        "Triển khai đợt sinh hoạt chính trị về tác phẩm của Tổng Bí thư",
        "",
        "Thực hiện Kế hoạch số 153-KH/ĐUK ngày 16/5/2024 của Đảng ủy Khối,",
        "Đảng ủy Sở Nội vụ xây dựng kế hoạch thực hiện như sau:",
        "I- MỤC ĐÍCH, YÊU CẦU",
        "- Giúp đảng viên nhận thức sâu sắc nội dung tác phẩm.",
        # page 2: no blank line between pages
        "II- TỔ CHỨC THỰC HIỆN",
        "- Các chi bộ báo cáo kết quả về Đảng ủy trước ngày 10/12/2024.",
        "",
        "Nơi nhận:\tT/M ĐẢNG ỦY",
        "- Ban Thường vụ Đảng ủy Khối (báo cáo),\tBÍ THƯ",
        "- Các chi bộ trực thuộc,",
        "- Lưu VP.\tVũ Mạnh Hà",
    ]


def test_pdf_read_from_bytes_is_the_same_and_nfc():
    data = (DOCUMENTS / "ke_hoach_101.pdf").read_bytes()
    lines = read_bytes(data, "ke_hoach_101.pdf")
    assert lines == read_file(DOCUMENTS / "ke_hoach_101.pdf")
    assert all(unicodedata.is_normalized("NFC", line) for line in lines)


def test_pdf_with_only_an_owner_password_opens():
    assert read_file(DOCUMENTS / "restricted.pdf") == [
        "So 7-CV/DU",
        "Kinh gui: cac chi bo truc thuoc Dang uy So Noi vu.",
    ]


def test_pdf_with_a_user_password_is_refused():
    path = DOCUMENTS / "locked.pdf"
    assert pypdf.PdfReader(path).decrypt("secret") != pypdf.PasswordType.NOT_DECRYPTED
    with pytest.raises(DocumentError, match="password") as error:
        read_file(path)
    assert "locked.pdf" in str(error.value)


def test_pdf_needing_a_missing_crypto_library_is_refused(monkeypatch):
    def decrypt(self, password):
        raise pypdf.errors.DependencyError("cryptography is required for AES algorithm")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", decrypt)
    with pytest.raises(DocumentError, match="encrypted PDF that chidao cannot decrypt"):
        read_file(DOCUMENTS / "restricted.pdf")


def test_scanned_pdf_without_text_layer_asks_for_ocr():
    with pytest.raises(DocumentError, match="no text layer") as error:
        read_file(DOCUMENTS / "scanned.pdf")
    assert "OCR" in str(error.value)
    assert "scanned.pdf" in str(error.value)


# -- errors ----------------------------------------------------------------------------------


def test_supported_extensions():
    assert SUPPORTED == (".txt", ".md", ".docx", ".pdf")
    assert MAX_BYTES == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("x.odt", "'x.odt' is a .odt file"),
        ("cong-van.doc", "save it as .docx"),
        ("README", "'README' has no extension"),
    ],
)
def test_unsupported_extension_is_named(filename, expected):
    with pytest.raises(
        DocumentError, match=re.escape("chidao reads .txt, .md, .docx and .pdf files")
    ) as e:
        read_bytes(b"text", filename)
    assert expected in str(e.value)


def test_unsupported_extension_is_refused_before_reading(tmp_path):
    with pytest.raises(DocumentError, match=r"\.odt file"):
        read_file(tmp_path / "missing.odt")


def test_unreadable_file_is_named(tmp_path):
    path = tmp_path / "missing.txt"
    with pytest.raises(DocumentError, match="cannot read") as error:
        read_file(path)
    assert str(path) in str(error.value)
    assert "No such file" in str(error.value)


@pytest.mark.parametrize("filename", ["a.txt", "a.md", "a.docx", "a.pdf"])
def test_empty_file_is_refused(tmp_path, filename):
    path = tmp_path / filename
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match=r"is empty \(0 bytes\)"):
        read_file(path)


def test_blank_text_is_empty():
    with pytest.raises(DocumentError, match=re.escape("'blank.txt' is empty")):
        read_bytes(b" \n\t\r\n\n", "blank.txt")


def test_docx_without_text_is_empty():
    document = docx.Document()
    document.add_paragraph("")
    document.add_table(rows=1, cols=2)
    with pytest.raises(DocumentError, match=re.escape("'blank.docx' is empty")):
        read_bytes(_docx_bytes(document), "blank.docx")


def test_too_large_bytes_give_size_and_limit():
    with pytest.raises(DocumentError, match="MB") as error:
        read_bytes(b"a" * (MAX_BYTES + 1), "big.txt")
    assert str(error.value) == "'big.txt' is 20.1 MB; chidao reads files up to 20 MB"


def test_too_large_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "big.pdf"
    with path.open("wb") as f:
        f.truncate(25 * 1024 * 1024)  # sparse: no 25 MB written
    with pytest.raises(
        DocumentError, match=re.escape("is 25.0 MB; chidao reads files up to 20 MB")
    ):
        read_file(path)


@pytest.mark.parametrize(
    ("data", "actually"),
    [
        (b"not a zip at all", None),
        (b"%PDF-1.7\n", "it is a PDF file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old Word .doc"),
    ],
)
def test_docx_that_is_not_a_word_file(data, actually):
    with pytest.raises(
        DocumentError, match=re.escape("'x.docx' does not look like a Word .docx file")
    ) as e:
        read_bytes(data, "x.docx")
    if actually:
        assert actually in str(e.value)


def test_zip_that_is_not_a_word_file():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<office:document/>")
    with pytest.raises(
        DocumentError, match=re.escape("'x.docx' does not look like a Word .docx file")
    ):
        read_bytes(buffer.getvalue(), "x.docx")


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"Hello, not a PDF", ""),
        (b"PK\x03\x04" + bytes(50), "zip archive"),
        (b"%PDF-1.7\n" + bytes(200), "pypdf could not read it"),
    ],
)
def test_pdf_that_is_not_a_pdf(data, detail):
    with pytest.raises(
        DocumentError, match=re.escape("'x.pdf' does not look like a PDF file")
    ) as e:
        read_bytes(data, "x.pdf")
    assert detail in str(e.value)


def test_text_file_that_is_really_a_pdf():
    data = (DOCUMENTS / "ke_hoach_101.pdf").read_bytes()
    with pytest.raises(DocumentError, match="does not look like a text file: it is a PDF file"):
        read_bytes(data, "ke_hoach.txt")


def test_binary_text_cannot_be_decoded():
    data = bytes(range(256)) * 4
    with pytest.raises(DocumentError, match=re.escape("'x.txt' cannot be decoded as text")):
        read_bytes(data, "x.txt")


def test_utf8_with_a_damaged_byte_is_not_taken_for_cp1258():
    data = "Đảng ủy Sở Nội vụ\n".encode() + b"Hung Y\xean " + "ngày 19 tháng 6".encode()
    with pytest.raises(DocumentError, match=r"UTF-8 text with invalid bytes \(first on line 2\)"):
        read_bytes(data, "x.txt")
