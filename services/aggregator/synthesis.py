"""The synthesis of a directive for one unit (the báo cáo tổng hợp's content): who
reported, on time or late and by how many days, who is missing, which reports the parent
returned, the figures added up by their form's rules, and the units' own words grouped by
field. ``build`` gives it as JSON; the documents (``documents/``) and the status page are
rendered from that JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.aggregator.nodes import Node, days_late
from services.aggregator.rollup import Rollup
from shared.contracts import DirectiveIssued, ReportingRequirement, Totals
from shared.directory import Directory
from shared.forms import Aggregation, FieldType, Form
from shared.forms.display import display
from shared.vietnamese import document_title, format_deadline

MAX_LISTED_NODES = 5000  # a synthesis walks at most this many nodes to list units by name


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def totals_json(totals: Totals, form: Form | None) -> dict[str, Any]:
    ratios = {f.name: totals.ratio(f.name) for f in (form.fields if form else ()) if f.ratio_of}
    return {
        "expected": totals.expected,
        "submitted": totals.submitted,
        "on_time": totals.on_time,
        "late": totals.late,
        "missing": totals.missing,
        "accepted": totals.accepted,
        "days_late": totals.days_late,
        "submitted_rate": _rate(totals.submitted, totals.expected),
        "on_time_rate": _rate(totals.on_time, totals.expected),
        "average_days_late": totals.days_late / totals.late if totals.late else None,
        "sums": totals.sums,
        "choices": totals.choices,
        "ratios": ratios,
    }


def figures_json(totals: Totals, form: Form | None) -> list[dict[str, Any]]:
    """The form's added-up fields in form order, each with its value written out."""
    figures = []
    for f in form.fields if form else ():
        if f.rule is Aggregation.SUM:
            value = totals.sums.get(f.name)
            if value is not None and f.type is FieldType.INTEGER:
                value = int(value)
            figures.append(
                {"name": f.name, "label": f.label, "unit": f.unit, "kind": "sum",
                 "value": value, "text": display(f, value) if value is not None else ""}
            )  # fmt: skip
        elif f.rule is Aggregation.RATIO:
            value = totals.ratio(f.name)
            figures.append(
                {"name": f.name, "label": f.label, "unit": "%", "kind": "ratio",
                 "value": value, "text": display(f, value) if value is not None else ""}
            )  # fmt: skip
        elif f.rule is Aggregation.COUNT:
            counts = totals.choices.get(f.name, {})
            choices = [
                {"value": c.value, "label": c.label, "count": counts.get(c.value, 0)}
                for c in f.choices
            ]
            figures.append(
                {"name": f.name, "label": f.label, "unit": "", "kind": "count",
                 "value": sum(counts.values()), "choices": choices,
                 "text": "; ".join(f"{c['label']}: {c['count']}" for c in choices if c["count"])}
            )  # fmt: skip
    return figures


def _child_figures(totals: Totals, form: Form | None) -> dict[str, str]:
    """A child unit's row: its added-up numbers and ratios, written out."""
    row = {}
    for item in figures_json(totals, form):
        if item["kind"] in ("sum", "ratio"):
            row[item["name"]] = item["text"]
    return row


async def _walk(
    rollup: Rollup, root: Node, directory: Directory, form: Form | None
) -> tuple[dict[str, list], bool]:
    """Units with their own assignment in the subtree, by status, and their words, and
    whether the walk was cut short."""
    lists: dict[str, list] = {"on_time": [], "late": [], "missing": [], "returned": [],
                              "notes": []}  # fmt: skip
    text_fields = [f for f in (form.fields if form else ()) if f.rule is Aggregation.TEXTS]
    texts: dict[str, list[dict]] = {f.name: [] for f in text_fields}
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
                        "days_late": days_late(own.first_received_at, own.due_before),
                    }
                )
            if own.returned:
                lists["returned"].append({**entry, "reason": own.review.reason})
            for f in text_fields:
                text = own.values.get(f.name)
                if isinstance(text, str) and text.strip():
                    texts[f.name].append({**entry, "text": text.strip()})
            if own.narrative:
                lists["notes"].append({**entry, "text": own.narrative})
        for child_id, child in node.children.items():
            if child.totals.expected == 0:
                continue
            if visited + len(stack) >= MAX_LISTED_NODES:
                return _sorted(lists, texts, text_fields), True
            child_node = await rollup.get(node.directive_id, node.requirement_id, child_id)
            if child_node is not None:
                stack.append(child_node)
    return _sorted(lists, texts, text_fields), False


