"""``chidao parse``: reading documents from the command line, and how they are shown.

The command reads in its own process (the issuer uses worker processes with a time and a
memory limit, services/issuer/documents/worker.py): what bounds it is the reader's own
limits (a file's size, a .docx's inflated size, the length of the text, what a document
lists) and a parse that is linear in the text, so a file the issuer would refuse is refused
here too, in about the same seconds."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from chidao.runtime.ports import port_open
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.ingest import JSON_FIELDS, Reading, contract_json, resolve_document
from services.issuer.documents.parse import parse_file
from shared.contracts import ParsedDocument
from shared.contracts.directives import SECRECY_MARKS, URGENCY_MARKS
from shared.directory import Directory, DirectoryError, load_file, read_directory
from shared.settings import Settings
from shared.vietnamese import document_title, format_date, format_deadline


def load_directory(path: Path | None, nats_url: str | None = None) -> Directory | None:
    """The directory from a YAML file, else from NATS when a server answers, else none."""
    if path is not None:
        return Directory(load_file(path))
    url = urlsplit(nats_url or Settings().nats_url)
    if not port_open(url.port or 4222, url.hostname or "127.0.0.1"):
        return None
    try:
        return asyncio.run(asyncio.wait_for(_directory_from_nats(url.geturl()), 10))
    except Exception:  # a server that is not ours, or no directory yet
        return None


async def _directory_from_nats(url: str) -> Directory:
    import nats

    from shared.settings import nats_options
    from shared.topology import DIRECTORY

    nc = await nats.connect(**nats_options(url), connect_timeout=2, allow_reconnect=False)
    try:
        return await read_directory(await nc.jetstream().key_value(DIRECTORY.name))
    finally:
        await nc.close()


def resolve(document: ParsedDocument, directory: Directory | None, issuer: str | None) -> Reading:
    return resolve_document(document, directory, issuer)


def as_json(reading: Reading) -> dict:
    return contract_json(reading.document)


def summary(source: object, data: dict, issuer_unit: str | None = None) -> str:
    """A readable account of what was read (``data`` is the contract's JSON)."""
    return "\n".join(summary_lines(source, data, issuer_unit))


def summary_lines(source: object, data: dict, issuer_unit: str | None = None) -> list[str]:
    """The reading, field by field, in the words of a Nghị định 30 document."""
    from services.issuer.documents.words import RECURRENCES, ROLES, warning_words

    lines = [str(source)]
    kind, ref = data.get("kind"), data.get("ref")
    heading = document_title(kind, ref) if kind and ref else (kind or "?")
    issued_on = data.get("issued_on")
    when = (
        f"{data.get('place') or '?'}, {format_date(date.fromisoformat(issued_on))}"
        if issued_on
        else "không ghi ngày"
    )
    issuer = data.get("issuer") or "?"
    if issuer_unit:
        issuer += f" [{issuer_unit}]"
    lines += [f"  {heading} ({when}) của {issuer}", f"  trích yếu:  {data.get('title') or '?'}"]
    marks = [
        URGENCY_MARKS.get(data.get("urgency") or ""),
        SECRECY_MARKS.get(data.get("secrecy") or ""),
    ]
    if any(marks):
        lines.append(f"  độ khẩn, độ mật: {', '.join(m for m in marks if m)}")
    for basis in data.get("basis", []):
        day = format_date(date.fromisoformat(basis["issued_on"])) if basis.get("issued_on") else "?"
        lines.append(
            f"  căn cứ:     {basis.get('ref')} ngày {day} của {basis.get('issuer') or '?'}"
        )
    for entry in data.get("addressees", []):
        lines.append(f"  kính gửi:   {entry}")
    for entry in data.get("recipients", []):
        role = ROLES.get(entry.get("role") or "", "?")
        lines.append(f"  nơi nhận:   {entry['text']} — {role}")
    if data.get("archive"):
        lines.append(f"  lưu:        {data['archive']}")
    for deadline in data.get("deadlines", []):
        due = deadline.get("due_before")
        when = format_deadline(datetime.fromisoformat(due)) if due else "không ghi thời hạn"
        if deadline.get("recurrence"):
            when += f", {RECURRENCES.get(deadline['recurrence'], deadline['recurrence'])}"
        to = f" → {deadline['to']}" if deadline.get("to") else ""
        lines.append(f"  thời hạn:   {when}: {deadline.get('action') or deadline['text']}{to}")
    for task in data.get("tasks", []):
        lines.append(f"  nhiệm vụ:   {task['unit']}")
    for material in data.get("materials", []):
        lines.append(f"  tài liệu:   {material}")
    signer = data.get("signer") or {}
    if signer:
        parts = (signer.get("capacity"), signer.get("title"), signer.get("name"))
        lines.append(f"  ký:         {' / '.join(x for x in parts if x)}")
    warnings = data.get("warnings", [])
    lines += [f"  cảnh báo:   {warning_words(w)}" for w in warnings] or ["  cảnh báo:   không có"]
    return lines


def cascade_lines(node: dict, prefix: str = "", last: bool = True, top: bool = True) -> list[str]:
    """A cascade tree as indented lines: "├── 1817-CV/TU  Tỉnh ủy Lai Châu, 25/03/2024"."""
    day = format_date(date.fromisoformat(node["issued_on"])) if node.get("issued_on") else "?"
    label = f"{node.get('ref') or '(không số)'}  {node.get('issuer') or '?'}, {day}"
    label += "  [được dẫn làm căn cứ, chưa có trong hệ thống]" if node.get("placeholder") else ""
    lines = [label if top else f"{prefix}{'└── ' if last else '├── '}{label}"]
    inner = "" if top else prefix + ("    " if last else "│   ")
    children = node.get("children", [])
    for i, child in enumerate(children):
        lines += cascade_lines(child, inner, i == len(children) - 1, top=False)
    return lines


__all__ = [
    "JSON_FIELDS",
    "DirectoryError",
    "DocumentError",
    "as_json",
    "cascade_lines",
    "load_directory",
    "parse_file",
    "resolve",
    "summary",
    "summary_lines",
]
