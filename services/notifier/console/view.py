"""What the mail timeline shows, from the ledger's entries and the directive's
assignments: pure functions, the reading is in adapters/timeline.py.

A ledger key is ``<event id>.<unit>`` or ``<timer id>.<unit>``; every id there names its
directive and, but for the directive notice, its requirement at a fixed token
(shared/subjects.py), so the key alone says which unit and requirement a mail was for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from services.notifier.adapters.timeline import LedgerRecord
from services.notifier.domain.timer_plan import CORRECTED, EXTENDED, correction_of, extension_of
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.contracts import AssignmentCreated
from shared.directory import Directory
from shared.vietnamese import format_deadline, format_instant

# The notifier's mail templates (services/notifier/templates) in the staff's words.
KIND_NAMES = {
    "assignment": "Giao nhiệm vụ",
    "directive_notice": "Gửi để biết",
    "reminder": "Nhắc hạn",
    "overdue": "Đôn đốc quá hạn",
    "digest": "Báo đơn vị chậm báo cáo",
    "returned": "Trả lại báo cáo",
    "resend": "Gửi lại đường dẫn",
    "expired_link": "Báo đơn vị mở đường dẫn hết hạn",
    "extension_asked": "Đơn vị xin gia hạn",
    "extension_answer": "Trả lời xin gia hạn",
    "recall_notice": "Thông báo thu hồi văn bản",
    "basis_recalled": "Báo văn bản căn cứ bị thu hồi",
    "correction_notice": "Thông báo đính chính văn bản",
    "basis_corrected": "Báo văn bản căn cứ được đính chính",
    "unopened": "Nhắc lại văn bản chưa được mở",
}
# A ledger status: (badge class, words).
STATES = {
    "sent": ("on_time", "Máy chủ thư đã nhận"),
    "claimed": ("waiting", "Đang gửi"),
    "failed": ("late", "Lỗi tạm thời, đang thử lại"),
    "rejected": ("overdue", "Máy chủ thư từ chối"),
    "uncertain": ("missing", "Có thể đã gửi (máy chủ không trả lời)"),
}
RESEND_FAILED = ("late", "Lỗi tạm thời, chưa gửi được")  # nothing retries a resend
_REMIND = re.compile(r"^remind-(\d+)(w?d)$")
# Where the requirement id is in an event's key (``<kind>.<directive>.<unit>.<req>...``).
_WITH_REQUIREMENT = ("assignment-created", "report-reviewed", "resend", "extension")


@dataclass(frozen=True)
class KeyParts:
    unit_id: str
    requirement_id: str | None
    days_before: int | None = None  # a reminder's
    working_days: bool = False  # its days_before counts working days


def parse_key(key: str, directive_id: str) -> KeyParts | None:
    """Who a mail went to and for which requirement, if it is one of ``directive_id``'s."""
    tokens = key.split(".")
    if tokens[0] == "timer":
        if len(tokens) < 5 or tokens[2] != directive_id:
            return None
        # a timer planned for an extension or a correction is of its kind: "overdue-x1",
        # "remind-3d-x1", "remind-3d-c1", "overdue-c1-x1"
        kind = tokens[1].removesuffix(f"{EXTENDED}{extension_of(tokens[1])}")
        kind = kind.removesuffix(f"{CORRECTED}{correction_of(kind)}")
        requirement = tokens[3] if kind == "digest" else tokens[4]
        remind = _REMIND.match(kind)
        if remind is None:
            return KeyParts(tokens[-1], requirement)
        days, unit = int(remind.group(1)), remind.group(2)
        return KeyParts(tokens[-1], requirement, days, unit == "wd")
    if len(tokens) < 3 or tokens[1] != directive_id:
        return None
    with_requirement = tokens[0] in _WITH_REQUIREMENT and len(tokens) >= 5
    return KeyParts(tokens[-1], tokens[3] if with_requirement else None)


@dataclass(frozen=True)
class MailRow:
    at: datetime
    when: str
    unit_id: str
    unit_name: str
    addresses: list[str]
    kind: str
    kind_name: str
    about: str  # the requirement's action, when the mail is about one
    state: str
    state_name: str
    detail: str  # the server's words on a failure or refusal


def _kind_name(template: str, parts: KeyParts) -> str:
    name = KIND_NAMES.get(template, template)
    if parts.days_before is not None:
        left = "ngày làm việc" if parts.working_days else "ngày"
        return f"{name} (còn {parts.days_before} {left})"
    return name


