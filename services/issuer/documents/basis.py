"""The basis ("Thực hiện Kế hoạch số 153-KH/ĐUK ngày 16/5/2024 của ...", "Căn cứ ...") and,
when the header names no body, the issuer from the same opening sentence
("..., Đảng ủy Sở Nội vụ xây dựng Kế hoạch ...")."""

from __future__ import annotations

import re

from services.issuer.documents.dates import DATE, date_of
from services.issuer.documents.header import KINDS, kind_of_ref, normalise_ref
from services.issuer.documents.text import fold_keeping_length, squash
from shared.contracts import DocumentRef

_KIND_WORDS = "|".join(sorted((re.escape(k) for k in KINDS), key=len, reverse=True))
# On folded text: "ke hoach so 153-kh/duk ngay 16/5/2024 cua ...". OCR misspells the
# kind word ("hueng dan sé"), so it is optional: the number's own code tells the kind.
_REFERENCE = re.compile(
    rf"(?:(?P<kind>{_KIND_WORDS}|van ban)\s+)?(?:so\s*:?\s*|s\w\s+)"
    r"(?P<ref>\d+\s*[-/]\s*(?:\d{4}\s*/\s*)?[a-z][\w/.-]*\w)"
)
# Where the issuing body's name ends after "của".
_ISSUER_END = re.compile(
    r"\s+(?:ve\s+viec|ve|trien\s+khai|nham|huong\s+dan|thuc\s+hien|quy\s+dinh|ban\s+hanh|"
    r"phe\s+duyet|sua\s+doi|bo\s+sung|thanh\s+lap|tang\s+cuong|tiep\s+tuc)\b|"
    r"\s*[,;(]|\s*$"
)
_OF = re.compile(r"\s+(?:cua|c[iu]a|caa)\s+")
BASIS_STARTS = ("thuc hien", "can cu", "thi hanh")
# Verbs that follow the issuer in "..., <issuer> xây dựng Kế hoạch ...".
_ISSUER_VERB = re.compile(
    r"\s+(?:xay\s+dung|ban\s+hanh|yeu\s+cau|huong\s+dan|thong\s+bao|de\s+nghi|chi\s+dao|"
    r"quyet\s+dinh|trien\s+khai)\b"
)


def basis_paragraphs(body: list[str]) -> list[str]:
    """The opening paragraphs that state what the document implements."""
    found = []
    for paragraph in body[:8]:
        folded = fold_keeping_length(paragraph).lstrip("-+ ")
        if folded.startswith(BASIS_STARTS):
            found.append(paragraph)
        elif found and not folded.startswith("kinh gui"):
            break
    return found


def parse_basis(paragraphs: list[str]) -> list[DocumentRef]:
    refs: list[DocumentRef] = []
    for paragraph in paragraphs:
        folded = fold_keeping_length(paragraph)
        matches = list(_REFERENCE.finditer(folded))
        for n, match in enumerate(matches):
            ref = normalise_ref(paragraph[match.start("ref") : match.end("ref")])
            stop = matches[n + 1].start() if n + 1 < len(matches) else len(folded)
            tail = folded[match.end() : stop]
            issued = None
            date_match = DATE.search(tail[:40])
            if date_match:
                issued = date_of(date_match)
            issuer = None
            of = _OF.search(tail)
            if of and of.start() < 60:
                start = match.end() + of.end()
                end_match = _ISSUER_END.search(folded, start, match.end() + len(tail))
                end = end_match.start() if end_match else match.end() + len(tail)
                issuer = squash(paragraph[start:end]) or None
            kind = kind_of_ref(ref) or KINDS.get(match.group("kind") or "")
            refs.append(DocumentRef(kind=kind, ref=ref, issued_on=issued, issuer=issuer))
    return refs


def issuer_in_text(paragraphs: list[str]) -> str | None:
    """The body named right before the document's own verb in the opening sentence,
    after the documents it refers to ("..., Đảng ủy Sở Nội vụ xây dựng Kế hoạch")."""
    for paragraph in paragraphs:
        folded = fold_keeping_length(paragraph)
        references = list(_REFERENCE.finditer(folded))
        after = references[-1].end() if references else 0
        for verb in _ISSUER_VERB.finditer(folded, after):
            if paragraph[verb.start() + 1 : verb.start() + 2].isupper():
                continue  # "Hướng dẫn" with a capital names a document, it is not a verb
            cut = max(
                folded.rfind(",", 0, verb.start()),
                folded.rfind(";", 0, verb.start()),
                folded.rfind(")", 0, verb.start()),
            )
            candidate = squash(paragraph[cut + 1 : verb.start()])
            words = candidate.split()
            if 2 <= len(words) <= 16 and candidate[:1].isupper():
                return candidate
    return None
