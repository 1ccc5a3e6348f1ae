"""The review queue page (/reviews): what it shows, made from the queue's items and from
the outcome of an "accept the selected reports" post, carried in the redirect's query."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from services.reporter.adapters.review_queue import QueueItem
from shared.slugs import is_slug
from shared.vietnamese import format_deadline, format_instant

MAX_SELECTED = 500  # reports one post may accept
SHOWN_REFUSALS = 20  # refused reports named one by one in the message after a post

# Why a selected report was not accepted, in the words the page shows.
REASONS = {
    "scope": "báo cáo này không gửi đến đơn vị của tài khoản, nên không duyệt được ở đây",
    "unknown": "không tìm thấy văn bản hoặc yêu cầu báo cáo này",
    "not_reported": "đơn vị chưa gửi báo cáo",
    "busy": "báo cáo đang được duyệt cùng lúc ở nơi khác; đề nghị thử lại",
    "invalid": "mục đã chọn không hợp lệ",
    "refused": "hệ thống không ghi nhận được việc chấp nhận",
}


@dataclass
class Group:
    """The waiting reports on one directive."""

    directive_id: str
    document: str
    title: str
    rows: list[dict[str, object]] = field(default_factory=list)


def grouped(items: list[QueueItem]) -> list[Group]:
    """``items`` (oldest first) by directive, the directive waiting longest first."""
    groups: dict[str, Group] = {}
    for item in items:
        group = groups.setdefault(
            item.directive_id, Group(item.directive_id, item.document, item.directive_title)
        )
        d, u, r = item.ids
        group.rows.append(
            {
                "value": f"{d}/{u}/{r}",
                "href": f"/reports/{d}/{u}/{r}",
                "unit": item.unit_name,
                "requirement": item.requirement,
                "submitted": format_instant(item.submitted_at),
                "deadline": format_deadline(item.due_before) if item.due_before else "",
                "on_time": item.on_time,
                "version": item.version,
            }
        )
    return list(groups.values())


def parsed_item(value: str) -> tuple[str, str, str] | None:
    """A checkbox's value, "<directive>/<unit>/<requirement>", or None if it is not one."""
    parts = tuple(value.split("/"))
    if len(parts) != 3 or not all(is_slug(p) for p in parts):
        return None
    return parts[0], parts[1], parts[2]


@dataclass
class Outcome:
    """What one post did: how many it accepted, and each one it could not with why."""

    accepted: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (item value, reason key)

    def query(self, unit: str | None) -> str:
        pairs: list[tuple[str, str]] = [("accepted", str(self.accepted))]
        pairs += [("refused", f"{v}:{k}") for v, k in self.refused[:SHOWN_REFUSALS]]
        if len(self.refused) > SHOWN_REFUSALS:
            pairs.append(("more", str(len(self.refused) - SHOWN_REFUSALS)))
        if unit:
            pairs.append(("unit", unit))
        return urlencode(pairs)

    def detail(self, selected: list[str]) -> str:
        """The audit entry's detail (English, as logs are)."""
        refused = {v for v, _ in self.refused}
        accepted = [v for v in selected if v[:200] not in refused]
        why = [f"{v} ({k})" for v, k in self.refused]
        return f"accepted {len(accepted)}: {', '.join(accepted)}; refused {len(why)}: " + (
            ", ".join(why)
        )


def refusal_line(what: str, reason: str) -> str:
    """One refused report in the message: ``what`` (the unit and the directive) and why."""
    return f"{what}: {REASONS.get(reason, REASONS['refused'])}."
