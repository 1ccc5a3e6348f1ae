"""What the synthesis page shows, worked out from the synthesis, the saved sections and
the state of the report sent up; the template only lays it out (and escapes it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from services.aggregator.console.periods import (
    choices,
    shown,
    synthesis_counts,
    trend,
    with_period_label,
)
from services.aggregator.console.views import upward_words
from services.aggregator.deps import Deps
from services.aggregator.documents.html import render_body
from services.aggregator.documents.report import build_report
from services.aggregator.domain.notes import MAX_CHARS, WRITTEN_SECTIONS, StoredNotes
from services.aggregator.domain.recall import basis_sentence, recall_notice
from services.aggregator.domain.synthesis import RequirementSynthesis, Synthesis, Written
from services.aggregator.handlers.upward import upward_report
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.console import Console
from shared.vietnamese import document_title, format_instant, format_number

CONSOLE = Console(Path(__file__).parent / "templates", css="synthesis.css.j2")
TEMPLATE = "synthesis.html.j2"

SAVED = "Đã lưu các phần đơn vị tự viết; báo cáo tổng hợp bên dưới đã có các phần này."
TOO_LONG = (
    "Chưa lưu: mỗi phần viết tối đa {limit} ký tự; phần “{labels}” dài hơn. Nội dung "
    "đồng chí đã nhập vẫn còn nguyên bên dưới, đề nghị rút gọn rồi lưu lại."
)
STALE = (
    "Chưa lưu: {who} đã lưu các phần này{when} trong lúc đồng chí đang sửa. Để không mất "
    "nội dung của ai, bên dưới là cả hai bản: bản đã lưu và bản đồng chí vừa nhập. Đề nghị "
    "đối chiếu, gộp vào ô nhập rồi bấm “Lưu” lần nữa."
)
LABELS = {name: label for name, label, _ in WRITTEN_SECTIONS}


@dataclass
class Draft:
    """The form's state: what is in the textareas and the revision they were loaded at;
    ``theirs`` when someone saved in between (shown beside the typed text)."""

    written: Written
    revision: int
    theirs: StoredNotes | None = None
    invalid: list[str] = field(default_factory=list)  # the fields refused as too long


def refusal_words(draft: Draft) -> str:
    if draft.invalid:
        labels = "”, “".join(LABELS[name] for name in draft.invalid)
        return TOO_LONG.format(limit=format_number(MAX_CHARS), labels=labels)
    theirs = draft.theirs
    who = theirs.by if theirs and theirs.by else "một đồng chí khác"
    when = f" lúc {format_instant(theirs.at)}" if theirs and theirs.at else ""
    return STALE.format(who=who, when=when)


def _progress(
    r: RequirementSynthesis, every: list[RequirementSynthesis], period_url: Callable[[str], str]
) -> dict[str, Any]:
    """A requirement's reports in a bar; of a recurring one, the links to its other
    periods and the trend across them (``every``: all the synthesis's requirements)."""
    t = r.totals
    segments = [
        {"key": "on_time", "label": "Đúng hạn", "count": t.on_time},
        {"key": "late", "label": "Muộn", "count": t.late},
        {"key": "missing", "label": "Chưa báo cáo", "count": t.missing},
    ]
    label = f"{t.submitted}/{t.expected} đơn vị đã báo cáo"
    return {
        "id": r.id,
        "action": with_period_label(r.action[:1].upper() + r.action[1:], r.period),
        "deadline": r.deadline,
        "segments": segments,
        "total": t.expected,
        "label": label,
        "returned": len(r.returned),
        "choices": choices(every, r, period_url),
        "trend": trend(every, r, period_url, synthesis_counts),
    }


def links(s: Synthesis) -> dict[str, str]:
    base = f"/api/directives/{s.directive.id}/synthesis"
    return {
        f: f"{base}?{urlencode({'unit': s.unit.id, 'format': f})}" for f in ("docx", "md", "html")
    }


async def context(
    deps: Deps, principal: Principal, s: Synthesis, draft: Draft, period: str | None = None
) -> dict[str, Any]:
    """Everything the template uses but the layout's own; ``period``: the period shown
    of a recurring requirement (its key, "2025-q1"; the latest if unset or unknown)."""
    d = s.directive
    directory = deps.directory()
    own_unit = principal.acts_as(s.unit.id)
    issuer_shown = s.unit.id == d.issuer_unit
    up = await upward_report(deps, d.id) if issuer_shown else None
    return {
        "title": f"Báo cáo tổng hợp — {document_title(d.kind, d.ref)}",
        "s": s,
        "as_of": format_instant(datetime.fromisoformat(s.as_of)),
        "shown_unit": directory.name(s.unit.id) if s.unit.id in directory else s.unit.name,
        "progress": [
            _progress(r, s.requirements, _period_url(s)) for r in shown(s.requirements, period)
        ],
        "links": links(s),
        "report": render_body(build_report(s)),
        "sections": [(name, label) for name, label, _ in WRITTEN_SECTIONS],
        "draft": draft,
        "max_chars": format_number(MAX_CHARS),
        "may_edit": own_unit and principal.may(Action.SYNTHESIS_EDIT),
        # a recalled directive's synthesis goes nowhere: no button (and refused if posted)
        "may_approve": own_unit
        and issuer_shown
        and not d.recalled
        and principal.may(Action.SYNTHESIS_APPROVE),
        "recalled": recall_notice(d.recalled) if d.recalled else None,
        "bases": [basis_sentence(b) for b in d.basis_recalled],
        "issuer_shown": issuer_shown,
        "upward": upward_words(up) if up else None,
        "notes_action": f"/directives/{d.id}/synthesis/notes",
        "approve_action": f"/directives/{d.id}/synthesis/approve",
    }


def _period_url(s: Synthesis) -> Callable[[str], str]:
    def period_url(key: str) -> str:
        """This page for the same unit, showing the period keyed ``key``."""
        query = urlencode({"unit": s.unit.id, "period": key})
        return f"/directives/{quote(s.directive.id, safe='')}/synthesis?{query}"

    return period_url


def render(
    request: Any, principal: Principal, ctx: dict[str, Any], status: int = 200, **notice: str
) -> Any:
    return CONSOLE.page(request, principal, TEMPLATE, status=status, **ctx, **notice)
