"""Names as the matcher compares them: folded, punctuation gone, the abbreviations
offices use spelled out (BTG, TU, ĐUK, CQ-DN, TCCSĐ, MTTQ, ...), and, in OCR text, the
letters OCR reads as digits or signs put back."""

from __future__ import annotations

import re

from services.issuer.documents.text import fold_keeping_length

ABBREVIATIONS = {
    "btg": "ban tuyen giao",
    "tu": "tinh uy",
    "hu": "huyen uy",
    "du": "dang uy",
    "duk": "dang uy khoi",
    "cq": "co quan",
    "dn": "doanh nghiep",
    "tccsd": "to chuc co so dang",
    "uvbtv": "uy vien ban thuong vu",
    "uvbch": "uy vien ban chap hanh",
    "mttq": "mat tran to quoc",
    "vptu": "van phong tinh uy",
    "pt": "phat thanh",
    "th": "truyen hinh",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "tp": "thanh pho",
    "tw": "trung uong",
    "bcd": "ban chi dao",
    "btv": "ban thuong vu",
    "bch": "ban chap hanh",
    "ubkt": "uy ban kiem tra",
    "ccb": "cuu chien binh",
    "d/c": "dong chi",
    "dc": "dong chi",
    "ttdn": "thong tin doi ngoai",
    "vp": "van phong",
    "so": "so",
    "ldtbxh": "lao dong thuong binh va xa hoi",
    "tt&tt": "thong tin va truyen thong",
    "btgtw": "ban tuyen giao trung uong",
    "btgtu": "ban tuyen giao tinh uy",
}
_SPLIT_PUNCT = re.compile(r"[^\w&@/]+")
# Letters OCR reads as digits or signs inside words ("d6i" for "đối", "S&" for "Sở").
_OCR_LETTERS = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "6": "o", "8": "b", "&": "o", "@": "e"}
)


# Abbreviations that only the unfolded spelling tells apart: "TƯ" is Trung ương, "TU" Tỉnh ủy.
_EXACT_ABBREVIATIONS = {"TƯ": "trung uong", "TW": "trung uong"}


def normalise(text: str, ocr: bool = False) -> str:
    """Comparable form: folded, punctuation gone, abbreviations spelled out."""
    words = []
    for original in _SPLIT_PUNCT.split(text):
        if original in _EXACT_ABBREVIATIONS:
            words.append(_EXACT_ABBREVIATIONS[original])
            continue
        token = fold_keeping_length(original)
        if not token:
            continue
        if ocr and not token.isdigit() and any(ch.isalpha() for ch in token):
            token = token.translate(_OCR_LETTERS)
            # OCR often reads the "ủ" of "ủy" as "a" or "i": "Thanh ay" for "Thành ủy".
            if token in ("ay", "iy") and words and words[-1] in _BEFORE_UY:
                token = "uy"
        words.append(ABBREVIATIONS.get(token, token))
    return " ".join(words)


_BEFORE_UY = {"thanh", "huyen", "dang", "tinh", "thi", "quan", "cap"}
