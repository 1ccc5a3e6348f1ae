"""Reading HTML the way a browser would (lxml), to tell markup shown as text from markup
that is live."""

from __future__ import annotations

import base64
import hashlib

import lxml.html

# What a page or document must never carry from a unit's text: these elements, an event
# handler attribute, a javascript: address.
LIVE_TAGS = {"script", "img", "iframe", "object", "embed", "base", "link"}


def elements(page: str) -> list:
    tree = lxml.html.document_fromstring(page)
    return [el for el in tree.iter() if isinstance(el.tag, str)]


def shape(page: str) -> list[tuple[str, tuple[str, ...]]]:
    """The element tree: every tag with its attributes' names, in document order."""
    return [(el.tag, tuple(sorted(el.attrib))) for el in elements(page)]


def shown(page: str) -> str:
    """Everything a reader can see of the page: its text and its attributes' values."""
    tree = lxml.html.document_fromstring(page)
    values = [v for el in elements(page) for v in el.attrib.values()]
    return tree.text_content() + " ".join(values)


def assert_inert(page: str, allowed: frozenset[str] = frozenset()) -> None:
    """No script, no event handler, no javascript: address; of the other live elements
    only those in ``allowed`` (the page's own)."""
    for el in elements(page):
        described = lxml.html.tostring(el)[:300]
        assert el.tag != "script", described
        assert el.tag not in LIVE_TAGS - allowed, described
        for attribute, value in el.attrib.items():
            assert not attribute.lower().startswith("on"), described
            assert not value.strip().lower().startswith("javascript:"), described


def style_hashes(page: str) -> set[str]:
    """The CSP source of each inline style sheet of the page ('sha256-...')."""
    found = set()
    for el in elements(page):
        if el.tag == "style":
            digest = hashlib.sha256((el.text or "").encode("utf-8")).digest()
            found.add(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return found
