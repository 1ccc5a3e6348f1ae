"""Property tests: whatever text comes in (random characters, random lines, document-like
word soup, the seed documents cut, shuffled and corrupted), parse.parse_lines returns a
ParsedDocument and never raises; what it cannot find (a number, a date) it says in
``warnings``. Resolving against the demo directory never raises either."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.issuer.documents.ingest import resolve_document
from services.issuer.documents.parse import parse_lines
from services.issuer.documents.reading import read_file
from shared.contracts import ParsedDocument
from shared.directory import Directory, load_file

ROOT = Path(__file__).parents[2]
SEEDS = [read_file(path) for path in sorted((ROOT / "chidao" / "demo" / "seeds").glob("*.txt"))]
DIRECTORY = Directory(load_file(ROOT / "chidao" / "demo" / "directory.yaml"))

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)
ALPHABET = (
    VIETNAMESE
    + VIETNAMESE.upper()
    + "fjwzFJWZ0123456789"
    + " \t\n\r/-–.,:;()[]*_\"'“”!?&@%+•…↴\u00a0\u0301\u0303"  # combining marks too
)
# Words and pieces that make the parser take its less travelled paths.
TOKENS = [
    "Số",
    "Số:",
    "S6",
    "101-KH/ĐU",
    "156/QĐ-UBND",
    "3478/BTTTT-VP",
    "30/2020/NĐ-CP",
    "-KH/",
    "ngày",
    "ngay",
    "tháng",
    "thang",
    "năm",
    "ndam",
    "2024",
    "1899",
    "9999",
    "0",
    "31",
    "13",
    "29/02/2023",
    "10/12/2024",
    "00/00/0000",
    "trước",
    "truoc",
    "chậm nhất",
    "hạn chót",
    "không quá",
    "đến hết",
    "giờ",
    "25 giờ",
    "14h30",
    "trong",
    "cuối",
    "vào",
    "quý",
    "Quy",
    "II",
    "11",
    "IV",
    "0",
    "hằng năm",
    "hằng tháng",
    "hằng quý",
    "định kỳ",
    "6 tháng",
    "báo cáo",
    "báo cáo viên",
    "gửi",
    "ban hành",
    "hoàn thành",
    "xây dựng kế hoạch",
    "kết quả",
    "về",
    "qua",
    "cụ thể:",
    "Đảng ủy",
    "Ban Thường vụ",
    "Tỉnh ủy",
    "Ban Tuyên giáo",
    "Đ/c",
    "UVBTV",
    "các chi bộ trực thuộc",
    "Cấp ủy các chi, đảng bộ cơ sở",
    "Như trên",
    "Như Điều 3",
    "Nơi nhận:",
    "Noi nhan:",
    "Kính gửi:",
    "Thực hiện",
    "Căn cứ",
    "Kế hoạch",
    "Hướng dẫn",
    "số",
    "của",
    "V/v",
    "KẾ HOẠCH",
    "QUYẾT ĐỊNH",
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "ĐẢNG ỦY SỞ NỘI VỤ",
    "BAN TUYÊN GIÁO",
    "T/M BAN THƯỜNG VỤ",
    "KT. CHỦ TỊCH",
    "TL. BỘ TRƯỞNG",
    "PHÓ BÍ THƯ",
    "BÍ THƯ",
    "(Đã ký)",
    "Vũ Mạnh Hà",
    "Lưu",
    "Lưu:",
    "VT",
    "(báo cáo)",
    "(để b/c)",
    "(để biết)",
    "(bédo céo)",
    "Kèm theo Công văn số",
    "PHỤ LỤC",
    "Hưng Yên,",
    "-",
    "+",
    "•",
    "*",
    "**",
    "1.",
    "I.",
    "a)",
    "1.1.",
    "-----",
    ";",
    ",",
    ".",
    "(",
    ")",
    ":",
    "/",
    "\t",
]


def check(lines: list[str]) -> ParsedDocument:
    """What must hold for any input."""
    doc = parse_lines(lines)
    assert isinstance(doc, ParsedDocument)
    assert all(isinstance(w, str) and w for w in doc.warnings)
    if doc.ref is None:
        assert any("no number-symbol" in w for w in doc.warnings), doc.warnings
    if doc.issued_on is None:
        assert any("no date" in w for w in doc.warnings), doc.warnings
    for deadline in doc.deadlines:
        if deadline.due_before is not None:
            assert deadline.due_before.utcoffset() == timedelta(hours=7)
    assert all(r.text for r in doc.recipients)
    # What `chidao parse --json` prints can always be printed and read back.
    json.dumps(doc.model_dump(mode="json"), ensure_ascii=False)
    assert ParsedDocument.model_validate_json(doc.model_dump_json()) == doc
    return doc


@SETTINGS
@given(st.text(max_size=3000))
@example("")
@example("\n\n\t\n")
@example("Nơi nhận:")
@example("Số 101-KH/\nngày 31 tháng 2 năm 2024\nKế hoạch")
@example("chậm nhất ngày 31/12/2200; trong tháng 12/2200; trong quý IV/2200; trong năm 2199")
@example("trước 25 giờ, ngày 10/12/2024; trước 23 giờ 75 phút ngày 1/1/2024")
@example("Hưng Yên, ngày 31 tháng 12 năm 2200\ntrước ngày 28 hằng tháng báo cáo")
def test_any_text_split_into_lines(text):
    check(text.split("\n"))


@SETTINGS
@given(st.text(alphabet=ALPHABET, max_size=3000))
def test_vietnamese_letters_digits_punctuation_tabs_and_newlines(text):
    check(text.splitlines())


@SETTINGS
@given(st.lists(st.text(alphabet=ALPHABET, max_size=200), max_size=80))
@example([])
@example([""])
@example(["\t", "  ", "*"])
def test_any_list_of_lines(lines):
    check(lines)


@st.composite
def document_like_lines(draw):
    words = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=25)
    return [" ".join(line) for line in draw(st.lists(words, max_size=60))]


@SETTINGS
@given(document_like_lines())
def test_document_like_word_soup(lines):
    check(lines)


# -- the seeds, damaged --------------------------------------------------------------------


@st.composite
def damaged_seed(draw):
    lines = list(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        operation = draw(
            st.sampled_from(
                ["drop", "duplicate", "swap", "shuffle", "cut", "insert", "corrupt", "truncate"]
            )
        )
        if not lines:
            lines = [draw(st.text(alphabet=ALPHABET, max_size=80))]
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        if operation == "drop":
            del lines[min(i, j) : max(i, j) + 1]
        elif operation == "duplicate":
            lines[i:i] = lines[min(i, j) : max(i, j) + 1]
        elif operation == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif operation == "shuffle":
            window = lines[min(i, j) : max(i, j) + 1]
            lines[min(i, j) : max(i, j) + 1] = draw(st.permutations(window))
        elif operation == "cut":  # keep a random stretch of the text, cut mid-line
            text = "\n".join(lines)
            a = draw(st.integers(0, len(text)))
            b = draw(st.integers(a, len(text)))
            lines = text[a:b].split("\n")
        elif operation == "insert":
            inserted = draw(st.text(alphabet=ALPHABET, max_size=120))
            k = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + inserted + lines[i][k:]
        elif operation == "corrupt":  # OCR: letters replaced by look-alikes or lost marks
            k = draw(st.integers(0, max(0, len(lines[i]) - 1)))
            lines[i] = lines[i][:k] + draw(st.sampled_from("0136&@éáuy|l")) + lines[i][k + 1 :]
        else:  # the rest of the file lost
            del lines[i:]
    return lines


@SETTINGS
@given(damaged_seed())
def test_damaged_seed_documents(lines):
    doc = check(lines)
    # Text extracted from PDF often has a blank line after every line: it changes nothing.
    assert parse_lines([part for line in lines for part in (line, "")]) == doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(damaged_seed(), document_like_lines()))
def test_resolving_any_document_against_the_directory_never_raises(lines):
    reading = resolve_document(check(lines), DIRECTORY)
    assert isinstance(reading.document, ParsedDocument)
    # Every "Nơi nhận" entry is still there, resolved or warned about.
    assert [r.text for r in reading.recipients] == [r.text for r in reading.document.recipients]
    for selector in reading.addressees + [u for r in reading.recipients for u in r.units]:
        DIRECTORY.resolve(selector)  # names only units that exist


def test_the_seeds_themselves_pass_the_checks():
    for lines in SEEDS:
        check(lines)
