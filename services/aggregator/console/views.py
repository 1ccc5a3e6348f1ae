"""What the console's home and a directive's page show, built from what the roll-up knows
(pure: the reading is ``handlers/home.py`` and ``handlers/home_directive.py``).

A report's status is one of the roll-up's facts, never stored apart: sent on time or
late (judged on its first version), missing before or after its deadline (and, until it
is sent, whether the unit's mail went and whether it opened its link), and the parent's
last decision on its latest version (returned, accepted). A unit granted more time (xin
gia hạn) is judged by the deadline in force, and its request or grant is a badge of its
own. Counts come from the nodes' totals, so a page with thousands of units below reads
one node per child."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.aggregator.documents.report import short_deadline
from services.aggregator.domain.correction import dropped
from services.aggregator.domain.day_count import CALENDAR_DAYS, DayCount
from services.aggregator.domain.nodes import Node, Own
from services.aggregator.domain.recall import (
    HEADLINE,
    basis_headline,
    headline,
    no_longer_due,
    recall_day,
)
from services.aggregator.domain.synthesis import Recalled, RecalledBasis
from services.aggregator.handlers.upward import Upward
from shared.contracts import DirectiveIssued, ReportingRequirement, Totals
from shared.vietnamese import document_title, format_date, format_deadline, format_instant

# The statuses a report can be in, as the badges and the filters name them.
STATUS_WORDS = {
    # before it reports: how far the unit was reached (the furthest is shown)
    "mailed": "Đã gửi thư",
    "opened": "Đã mở đường dẫn",
    "received": "Đã xác nhận nhận văn bản",
    "expired": "Mở đường dẫn đã hết hạn",  # the staff resend it: a new link goes out
    "on_time": "Đã nộp đúng hạn",
    "late": "Nộp muộn",
    "overdue": "Quá hạn chưa nộp",
    "waiting": "Chưa đến hạn",
    "returned": "Bị trả lại",
    "accepted": "Đã chấp nhận",
}
# A unit's requests for more time: their badges carry the date, the filters these words.
EXTENSION_WORDS = {"extension": "Xin gia hạn", "extended": "Được gia hạn"}
FILTERS = ("all", *STATUS_WORDS, *EXTENSION_WORDS)
FILTER_WORDS = {"all": "Tất cả", **STATUS_WORDS, **EXTENSION_WORDS}

Badge = tuple[str, str]  # (key of ui.badge, words)


@dataclass(frozen=True)
class Progress:
    """A stacked bar's segments (``ui.progress``), its total and its words."""

    segments: list[dict[str, Any]]
    total: int
    label: str
    submitted: int
    accepted: int


def is_past(due: datetime | None, now: datetime) -> bool:
    return due is not None and now >= due


def progress(parts: Iterable[tuple[Totals, datetime | None]], now: datetime) -> Progress:
    """The reports of (totals, deadline) pairs: sent on time, late, missing past the
    deadline, missing before it."""
    on_time = late = overdue = waiting = accepted = expected = 0
    for totals, due in parts:
        on_time += totals.on_time
        late += totals.late
        accepted += totals.accepted
        expected += totals.expected
        late_now = totals.overdue(due, now)  # less those granted a deadline still ahead
        overdue += late_now
        waiting += totals.missing - late_now
    counts = {"on_time": on_time, "late": late, "overdue": overdue, "missing": waiting}
    return _worded(counts, expected, accepted)


def combined(each: Iterable[Progress]) -> Progress:
    """Several bars' reports in one: the sections a page shows, of all it could."""
    counts = dict.fromkeys(("on_time", "late", "overdue", "missing"), 0)
    expected = accepted = 0
    for p in each:
        for segment in p.segments:
            counts[segment["key"]] += segment["count"]
        expected += p.total
        accepted += p.accepted
    return _worded(counts, expected, accepted)


def _worded(counts: dict[str, int], expected: int, accepted: int) -> Progress:
    on_time, late, overdue, waiting = (counts[k] for k in ("on_time", "late", "overdue", "missing"))
    words = {"missing": "Chưa nộp, chưa đến hạn", **STATUS_WORDS}
    segments = [{"key": k, "label": words[k], "count": c} for k, c in counts.items()]
    label = (
        f"{on_time + late}/{expected} báo cáo đã nộp: {on_time} đúng hạn, {late} nộp muộn, "
        f"{overdue} quá hạn chưa nộp, {waiting} chưa đến hạn"
    )
    return Progress(segments, expected, label, on_time + late, accepted)


def next_deadline(requirements: Iterable[ReportingRequirement], now: datetime) -> str:
    dues = sorted(r.due_before for r in requirements if r.due_before is not None)
    upcoming = [d for d in dues if d > now]
    if upcoming:
        return format_deadline(upcoming[0])
    if dues:
        return f"đã hết hạn ({format_deadline(dues[-1])})"
    return "không ghi thời hạn"


