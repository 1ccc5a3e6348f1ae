"""What the draft page shows, built from a draft: the fields as corrected, each recipient
with its units' names, each requirement with its deadline and form, the highlighted
text, the warnings in Vietnamese, the unit picker's matches and, per kind of recipient,
what the mail will ask of them."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from services.issuer.console.highlight import highlighted
from services.issuer.documents.words import KINDS, ROLES, warning_words
from services.issuer.domain.draft import Draft, due_day
from services.issuer.domain.planning import CannotIssue, plan_issue
from shared.contracts import Directive
from shared.contracts.directives import SECRECY_MARKS, URGENCY_MARKS
from shared.directory import Directory, DirectoryError
from shared.forms import builtin
from shared.slugs import fold
from shared.vietnamese import format_deadline, format_instant


def describe(selector: dict[str, Any], directory: Directory) -> dict[str, str]:
    """A unit, or a group of units, in words."""
    unit = selector.get("unit")
    if unit:
        return {"id": str(unit), "name": directory.name(str(unit))}
    under = str(selector.get("under") or "")
    depth = "mọi cấp dưới" if selector.get("depth") == "subtree" else "trực thuộc"
    kinds = selector.get("kinds") or []
    what = "các chi bộ" if kinds and all("chi_bo" in k for k in kinds) else "các đơn vị"
    return {"id": "", "name": f"{what} {depth} {directory.name(under)}"}


def _form_options(requirements: list[dict[str, Any]]) -> list[dict[str, str]]:
    forms = {form_id: form.title for form_id, form in builtin().items()}
    for requirement in requirements:  # an organisation's own form, named in the draft
        if requirement.get("form") and requirement["form"] not in forms:
            forms[str(requirement["form"])] = str(requirement["form"])
    return [{"id": k, "title": v} for k, v in forms.items()]


def matches(directory: Directory, query: str, limit: int = 12) -> list[dict[str, str]]:
    """Units whose name, id or another name holds every word of ``query``."""
    words = fold(query).split()
    if not words:
        return []
    found = []
    for unit in directory:
        names = fold(" ".join([unit.name, unit.id, *unit.aliases]))
        if all(word in names for word in words):
            parent = directory.name(unit.parent) if unit.parent else ""
            found.append({"id": unit.id, "name": unit.name, "parent": parent})
            if len(found) == limit:
                break
    return found


def _plan_preview(draft: Draft, directory: Directory) -> dict[str, Any] | None:
    """Per kind of recipient, who they are and what the mail asks of them; None when the
    draft cannot be planned yet (an unknown unit, no unit to report)."""
    data = {
        **draft.directive,
        "ref": draft.directive.get("ref") or "0",
        "title": draft.directive.get("title") or "0",
        "issued_on": draft.directive.get("issued_on") or draft.created_at.date().isoformat(),
        "issuer_unit": draft.unit_id,
    }
    try:
        plan = plan_issue(Directive.model_validate(data), directory)
    except (ValidationError, CannotIssue, DirectoryError):
        return None
    forms = builtin()
    asked = []
    for requirement in plan.directive.requirements:
        units = plan.assignees.get(requirement.id, [])
        form = forms.get(requirement.form or "")
        asked.append({
            "action": requirement.action,
            "due": format_deadline(requirement.due_before),
            "form": form.title if form else (requirement.form or ""),
            "count": len(units),
            "names": [directory.name(u) for u in units[:8]],
            "more": max(len(units) - 8, 0),
        })  # fmt: skip
    informed = [directory.name(n.unit_id) for n in plan.notices]
    return {"asked": asked, "informed": informed}


def draft_view(
    draft: Draft, directory: Directory, problems: dict[str, str], query: str = ""
) -> dict[str, Any]:
    d = draft.directive
    recipients = [
        {"text": r.get("text", ""), "role": r.get("role", ""),
         "units": [describe(s, directory) for s in r.get("units") or []]}
        for r in d.get("recipients") or []
    ]  # fmt: skip
    requirements = [
        {"action": r.get("action", ""), "text": r.get("text", ""),
         "due": due_day(r.get("due_before")), "form": r.get("form") or "",
         "to": directory.name(r["to_unit"]) if r.get("to_unit") else ""}
        for r in d.get("requirements") or []
    ]  # fmt: skip
    return {
        "draft": draft,
        "issued": draft.status == "issued",
        "fields": {
            k: d.get(k) or ""
            for k in ("ref", "issued_on", "title", "kind", "issuer", "urgency", "secrecy")
        },
        "urgency_marks": URGENCY_MARKS,
        "secrecy_marks": SECRECY_MARKS,
        "recipients": recipients,
        "addressees": [describe(s, directory) for s in d.get("addressees") or []],
        "requirements": requirements,
        "role_words": ROLES,
        "forms": _form_options(d.get("requirements") or []),
        "pieces": highlighted(draft.reading, draft.text),
        "kinds": KINDS,
        "warnings": [warning_words(w) for w in draft.warnings],
        "problems": problems,
        "query": query,
        "found": matches(directory, query) if query else [],
        "preview": _plan_preview(draft, directory),
        "draft_unit": directory.name(draft.unit_id),
        "created": format_instant(draft.created_at),
    }
