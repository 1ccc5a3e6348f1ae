"""The text of a .docx: body paragraphs and tables in document order (see ``reading.py``
for the conventions); the zip archive itself is opened by ``package.py``."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from services.issuer.documents.errors import DocumentError
from services.issuer.documents.file_checks import capped, sniff
from services.issuer.documents.package import main_document, not_word

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Elements that wrap runs inside a paragraph and whose text is part of the paragraph.
# Deleted (w:del) and moved-away (w:moveFrom) text is left out, as are drawings, text
# boxes and field instructions (they are not w:r children of these).
_RUN_CONTAINERS = {
    f"{_W}{tag}"
    for tag in [
        "hyperlink",
        "ins",
        "moveTo",
        "smartTag",
        "fldSimple",
        "sdt",
        "sdtContent",
        "customXml",
        "dir",
        "bdo",
    ]
}
# Elements that wrap block content (paragraphs and tables) in a body or a cell.
_BLOCK_CONTAINERS = {f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"}


def read_docx(data: bytes, filename: str) -> list[str]:
    actually = sniff(data)
    if not data.startswith(b"PK\x03\x04"):
        message = not_word(filename)
        raise DocumentError(f"{message}: it is {actually}" if actually else message)
    body = main_document(data, filename).find(f"{_W}body")
    if body is None:
        raise DocumentError(f"{not_word(filename)} (its main part has no w:body)")
    return capped(_block_lines(body), filename)


def _block_lines(container: etree._Element) -> Iterator[str]:
    """Lines of the paragraphs and tables in a body, cell or content control, in order."""
    for child in container:
        if child.tag == f"{_W}p":
            yield from _paragraph_text(child).split("\n")
        elif child.tag == f"{_W}tbl":
            yield from _table_lines(child)
        elif child.tag in _BLOCK_CONTAINERS:
            yield from _block_lines(child)


def _paragraph_text(paragraph: etree._Element) -> str:
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        for child in element:
            if child.tag == f"{_W}r":
                for item in child:
                    tag = item.tag
                    if tag == f"{_W}t":
                        parts.append(item.text or "")
                    elif tag == f"{_W}tab":
                        parts.append("\t")
                    elif tag in (f"{_W}br", f"{_W}cr"):  # line, page or column break
                        parts.append("\n")
                    elif tag == f"{_W}noBreakHyphen":
                        parts.append("-")
            elif child.tag in _RUN_CONTAINERS:
                walk(child)

    walk(paragraph)
    return "".join(parts)


def _table_lines(tbl: etree._Element) -> Iterator[str]:
    for tr in tbl.iterchildren(f"{_W}tr"):
        for position, tc in enumerate(tr.iterchildren(f"{_W}tc")):
            # A cell spanning several columns is one w:tc (gridSpan); a cell merged into the one
            # above (vMerge) or, in old files, into the one before (hMerge) is an empty w:tc
            # whose content lives in that other cell: read only the cell holding the content.
            if _merged_into_another(tc):
                continue
            lines = list(_block_lines(tc))
            while lines and not lines[-1].strip():
                lines.pop()
            while lines and not lines[0].strip():
                lines.pop(0)
            if position == 0:
                yield from lines
            else:
                yield from (f"\t{line}" if line.strip() else "" for line in lines)


def _merged_into_another(tc: etree._Element) -> bool:
    properties = tc.find(f"{_W}tcPr")
    if properties is None:
        return False
    for tag in ("vMerge", "hMerge"):
        merge = properties.find(f"{_W}{tag}")
        if merge is not None and merge.get(f"{_W}val", "continue") == "continue":
            return True
    return False