def own_badges(
    own: Own | None,
    due: datetime | None,
    now: datetime,
    closed: str = "",
    days: DayCount = CALENDAR_DAYS,
) -> list[Badge]:
    """A unit's own report under a requirement, as badges; none when not assigned.
    ``closed``: the directive was recalled or replaced ("Đã thu hồi"), which a unit that
    had not reported reads instead of a lateness; one a correction took off reads so.
    ``days``: how the requirement's form counts a late report's days."""
    if own is None:
        return []
    if own.dropped:
        return [("cancelled", dropped(own.correction))]
    if closed and own.version == 0:
        return [("recalled", closed)]
    due = own.due or due
    taken_off = [("cancelled", dropped(own.correction))] if own.cancelled else []
    return _report_badges(own, due, now, days) + extension_badges(own) + taken_off


def extension_badges(own: Own) -> list[Badge]:
    """The time granted, and a request still waiting for the parent's answer (each
    request is for one assignment, on the deadline its own report is judged by)."""
    badges: list[Badge] = []
    if own.extended and own.due is not None:
        badges.append(("extended", f"Được gia hạn đến {short_deadline(own.due)}"))
    pending = own.extensions.pending if own.extensions else None
    if pending is not None and own.version == 0:  # once it reports, the time is moot
        badges.append(("extension", f"Xin gia hạn đến {short_deadline(pending.requested_due)}"))
    return badges


def _report_badges(own: Own, due: datetime | None, now: datetime, days: DayCount) -> list[Badge]:
    if own.version == 0:
        key = "overdue" if is_past(due, now) else "waiting"
        reached = (
            "received"
            if own.confirmed_at
            else "opened"
            if own.opened_at
            else "mailed"
            if own.mailed_at
            else None
        )
        # a link tried after its time, unless a newer mail (a resend) went since
        stale_link = own.expired_at is not None and not (
            own.last_mailed_at is not None and own.last_mailed_at > own.expired_at
        )
        keys = (key, reached, "expired" if stale_link else None)
        return [(k, STATUS_WORDS[k]) for k in keys if k]
    if own.on_time:
        badges = [("on_time", STATUS_WORDS["on_time"])]
    else:
        badges = [("late", days.late_words(own.first_received_at, due))]
    if own.returned:
        badges.append(("returned", STATUS_WORDS["returned"]))
    elif own.accepted:
        badges.append(("accepted", STATUS_WORDS["accepted"]))
    return badges


def subtree_keys(totals: Totals, due: datetime | None, now: datetime) -> set[str]:
    """The statuses present among the reports ``totals`` counts (a filter's match)."""
    keys = {k for k in ("on_time", "late", "accepted", "extended") if getattr(totals, k)}
    overdue = totals.overdue(due, now)
    if overdue:
        keys.add("overdue")
    if totals.missing > overdue:
        keys.add("waiting")
    return keys


def _totals(node: Node | None) -> Totals:
    return node.totals if node else Totals()


def when(instant: datetime | None) -> str:
    return format_instant(instant) if instant else ""


def issued_day(issued: DirectiveIssued) -> str:
    return format_date(issued.directive.issued_on)


def sort_newest(entries: dict[str, str]) -> list[str]:
    """Directive ids by their issued_on (ISO), newest first; then by id, for a stable page."""
    return [d for d, _ in sorted(entries.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)]


# -- the home page -------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedItem:
    directive_id: str
    document: str
    title: str
    issued_on: str
    progress: Progress
    next_deadline: str
    recalled: str = ""  # "Văn bản đã bị thu hồi ngày 20/06/2024", when it was
    bases: list[str] = field(default_factory=list)  # what it implements, recalled since


def recalled_words(recalled: Recalled | None) -> str:
    if recalled is None:
        return ""
    head = headline(recalled) if recalled.replaced_by else HEADLINE
    return f"{head} ngày {recall_day(recalled)}"


def issued_item(
    issued: DirectiveIssued,
    roots: dict[str, Node | None],
    now: datetime,
    recalled: Recalled | None = None,
    bases: list[RecalledBasis] | None = None,
) -> IssuedItem:
    """A directive a unit issued: ``roots`` are its roll-up roots by requirement; a
    recalled one has no deadline ahead any more; ``bases``: what it implements that was
    recalled (its issuer reviews it)."""
    d = issued.directive
    parts = [(_totals(roots.get(r.id)), r.due_before) for r in d.requirements]
    return IssuedItem(
        directive_id=issued.directive_id,
        document=document_title(d.kind, d.ref),
        title=d.title,
        issued_on=issued_day(issued),
        progress=progress(parts, now),
        next_deadline=no_longer_due(recalled) if recalled else next_deadline(d.requirements, now),
        recalled=recalled_words(recalled),
        bases=[basis_headline(b) for b in bases or ()],
    )


@dataclass(frozen=True)
class AssignedRequirement:
    action: str
    deadline: str
    badges: list[Badge]
    received: str
    to_do: bool  # nothing sent yet, or sent back: the unit has to (re)send it
    this_week: bool  # to do, and due within the week


