"""The synthesis of a directive for one unit: who reported, on time or late, who is
missing, the figures summed, and the units' own words. As JSON and as Markdown."""

from __future__ import annotations

import math
from datetime import datetime

from services.aggregator.nodes import Node
from services.aggregator.rollup import Rollup
from shared.contracts import DirectiveIssued, ReportingRequirement, Totals
from shared.directory import Directory
from shared.forms import FIGURE_LABELS
from shared.vietnamese import (
    document_title,
    format_date,
    format_deadline,
    format_instant,
    format_number,
    format_rate,
)

MAX_LISTED_NODES = 5000  # a synthesis walks at most this many nodes to list units by name


def _totals_json(totals: Totals) -> dict:
    return {
        "expected": totals.expected,
        "submitted": totals.submitted,
        "on_time": totals.on_time,
        "late": totals.late,
        "missing": totals.missing,
        "figures": totals.figures,
    }


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def _days_late(received: datetime | None, due: datetime | None) -> int | None:
    if received is None or due is None or received < due:
        return None
    return max(1, math.ceil((received - due).total_seconds() / 86400))


async def _walk(rollup: Rollup, root: Node, directory: Directory) -> tuple[dict, bool]:
    """Units with their own assignment in the subtree, by status, and whether the walk
    was cut short."""
    lists: dict[str, list[dict]] = {"on_time": [], "late": [], "missing": [], "narratives": []}
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        own = node.own
        if own is not None:
            entry = {"unit_id": node.unit_id, "name": directory.name(node.unit_id)}
            if own.version == 0:
                lists["missing"].append(entry)
            elif own.on_time:
                lists["on_time"].append({**entry, "received_at": _iso(own.first_received_at)})
            else:
                lists["late"].append(
                    {
                        **entry,
                        "received_at": _iso(own.first_received_at),
                        "days_late": _days_late(own.first_received_at, own.due_before),
                    }
                )
            if own.narrative:
                lists["narratives"].append({**entry, "text": own.narrative})
        for child_id, child in node.children.items():
            if child.totals.expected == 0:
                continue
            if visited + len(stack) >= MAX_LISTED_NODES:
                return lists, True
            child_node = await rollup.get(node.directive_id, node.requirement_id, child_id)
            if child_node is not None:
                stack.append(child_node)
    for name in lists:
        lists[name].sort(key=lambda e: e["name"])
    return lists, False


async def build(
    rollup: Rollup, issued: DirectiveIssued, unit_id: str, directory: Directory, now: datetime
) -> dict:
    d = issued.directive
    sections = []
    for requirement in d.requirements:
        node = await rollup.get(issued.directive_id, requirement.id, unit_id)
        section = _requirement_json(requirement)
        if node is None:
            section.update(
                totals=_totals_json(Totals()),
                children=[],
                truncated=False,
                on_time=[],
                late=[],
                missing=[],
                narratives=[],
            )
        else:
            lists, truncated = await _walk(rollup, node, directory)
            section.update(
                totals=_totals_json(node.totals),
                children=[
                    {"unit_id": cid, "name": directory.name(cid), **_totals_json(c.totals)}
                    for cid, c in sorted(
                        node.children.items(), key=lambda kv: directory.name(kv[0])
                    )
                ],
                truncated=truncated,
                **lists,
            )
        sections.append(section)
    return {
        "directive": {
            "id": issued.directive_id,
            "kind": d.kind,
            "ref": d.ref,
            "title": d.title,
            "issuer": d.issuer,
            "issuer_unit": d.issuer_unit,
            "issued_on": d.issued_on.isoformat(),
        },
        "unit": {"id": unit_id, "name": directory.name(unit_id)},
        "as_of": now.isoformat(),
        "requirements": sections,
    }


def _requirement_json(requirement: ReportingRequirement) -> dict:
    return {
        "id": requirement.id,
        "action": requirement.action,
        "due_before": requirement.due_before.isoformat() if requirement.due_before else None,
        "deadline": format_deadline(requirement.due_before),
        "recurrence": requirement.recurrence,
    }


def _names(entries: list[dict], extra=None) -> str:
    if not entries:
        return "không có"
    parts = []
    for e in entries:
        parts.append(f"{e['name']}{extra(e) if extra else ''}")
    return "; ".join(parts)


def to_markdown(s: dict) -> str:
    d = s["directive"]
    as_of = datetime.fromisoformat(s["as_of"])
    lines = [
        f"# Tổng hợp tình hình thực hiện {document_title(d['kind'], d['ref'])}",
        "",
        f"**{d['title']}**",
        "",
        f"- Văn bản của: {d['issuer']}, ngày {format_date(datetime.fromisoformat(d['issued_on']))}",
        f"- Đơn vị tổng hợp: {s['unit']['name']}",
        f"- Số liệu tính đến: {format_instant(as_of)}",
        "",
    ]
    for index, r in enumerate(s["requirements"], start=1):
        t = r["totals"]
        lines += [
            f"## {index}. {r['action'][:1].upper() + r['action'][1:]}, {r['deadline']}",
            "",
            f"- Số đơn vị phải báo cáo: {format_number(t['expected'])}",
            f"- Đã báo cáo: {format_number(t['submitted'])} "
            f"({format_rate(t['submitted'], t['expected'])}), trong đó đúng hạn "
            f"{format_number(t['on_time'])}, muộn {format_number(t['late'])}",
            f"- Chưa báo cáo: {format_number(t['missing'])}",
            "",
        ]
        if r["children"]:
            lines += [
                "| Đơn vị | Phải báo cáo | Đã báo cáo | Đúng hạn | Muộn | Chưa báo cáo |",
                "|---|---:|---:|---:|---:|---:|",
            ]
            for c in r["children"]:
                lines.append(
                    f"| {c['name']} | {format_number(c['expected'])} | "
                    f"{format_number(c['submitted'])} | {format_number(c['on_time'])} | "
                    f"{format_number(c['late'])} | {format_number(c['missing'])} |"
                )
            lines.append("")
        lines += [
            f"**Báo cáo đúng hạn ({len(r['on_time'])}):** {_names(r['on_time'])}",
            "",
            f"**Báo cáo muộn ({len(r['late'])}):** "
            + _names(
                r["late"],
                lambda e: f" (muộn {e['days_late']} ngày)" if e.get("days_late") else "",
            ),
            "",
            f"**Chưa báo cáo ({len(r['missing'])}):** {_names(r['missing'])}",
            "",
        ]
        if r.get("truncated"):
            lines += ["_Danh sách chỉ gồm một phần các đơn vị; xem số liệu tổng ở trên._", ""]
        if t["figures"]:
            lines += ["**Số liệu tổng hợp:**", ""]
            order = list(FIGURE_LABELS)
            for name, value in sorted(
                t["figures"].items(),
                key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]),
            ):
                lines.append(f"- {FIGURE_LABELS.get(name, name)}: {format_number(value)}")
            lines.append("")
        if r["narratives"]:
            lines += ["**Ý kiến của các đơn vị:**", ""]
            for n in r["narratives"]:
                lines.append(f"- {n['name']}: “{n['text']}”")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
