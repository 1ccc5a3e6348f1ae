"""What the command line tells a clerk after an action, in Vietnamese: the services'
JSON answers (which ``--json`` prints as they are) as sentences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.issuer.documents.words import ROLES
from shared.vietnamese import format_deadline, format_instant

ASSIGNED = "Được giao báo cáo"


def _value(value: Any) -> str:
    if isinstance(value, dict) and "filename" in value:
        return f"tệp {value['filename']}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def submission(receipt: dict, unit: str, ref: str, repeated: bool) -> str:
    """A report received: which version, when, on time or late, and its values."""
    received = format_instant(datetime.fromisoformat(receipt["received_at"]))
    due = receipt.get("due_before")
    timing = "đúng hạn" if receipt["on_time"] else "muộn hạn"
    if due:
        timing += f" (hạn: {format_deadline(datetime.fromisoformat(due))})"
    head = (
        f"Báo cáo này đã được nhận trước đó: phiên bản {receipt['version']}"
        if repeated
        else f"Đã nhận báo cáo phiên bản {receipt['version']}"
    )
    lines = [f"{head} của {unit} về {ref}, lúc {received}, {timing}."]
    lines += [f"  {name}: {_value(v)}" for name, v in receipt.get("values", {}).items()]
    return "\n".join(lines)


def review(decision: dict, unit: str, ref: str) -> str:
    of = f"phiên bản {decision['version']} báo cáo của {unit} về {ref}"
    if decision["decision"] == "accepted":
        return f"Đã chấp nhận {of}."
    return (
        f"Đã trả lại {of} để đơn vị sửa, lý do: {decision['reason']} Đơn vị sẽ nhận được thư báo."
    )


def approval(event: dict, ref: str, issuer: str) -> str:
    return (
        f"Đã duyệt báo cáo tổng hợp {ref}: gửi lên cấp trên như báo cáo của {issuer} "
        f"(văn bản {event['target_directive_id']}, yêu cầu {event['target_requirement_id']})."
    )


def issued(result: dict) -> str:
    """A directive issued, or found issued before."""
    ref = result["ref"]
    if result["status"] == "already_issued":
        head = f"{ref} đã được ban hành trước đó; không gửi gì thêm."
    else:
        head = (
            f"Đã ban hành {ref}: giao {result['assignments']} yêu cầu báo cáo, "
            f"gửi {result['notices']} thông báo (để biết, báo cáo cấp trên)."
        )
    lines = [head, f"  mã văn bản: {result['directive_id']}"]
    lines += [f"  cảnh báo: {w}" for w in result.get("warnings", [])]
    return "\n".join(lines)


def mailing(preview: dict) -> list[str]:
    """Who issuing would mail, as what: one line per unit."""
    if preview.get("problems"):
        return ["Chưa ban hành được như hiện tại:", *[f"  - {p}" for p in preview["problems"]]]
    mailed = preview.get("mailed", [])
    lines = [f"Sẽ gửi thư cho {len(mailed)} đơn vị:"]
    for entry in mailed:
        to = ", ".join(entry["emails"]) or "chưa có địa chỉ thư"
        if entry["role"] == "assigned":
            asked = "; ".join(
                f"{a['action']}, {format_deadline(_instant(a['due_before']))}"
                for a in entry["asked"]
            )
            role = f"{ASSIGNED}: {asked}"
        else:
            role = ROLES.get(entry["role"], entry["role"])
        lines.append(f"  {entry['name']} ({entry['unit_id']}) <{to}>: {role}")
    return lines


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
