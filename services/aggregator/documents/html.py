"""The báo cáo tổng hợp as a printable HTML page, in the Party's administrative format
(Hướng dẫn 36-HD/VPTW): the two-column header, "BÁO CÁO" and its trích yếu, the sections,
"Nơi nhận" and the signature block.

The page is self-contained: inline CSS (allowed by its hash in the service's
Content-Security-Policy), no script, no font, image or style sheet to fetch, so it opens
and prints the same offline. Every text from the model is escaped (Jinja2
autoescape) and the output is NFC-normalised, as Vietnamese text typed on some systems
arrives decomposed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from services.aggregator.documents.report import Block, Report, landscape_blocks, section_number
from shared.web import StyleSheet

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined,
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
STYLE = StyleSheet(_ENV.get_template("report.css.j2").render())


@dataclass
class _Item:
    block: Block
    number: str = ""  # "I", "II", ... for a level-1 heading
    wide: bool = False  # printed on a landscape page (a wide table and what leads to it)


def _items(blocks: list[Block]) -> list[_Item]:
    items, chapter = [], 0
    wide = landscape_blocks(blocks)
    for index, block in enumerate(blocks):
        number = ""
        if block.kind == "heading" and block.level == 1:
            number = section_number(chapter)
            chapter += 1
        items.append(_Item(block, number=number, wide=index in wide))
    return items


def render(report: Report) -> str:
    page = _ENV.get_template("report.html.j2").render(
        report=report, items=_items(report.blocks), style=STYLE.markup, focusable=False
    )
    return unicodedata.normalize("NFC", page)


def render_body(report: Report) -> Markup:
    """The report without its page (no ``<html>``, no style sheet): for a page that shows
    it inside its own layout and styles it itself (the console's synthesis page)."""
    body = _ENV.get_template("report_body.html.j2").render(
        report=report, items=_items(report.blocks), focusable=True
    )
    return Markup(unicodedata.normalize("NFC", body))