@dataclass(frozen=True)
class AssignedItem:
    directive_id: str
    document: str
    title: str
    issuer: str
    issued_on: str
    requirements: list[AssignedRequirement]
    due_this_week: bool
    recalled: str = ""  # as IssuedItem's


def assigned_requirement(
    r: ReportingRequirement,
    own: Own,
    now: datetime,
    week_end: datetime,
    recalled: str,
    days: DayCount = CALENDAR_DAYS,
) -> AssignedRequirement:
    """The unit's own assignment; of a recalled directive (``recalled``: its words, "" if
    it stands) nothing is to do any more, nor of one a correction took the unit off: a
    report not sent is neither due nor overdue (one sent keeps its status)."""
    due = own.due or r.due_before  # the deadline in force: moved by a grant
    to_do = not recalled and not own.cancelled and (own.version == 0 or own.returned)
    badges = own_badges(own, due, now, closed=recalled, days=days)
    return AssignedRequirement(
        action=r.action,
        deadline=format_deadline(due),
        badges=badges,
        received=when(own.first_received_at),
        to_do=to_do,
        this_week=to_do and due is not None and now <= due < week_end,
    )


def assigned_item(
    issued: DirectiveIssued,
    own_nodes: dict[str, Node | None],
    now: datetime,
    week_end: datetime,
    recalled: Recalled | None = None,
    days: Mapping[str, DayCount] | None = None,
) -> AssignedItem | None:
    """A directive from above that assigns the unit: ``own_nodes`` are the unit's own
    nodes by requirement; None when none is the unit's own assignment (yet). ``days``:
    how each requirement (by id) counts days late, calendar days if not given."""
    d = issued.directive
    closed = no_longer_due(recalled) if recalled else ""
    wanted = [
        assigned_requirement(
            r, node.own, now, week_end, closed, (days or {}).get(r.id, CALENDAR_DAYS)
        )
        for r in d.requirements
        if (node := own_nodes.get(r.id)) is not None and node.own is not None
    ]
    if not wanted:
        return None
    return AssignedItem(
        directive_id=issued.directive_id,
        document=document_title(d.kind, d.ref),
        title=d.title,
        issuer=d.issuer,
        issued_on=issued_day(issued),
        requirements=wanted,
        due_this_week=any(w.this_week for w in wanted),
        recalled=recalled_words(recalled),
    )


@dataclass
class HomeView:
    unit_name: str
    operator: bool
    issued: list[IssuedItem] = field(default_factory=list)
    issued_more: int = 0  # issued directives not listed (past the page's limit)
    assigned: list[AssignedItem] = field(default_factory=list)
    assigned_more: int = 0

    @property
    def this_week(self) -> list[AssignedItem]:
        return [a for a in self.assigned if a.due_this_week]


# -- the report a unit's synthesis sent up, on its synthesis and status pages -----------


def _approved(up: Upward) -> str:
    """Who approved what went up, and when: "Lê Quang Thành (lanhdao.snv) duyệt lúc ..."."""
    a = up.approval
    if a is None:
        return ""
    at = format_instant(a.approved_at)
    if a.automatic:
        return f"Hệ thống tự động duyệt lúc {at} (sát hạn báo cáo lên cấp trên). "
    return f"{a.approved_by or 'Lãnh đạo đơn vị'} duyệt lúc {at}. "


def upward_words(up: Upward) -> dict[str, str]:
    """The state of the report sent up, as a badge and a sentence."""
    when = format_instant(up.received_at) if up.received_at else ""
    sent = _approved(up) + "Đã gửi lên cấp trên"
    if when:
        sent += f" lúc {when} (phiên bản {up.version})"
    target = f" theo {up.parent}" if up.parent else ""
    if up.state == "no_target":
        return {"key": "missing", "badge": "Không có văn bản cấp trên",
                "text": "Không có văn bản cấp trên nào giao cho đơn vị báo cáo mà báo cáo "
                "tổng hợp này trả lời."}  # fmt: skip
    if up.state == "not_sent":
        return {"key": "missing", "badge": "Chưa gửi",
                "text": f"Chưa gửi báo cáo lên cấp trên{target}."}  # fmt: skip
    reviewed = f" lúc {format_instant(up.reviewed_at)}" if up.reviewed_at else ""
    if up.state == "accepted":
        return {"key": "accepted", "badge": "Cấp trên đã chấp nhận",
                "text": f"{sent}{target}; cấp trên đã chấp nhận{reviewed}."}  # fmt: skip
    if up.state == "returned":
        return {"key": "returned", "badge": "Cấp trên trả lại",
                "text": f"{sent}{target}; cấp trên trả lại{reviewed} để sửa, lý do: "
                f"{up.reason or 'không ghi'}. Đơn vị sửa rồi duyệt gửi lại."}  # fmt: skip
    return {"key": "waiting", "badge": "Chờ cấp trên xem xét",
            "text": f"{sent}{target}; đang chờ cấp trên xem xét."}  # fmt: skip
