"""Documents made to stop the reader: each is refused with a plain message after reading
only what the limits allow (services/issuer/documents/reading.py and package.py), or read
as before. Paragraphs are rebuilt in linear time with the same result as the quadratic
rebuilding they replace; the reference copies of the old functions are here."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.issuer.documents import layout, parse, text
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.layout import clean_lines, paragraphs, starts_with_marker
from services.issuer.documents.parse import parse_upload
from services.issuer.documents.reading import read_bytes, read_file
from services.issuer.documents.text import fold_keeping_length as fold
from services.issuer.documents.text import is_upper, name_case
from tests import hostile
from tests.unit.test_parser_never_crashes import TOKENS

ROOT = Path(__file__).parents[2]
SEEDS = sorted((ROOT / "chidao" / "demo" / "seeds").glob("*.txt"))


# -- the quadratic originals, as reference ----------------------------------------------


def paragraphs_before(lines: list[str]) -> list[str]:
    result: list[str] = []
    current: list[str] = []
    previous_heading = False
    for line in lines:
        heading = is_upper(line) and len(line) < 160
        starts_new = (
            not current
            or starts_with_marker(line)
            or bool(layout._ENDS_SENTENCE.search(current[-1]))
            or heading != previous_heading
            or _item_heading_before(current, line)
        )
        if starts_new and current:
            result.append(" ".join(current))
            current = []
        current.append(line)
        previous_heading = heading
    if current:
        result.append(" ".join(current))
    return result


def _item_heading_before(current: list[str], line: str) -> bool:
    joined = " ".join(current)
    last_word = fold(joined.split()[-1]) if joined.split() else ""
    return (
        bool(layout._NUMBERED_ITEM.match(current[0]))
        and len(joined) < 100
        and line[:1].isupper()
        and not line[:1].isdigit()
        and not joined.rstrip().endswith(",")
        and last_word not in layout._CONTINUES
    )


def name_case_before(value: str) -> str:
    words = text.squash(value).split(" ")
    out: list[str] = []
    i = 0
    while i < len(words):
        folded = [fold(w).strip(",.") for w in words[i:]]
        for pattern, phrase in text._PHRASES:
            if folded[: len(pattern)] == pattern:
                out.extend(phrase)
                i += len(pattern)
                break
        else:
            word = words[i]
            expansion = text.ABBREVIATIONS_IN_NAMES.get(fold(word))
            out.append(expansion if expansion else word[:1].upper() + word[1:].lower())
            i += 1
    return " ".join(out)


# -- the same result as before ----------------------------------------------------------


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_paragraphs_of_the_seeds_are_rebuilt_as_before(path):
    lines = clean_lines(read_file(path))
    assert paragraphs(lines) == paragraphs_before(lines)
    # every word of a seed on a line of its own: the most joining there can be
    words = [word for line in lines for word in line.split()]
    assert paragraphs(words) == paragraphs_before(words)


SEED_LINES = [line for path in SEEDS for line in clean_lines(read_file(path))]
LINE = st.one_of(
    st.sampled_from(SEED_LINES),
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map(" ".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=60))
def test_paragraphs_of_any_lines_are_rebuilt_as_before(lines):
    lines = clean_lines(lines)
    assert paragraphs(lines) == paragraphs_before(lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS + [w for line in SEED_LINES[:80] for w in line.split()])))
def test_names_in_capitals_are_cased_as_before(words):
    value = " ".join(words).upper()
    assert name_case(value) == name_case_before(value)


def test_text_is_folded_as_before():
    sample = "".join(chr(c) for c in range(0x20, 0x3000) if not 0xD800 <= c < 0xE000)
    assert fold(sample) == "".join(text._fold_char(ch) for ch in sample)
    assert fold("Kế hoạch số 101-KH/ĐU 𝐀") == "ke hoach so 101-kh/du 𝐀"


# -- hostile files: refused, plainly, having read only what the limits allow ------------


def refused(data: bytes, filename: str) -> str:
    with pytest.raises(DocumentError) as caught:
        parse_upload(data, filename)
    return str(caught.value)


def test_a_docx_of_40000_one_letter_paragraphs_is_read():
    document = parse_upload(hostile.many_paragraphs_docx(40_000), "x.docx")
    assert "could not find the title (trích yếu)" in document.warnings


def test_a_docx_whose_text_inflates_past_32_mb_is_refused_while_inflating():
    message = refused(hostile.inflating_docx(100), "bom.docx")
    assert message.startswith("Phần 'word/document.xml' của tệp 'bom.docx' giải nén ra hơn 32 MB")


def test_a_docx_that_declares_a_kilobyte_for_200_mb_is_refused_without_inflating_them():
    data = hostile.lying_docx(200, declared=1024)
    tracemalloc.start()
    try:
        message = refused(data, "noi-dung.docx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith("'noi-dung.docx' does not look like a Word .docx file")
    assert peak < 16 * 1024 * 1024  # what was read: the file and a kilobyte, not 200 MB


def test_a_docx_of_thousands_of_members_is_refused():
    message = refused(hostile.many_members_docx(5000), "x.docx")
    assert "tệp nén bên trong, nhiều hơn mức một tệp Word cần (tối đa 1000)" in message


def test_a_docx_compressed_otherwise_than_word_does_is_refused():
    message = refused(hostile.bzip2_docx(), "x.docx")
    assert "dùng một kiểu nén mà Word không dùng" in message


def test_a_docx_of_a_million_empty_paragraphs_is_refused_before_its_tree_is_built():
    message = refused(hostile.many_elements_docx(1_100_000), "x.docx")
    assert "có hơn 1.000.000 thẻ XML trong phần nội dung" in message


def test_a_text_file_over_2_mb_is_refused_before_it_is_decoded():
    message = refused(hostile.one_line_txt(3), "mot-dong.txt")
    assert message == (
        "Tệp 'mot-dong.txt' dài 3,0 MB; chidao đọc tệp .txt, .md đến 2 MB (một văn bản chỉ "
        "đạo chỉ dài vài trăm KB)."
    )


def test_a_document_of_over_a_million_characters_is_refused():
    data = hostile.docx_with_body([b"<w:p><w:r><w:t>" + b"a" * 1000 + b"</w:t></w:r></w:p>"] * 1001)
    message = refused(data, "dai.docx")
    assert message.startswith("Văn bản 'dai.docx' dài hơn 1.000.000 ký tự")


def test_a_pdf_stream_that_inflates_past_32_mb_is_refused():
    message = refused(hostile.pdf_with_huge_stream(60), "x.pdf")
    assert message.startswith("Tệp 'x.pdf' chứa nội dung nén giải nén ra quá lớn")


def test_a_pdf_of_over_500_pages_is_refused_before_they_are_read():
    with pytest.raises(DocumentError, match=re.escape("'x.pdf' có 501 trang; chidao đọc tệp PDF")):
        read_bytes(hostile.many_pages_pdf(501), "x.pdf")


def test_a_document_listing_over_a_thousand_recipients_is_refused():
    lines = [*hostile.HEADER.splitlines(), "Thực hiện kế hoạch.", "Nơi nhận:"]
    lines += [f"- Chi bộ số {n};" for n in range(1001)]
    message = refused("\n".join(lines).encode(), "x.txt")
    assert message.startswith("Văn bản 'x.txt' có 1001 mục “Kính gửi” và “Nơi nhận”")
    assert parse.MAX_ENTRIES == 1000
