"""Text helpers for reading Vietnamese documents.

Patterns run on a *folded* copy of the text (lower case, no diacritics, đ -> d) that has
exactly the same length as the original, so a match's span in the folded text is the span
of the same words in the original: the parser matches "tháng", "thang" and OCR's "thang"
alike and still returns the words as the document wrote them. (``shared.slugs.fold``
differs: it drops combining marks, so its output may be shorter than its input.)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0]
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


class _Folding(dict[int, str]):
    """``str.translate``'s table for ``fold_keeping_length``, filled as characters are met. Latin,
    Vietnamese and punctuation are kept; any rarer character is folded each time, so the
    table stays small whatever a document holds."""

    def __missing__(self, codepoint: int) -> str:
        folded = _fold_char(chr(codepoint))
        if codepoint < 0x2000:
            self[codepoint] = folded
        return folded


_FOLDING = _Folding()


def fold_keeping_length(text: str) -> str:
    """'Kế hoạch số 101-KH/ĐU' -> 'ke hoach so 101-kh/du', same length as the input."""
    return text.translate(_FOLDING)


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and trim."""
    return re.sub(r"\s+", " ", text).strip()


_BOLD = re.compile(r"\*\*|__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])|(?<=[^\s*])\*(?![\w*])")


def strip_markdown(line: str) -> str:
    """Drop emphasis left over from conversion: **bold**, *italic*, __bold__, ↴."""
    line = _BOLD.sub("", line.replace("↴", ""))
    line = line.replace("\\*", "*")
    return _ITALIC.sub("", line)


def letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha())


def is_upper(text: str) -> bool:
    """A heading or header line in capitals ("KẾ HOẠCH", "BAN TUYÊN GIÁO")."""
    chars = letters(text)
    return len(chars) >= 2 and sum(ch.isupper() for ch in chars) >= 0.9 * len(chars)


_VIETNAMESE_MARKED = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def looks_like_ocr_without_diacritics(text: str) -> bool:
    """True for text that lost most of its Vietnamese diacritics (as OCR output does):
    in ordinary Vietnamese prose over a fifth of the letters carry a mark."""
    chars = letters(text).lower()
    if len(chars) < 200:
        return False
    marked = sum(ch in _VIETNAMESE_MARKED for ch in chars)
    return marked / len(chars) < 0.10


# How organisation names are written when not in capitals. A header in capitals
# ("ĐẢNG ỦY KHỐI CƠ QUAN DÂN CHÍNH ĐẢNG TP CẦN THƠ") is given these forms; the other
# words are treated as proper names (Cần Thơ, Lai Châu).
NAME_PHRASES = [
    "Ban Chấp hành Trung ương",
    "Ban Bí thư",
    "Bộ Chính trị",
    "Trung ương",
    "Ban Tuyên giáo",
    "Ban Tổ chức",
    "Ban Dân vận",
    "Ban Nội chính",
    "Ban Kinh tế",
    "Ban Đối ngoại",
    "Ban Thường vụ",
    "Ban Chấp hành",
    "Ban cán sự đảng",
    "Ban Chỉ đạo",
    "Ủy ban Kiểm tra",
    "Ủy ban nhân dân",
    "Hội đồng nhân dân",
    "Mặt trận Tổ quốc Việt Nam",
    "Mặt trận Tổ quốc",
    "Văn phòng",
    "Thường trực",
    "Đảng ủy Khối",
    "Đảng ủy",
    "Đảng bộ",
    "Đảng đoàn",
    "Chi bộ",
    "Tỉnh ủy",
    "Thành ủy",
    "Huyện ủy",
    "Thị ủy",
    "Quận ủy",
    "Tỉnh đoàn",
    "Khối",
    "Cơ quan",
    "Doanh nghiệp",
    "Dân Chính Đảng",
    "Sở",
    "Bộ",
    "Cục",
    "Phòng",
    "Trường",
    "Nội vụ",
    "Ngoại vụ",
    "Tài chính",
    "Tư pháp",
    "Y tế",
    "Công thương",
    "Xây dựng",
    "Thông tin và Truyền thông",
    "Giáo dục và Đào tạo",
    "Kế hoạch và Đầu tư",
    "Văn hóa, Thể thao và Du lịch",
    "Lao động - Thương binh và Xã hội",
    "Tài nguyên và Môi trường",
    "Nông nghiệp và Phát triển nông thôn",
    "Khoa học và Công nghệ",
    "Giao thông vận tải",
    "Bảo hiểm xã hội",
    "Công an",
    "Quân sự",
    "Chính trị",
    "và",
    "tỉnh",
    "thành phố",
    "huyện",
    "quận",
    "thị xã",
    "xã",
    "phường",
]
ABBREVIATIONS_IN_NAMES = {"tp": "thành phố", "tw": "Trung ương", "ubnd": "Ủy ban nhân dân"}


def _phrase_table() -> list[tuple[list[str], list[str]]]:
    table = [(fold_keeping_length(p).split(), p.split()) for p in NAME_PHRASES]
    return sorted(table, key=lambda entry: -len(entry[0]))


_PHRASES = _phrase_table()


def name_case(text: str) -> str:
    """A name written in capitals, as it is written in running text:
    'ĐẢNG ỦY KHỐI CƠ QUAN DÂN CHÍNH ĐẢNG TP CẦN THƠ' ->
    'Đảng ủy Khối Cơ quan Dân Chính Đảng thành phố Cần Thơ'."""
    words = squash(text).split(" ")
    folded = [
        fold_keeping_length(w).strip(",.") for w in words
    ]  # once: folding per position is quadratic
    out: list[str] = []
    i = 0
    while i < len(words):
        for pattern, phrase in _PHRASES:
            if folded[i : i + len(pattern)] == pattern:
                out.extend(phrase)
                i += len(pattern)
                break
        else:
            word = words[i]
            expansion = ABBREVIATIONS_IN_NAMES.get(fold_keeping_length(word))
            out.append(expansion if expansion else word[:1].upper() + word[1:].lower())
            i += 1
    return " ".join(out)


def uy_spelling(text: str) -> str:
    """Old tone placement 'uỷ' -> 'ủy' (Tỉnh uỷ -> Tỉnh ủy), as names are written now."""
    return text.replace("uỷ", "ủy").replace("Uỷ", "Ủy").replace("UỶ", "ỦY")