def _sorted(lists: dict[str, list], texts: dict[str, list], text_fields) -> dict[str, list]:
    for entries in (*lists.values(), *texts.values()):
        entries.sort(key=lambda e: e["name"])
    lists["texts"] = [
        {"name": f.name, "label": f.label, "entries": texts[f.name]} for f in text_fields
    ]
    return lists


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def _own_json(node: Node | None, form: Form | None) -> dict[str, Any] | None:
    """The unit's own report on this requirement, when it is itself assigned."""
    own = node.own if node else None
    if own is None:
        return None
    return {
        "version": own.version,
        "on_time": own.on_time,
        "received_at": _iso(own.first_received_at),
        "source": own.source,
        "accepted": own.accepted,
        "returned": own.returned,
    }


async def build(
    rollup: Rollup,
    issued: DirectiveIssued,
    unit_id: str,
    directory: Directory,
    now: datetime,
    form_of=None,
) -> dict:
    d = issued.directive
    unit = directory.get(unit_id)
    parent = directory.get(unit.parent) if unit and unit.parent else None
    sections = []
    for requirement in d.requirements:
        form = form_of(issued.directive_id, requirement.id) if form_of else None
        node = await rollup.get(issued.directive_id, requirement.id, unit_id)
        section = _requirement_json(requirement, form)
        totals = node.totals if node else Totals()
        if node is None:
            lists, truncated = (
                _sorted(
                    {"on_time": [], "late": [], "missing": [], "returned": [], "notes": []},
                    {
                        f.name: []
                        for f in (form.fields if form else ())
                        if f.rule is Aggregation.TEXTS
                    },
                    [f for f in (form.fields if form else ()) if f.rule is Aggregation.TEXTS],
                ),
                False,
            )
        else:
            lists, truncated = await _walk(rollup, node, directory, form)
        children = []
        for cid, c in sorted(
            (node.children.items() if node else ()), key=lambda kv: directory.name(kv[0])
        ):
            children.append(
                {
                    "unit_id": cid,
                    "name": directory.name(cid),
                    **totals_json(c.totals, form),
                    "figures": _child_figures(c.totals, form),
                }
            )
        section.update(
            totals=totals_json(totals, form),
            figures=figures_json(totals, form),
            children=children,
            own=_own_json(node, form),
            truncated=truncated,
            **lists,
        )
        sections.append(section)
    return {
        "directive": {
            "id": issued.directive_id,
            "kind": d.kind,
            "ref": d.ref,
            "document": document_title(d.kind, d.ref),
            "title": d.title,
            "issuer": d.issuer,
            "issuer_unit": d.issuer_unit,
            "issued_on": d.issued_on.isoformat(),
            "place": d.place,
            "parents": issued.parents,
        },
        "unit": {
            "id": unit_id,
            "name": directory.name(unit_id),
            "kind": unit.kind if unit else None,
            "parent": {"id": parent.id, "name": parent.name} if parent else None,
        },
        "as_of": now.isoformat(),
        "requirements": sections,
    }


def _requirement_json(requirement: ReportingRequirement, form: Form | None) -> dict:
    return {
        "id": requirement.id,
        "action": requirement.action,
        "due_before": requirement.due_before.isoformat() if requirement.due_before else None,
        "deadline": format_deadline(requirement.due_before),
        "recurrence": requirement.recurrence,
        "auto_approve": requirement.auto_approve,
        "form": {
            "id": form.id,
            "title": form.title,
            "columns": [
                {"name": f.name, "label": f.label, "unit": f.unit}
                for f in form.fields
                if f.rule in (Aggregation.SUM, Aggregation.RATIO)
            ],
        }
        if form
        else None,
    }
