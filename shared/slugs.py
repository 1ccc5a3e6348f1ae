"""ASCII slugs: the only form Vietnamese names take in subjects, headers and KV keys."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9_-]{0,126}[a-z0-9])?$"
_SLUG_RE = re.compile(SLUG_PATTERN)


def fold(text: str) -> str:
    """Lower-case ASCII form of Vietnamese text: 'Đảng ủy Khối' -> 'dang uy khoi'."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


def slugify(text: str) -> str:
    """'101-KH/ĐU' -> '101-kh-du'."""
    slug = _NON_ALNUM.sub("-", fold(text)).strip("-")
    if not slug:
        raise ValueError(f"{text!r} has no letters or digits to make an identifier from")
    return slug[:128].rstrip("-")


def is_slug(text: str) -> bool:
    return bool(_SLUG_RE.match(text))