def mail_rows(
    records: list[LedgerRecord], directive_id: str, directory: Directory, actions: dict[str, str]
) -> list[MailRow]:
    """The directive's mails, newest first; ``actions``: each requirement's action."""
    rows = []
    for record in records:
        parts = parse_key(record.key, directive_id)
        if parts is None:
            continue
        entry = record.entry
        state, state_name = STATES.get(entry.status, ("missing", entry.status))
        if entry.template == "resend" and entry.status == "failed":
            state, state_name = RESEND_FAILED
        rows.append(
            MailRow(
                at=entry.at,
                when=format_instant(entry.at),
                unit_id=parts.unit_id,
                unit_name=directory.name(parts.unit_id),
                addresses=entry.recipients,
                kind=entry.template,
                kind_name=_kind_name(entry.template, parts),
                about=actions.get(parts.requirement_id or "", ""),
                state=state,
                state_name=state_name,
                detail=entry.detail if entry.status in ("failed", "rejected", "uncertain") else "",
            )
        )
    return sorted(rows, key=lambda r: r.at, reverse=True)


@dataclass(frozen=True)
class AssignedRow:
    unit_id: str
    unit_name: str
    requirement_id: str
    action: str
    deadline: str
    last_mail: str  # when it was last mailed anything about it, or ""
    resendable: bool  # this principal may resend its link


def assigned_rows(
    assignments: list[AssignmentCreated],
    rows: list[MailRow],
    principal: Principal,
    directory: Directory,
) -> list[AssignedRow]:
    """The assignments the principal reads, with who may have their link resent: the
    staff of the unit the report goes to (as for revoking the link, services/reporter)."""
    last: dict[str, str] = {}
    for row in rows:  # newest first: the first seen is the latest
        last.setdefault(row.unit_id, row.when)
    may = principal.may(Action.LINK_RESEND)
    found = []
    for event in assignments:
        a = event.assignment
        if not principal.reads(a.unit_id, directory):
            continue
        found.append(
            AssignedRow(
                unit_id=a.unit_id,
                unit_name=directory.name(a.unit_id),
                requirement_id=a.requirement.id,
                action=a.requirement.action,
                deadline=format_deadline(a.requirement.due_before),
                last_mail=last.get(a.unit_id, ""),
                # a unit a correction took off has nothing to report any more
                resendable=may and principal.acts_as(a.reviewing_unit) and not a.cancelled,
            )
        )
    return sorted(found, key=lambda r: (r.unit_name, r.requirement_id))


def summary(rows: list[MailRow]) -> list[dict[str, object]]:
    """How many mails are in each state, for the line above the timeline."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state_name] = counts.get(row.state_name, 0) + 1
    return [{"label": label, "count": n} for label, n in counts.items()]


# After a resend, the page says what came of it: (is it an error, the words).
OUTCOMES = {
    "sent": (False, "Đã gửi lại thư giao nhiệm vụ, kèm đường dẫn báo cáo, cho {unit}."),
    "repeated": (
        False,
        "Yêu cầu gửi lại này đã được thực hiện trước đó (biểu mẫu được gửi hai lần), nên "
        "không gửi thêm thư cho {unit}.",
    ),
    "no_address": (True, "{unit} chưa có địa chỉ thư điện tử trong danh bạ: chưa gửi được."),
    "refused": (True, "Máy chủ thư từ chối thư gửi lại cho {unit}: chưa gửi được."),
    "revoked": (
        True,
        "Đường dẫn báo cáo của {unit} đã bị thu hồi nên không gửi lại: đường dẫn đó không "
        "còn mở được biểu mẫu báo cáo.",
    ),
    "failed": (
        True,
        "Máy chủ thư tạm thời chưa nhận thư gửi lại cho {unit}. Đề nghị thử lại sau ít phút.",
    ),
    "recalled": (
        True,
        "Văn bản đã bị thu hồi nên không gửi lại đường dẫn báo cáo cho {unit}: không còn "
        "yêu cầu báo cáo nào theo văn bản này.",
    ),
    "cancelled": (
        True,
        "Văn bản đã được đính chính, {unit} không còn phải thực hiện và báo cáo theo văn "
        "bản này nên không gửi lại đường dẫn báo cáo.",
    ),
}


def outcome_notice(outcome: str, unit_name: str) -> tuple[str, str]:
    """(message, error) for the layout, after a resend redirected back here."""
    found = OUTCOMES.get(outcome)
    if found is None:
        return "", ""
    is_error, words = found
    text = words.format(unit=unit_name)
    return ("", text) if is_error else (text, "")
