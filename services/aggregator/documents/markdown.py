"""The báo cáo tổng hợp as Markdown (for reading in a terminal or a repository).

Every text of the report is escaped before it is laid out: unit names, what units typed
(narratives, text fields, file names) and return reasons reach this document, and a
Markdown reader would otherwise run the HTML, follow the ``javascript:`` links and fetch
the remote images in them. Escaped, each character shows as typed."""

from __future__ import annotations

import re

from services.aggregator.documents.report import Block, Report, section_number

# What starts an inline construct: HTML and autolinks (<), links and images ([ ]),
# emphasis and code (* _ ` ~), table cells (|), and the escape itself.
_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
# An entity (&lt; &#106;) would be decoded by the reader; a lone & is left alone.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# What turns a line into a heading, a quote, a list item or a rule.
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def escape(text: str, *, line_start: bool = False) -> str:
    """``text`` as Markdown that reads back as exactly that text. ``line_start``: the text
    begins a line, where ``#``, ``-``, ``1.`` and the like would start a block."""
    text = _ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", text))
    lines = text.split("\n")
    return "\n".join(
        _BLOCK_START.sub(r"\1\\\2", line) if index or line_start else line
        for index, line in enumerate(lines)
    )


def _cell(text: str) -> str:
    """A table cell or a heading holds one line."""
    return escape(" ".join(text.split()))


def _table(block: Block) -> list[str]:
    t = block.table
    assert t is not None
    aligns = ["---:" if n else "---" for n in t.numeric]
    lines = ["| " + " | ".join(_cell(c) for c in t.header) + " |", "|" + "|".join(aligns) + "|"]
    for row in t.rows:
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    if t.total:
        lines.append("| " + " | ".join(f"**{_cell(c)}**" if c else "" for c in t.total) + " |")
    return [*lines, ""]


def render(report: Report) -> str:
    e = escape
    # a recall first, where no reader can miss it (each a paragraph of its own)
    lines = [line for notice in report.notices for line in (f"**{e(notice)}**", "")]
    if report.superior:
        lines.append(e(report.superior, line_start=True))
    lines += [f"**{e(report.body)}**", e(report.number, line_start=True), "",
              f"**{e(report.motto)}**", f"_{e(report.place_date)}_", ""]  # fmt: skip
    lines += [f"# {e(report.kind)}", "", f"**{e(report.subject)}**", "", "-----", ""]
    chapter = 0
    for block in report.blocks:
        if block.kind == "heading" and block.level == 1:
            lines += [f"## {section_number(chapter)}. {_cell(block.text)}", ""]
            chapter += 1
        elif block.kind == "heading":
            lines += [f"### {_cell(block.text)}", ""]
        elif block.kind == "paragraph":
            lines += [e(block.text, line_start=True), ""]
        elif block.kind == "bullets":
            lines += [f"- {e(item)}" for item in block.items] + [""]
        else:
            lines += _table(block)
    # "- Như trên," is the list it looks like; the names in it are escaped.
    lines += ["**Nơi nhận:**", *[f"{_recipient(r)}  " for r in report.recipients], ""]
    lines += [f"**{e(report.signer_capacity)}**"]
    if report.signer_title:
        lines.append(f"**{e(report.signer_title)}**")
    lines += [f"_{e(report.signer_note)}_", ""]
    return "\n".join(lines)


def _recipient(line: str) -> str:
    marker, dash, rest = line.partition("- ")
    if dash and not marker:
        return f"- {escape(rest)}"
    return escape(line, line_start=True)
