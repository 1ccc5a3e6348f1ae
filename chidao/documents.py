"""``chidao parse``: reading documents from the command line, and how they are shown."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

from chidao.runtime.ports import port_open
from services.issuer.documents.errors import DocumentError
from services.issuer.documents.ingest import Reading, resolve_document
from services.issuer.documents.parse import parse_file
from shared.contracts import ParsedDocument
from shared.directory import Directory, DirectoryError, load_file, read_directory
from shared.settings import Settings
from shared.vietnamese import document_title, format_date, format_deadline

# The fields of `chidao parse --json`, in the order of the parsing contract.
JSON_FIELDS = (
    "kind",
    "ref",
    "issued_on",
    "place",
    "issuer",
    "title",
    "basis",
    "addressees",
    "recipients",
    "archive",
    "deadlines",
    "signer",
    "materials",
    "tasks",
    "warnings",
)


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

    from shared.topology import DIRECTORY

    nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False)
    try:
        return await read_directory(await nc.jetstream().key_value(DIRECTORY.name))
    finally:
        await nc.close()


def resolve(document: ParsedDocument, directory: Directory | None, issuer: str | None) -> Reading:
    return resolve_document(document, directory, issuer)


def as_json(reading: Reading) -> dict:
    data = json.loads(reading.document.model_dump_json())
    return {name: data[name] for name in JSON_FIELDS}


def summary(path: Path, reading: Reading) -> str:
    doc = reading.document
    lines = [str(path)]
    heading = document_title(doc.kind, doc.ref) if doc.kind and doc.ref else (doc.kind or "?")
    when = f"{doc.place or '?'}, {format_date(doc.issued_on)}" if doc.issued_on else "no date"
    issuer = doc.issuer or "?"
    if reading.issuer_unit:
        issuer += f" [{reading.issuer_unit}]"
    lines += [f"  {heading} ({when}) by {issuer}", f"  title:     {doc.title or '?'}"]
    for ref in doc.basis:
        day = format_date(ref.issued_on) if ref.issued_on else "?"
        lines.append(f"  basis:     {ref.ref} of {day} by {ref.issuer or '?'}")
    for entry in doc.addressees:
        lines.append(f"  to:        {entry}")
    for entry in doc.recipients:
        lines.append(f"  recipient: {(entry.role or '?'):<13} {entry.text}")
    if doc.archive:
        lines.append(f"  archive:   {doc.archive}")
    for deadline in doc.deadlines:
        when = format_deadline(deadline.due_before) if deadline.due_before else "no date"
        if deadline.recurrence:
            when += f", {deadline.recurrence}"
        lines.append(
            f"  deadline:  {when}: {deadline.action or deadline.text}"
            + (f" -> {deadline.to}" if deadline.to else "")
        )
    for task in doc.tasks:
        lines.append(f"  task:      {task.unit}")
    for material in doc.materials:
        lines.append(f"  material:  {material}")
    if doc.signer:
        signer = " / ".join(
            x for x in (doc.signer.capacity, doc.signer.title, doc.signer.name) if x
        )
        lines.append(f"  signed:    {signer}")
    lines += [f"  warning:   {w}" for w in doc.warnings] or ["  warnings:  none"]
    return "\n".join(lines)


__all__ = [
    "DirectoryError",
    "DocumentError",
    "as_json",
    "load_directory",
    "parse_file",
    "resolve",
    "summary",
]
