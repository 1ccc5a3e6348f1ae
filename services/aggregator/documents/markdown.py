"""The báo cáo tổng hợp as Markdown (for reading in a terminal or a repository)."""

from __future__ import annotations

from services.aggregator.documents.report import Block, Report, section_number


def _table(block: Block) -> list[str]:
    t = block.table
    assert t is not None
    aligns = ["---:" if n else "---" for n in t.numeric]
    lines = ["| " + " | ".join(t.header) + " |", "|" + "|".join(aligns) + "|"]
    for row in t.rows:
        lines.append("| " + " | ".join(row) + " |")
    if t.total:
        lines.append("| " + " | ".join(f"**{c}**" if c else "" for c in t.total) + " |")
    return [*lines, ""]


def render(report: Report) -> str:
    lines = []
    if report.superior:
        lines.append(report.superior)
    lines += [f"**{report.body}**", report.number, "", f"**{report.motto}**",
              f"_{report.place_date}_", ""]  # fmt: skip
    lines += [f"# {report.kind}", "", f"**{report.subject}**", "", "-----", ""]
    chapter = 0
    for block in report.blocks:
        if block.kind == "heading" and block.level == 1:
            lines += [f"## {section_number(chapter)}. {block.text}", ""]
            chapter += 1
        elif block.kind == "heading":
            lines += [f"### {block.text}", ""]
        elif block.kind == "paragraph":
            lines += [block.text, ""]
        elif block.kind == "bullets":
            lines += [f"- {item}" for item in block.items] + [""]
        else:
            lines += _table(block)
    lines += ["**Nơi nhận:**", *[f"{r}  " for r in report.recipients], ""]
    lines += [f"**{report.signer_capacity}**"]
    if report.signer_title:
        lines.append(f"**{report.signer_title}**")
    lines += [f"_{report.signer_note}_", ""]
    return "\n".join(lines)
