"""The services' contracts as documents others can read, generated from the code: for
each service, ``docs/api/<service>.openapi.json`` (its HTTP API: FastAPI's OpenAPI) and
``docs/api/<service>.asyncapi.json`` (its events: FastStream's AsyncAPI 3.0).

``chidao api-docs`` writes them; ``chidao api-docs --check`` (and
tests/unit/test_api_docs.py) says which committed file is stale.

What the AsyncAPI documents hold:

- what a service consumes: FastStream documents every subscriber the service registers
  on its broker (``Service.subscriber``), with the payload model of its handler;
- what a service publishes: the services publish with JetStream calls FastStream does not
  see (``shared.publishing``, ``shared.timers``), so this module declares, on the broker
  of the instance it builds for the documents only and never runs, one publisher per
  subject the service may publish (``chidao.nats_permissions.ACCESS``, the same list its
  NATS user's permissions are made of), with the event's contract (``shared.contracts``).
  A timer's payload is the one its owner receives back on ``chidao.fired.<owner>.>``.

The documents do not depend on the environment: the services are built with the default
settings (every ``CHIDAO_*`` variable set aside), and the JSON is written with sorted keys,
ASCII only, two spaces of indent and a final newline.
"""

from __future__ import annotations

import difflib
import importlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faststream.specification import AsyncAPI
from pydantic import BaseModel

from shared import subjects, topology
from shared.auth.audit import AuditEntry
from shared.contracts import (
    AssignmentCreated,
    DirectiveCorrected,
    DirectiveIssued,
    DirectiveRecalled,
    ExtensionChanged,
    ReportReviewed,
    ReportSubmitted,
    SynthesisApproved,
    SynthesisUpdated,
    UnitContacted,
)
from shared.service import Service
from shared.settings import Settings

SERVICES = ("issuer", "notifier", "reporter", "aggregator")
DEFAULT_DIR = Path("docs/api")
ASYNCAPI_VERSION = "3.0.0"

# The contract of the events published under each subject prefix (shared.subjects).
EVENTS: dict[str, type[BaseModel]] = {
    subjects.DIRECTIVE_ISSUED: DirectiveIssued,
    subjects.ASSIGNMENT_CREATED: AssignmentCreated,
    subjects.REPORT_SUBMITTED: ReportSubmitted,
    subjects.REPORT_REVIEWED: ReportReviewed,
    subjects.SYNTHESIS_UPDATED: SynthesisUpdated,
    subjects.SYNTHESIS_APPROVED: SynthesisApproved,
    subjects.AUDIT: AuditEntry,
    subjects.CONTACT: UnitContacted,
    subjects.EXTENSION: ExtensionChanged,
    subjects.DIRECTIVE_RECALLED: DirectiveRecalled,
    subjects.DIRECTIVE_CORRECTED: DirectiveCorrected,
}


class ApiDocsError(RuntimeError):
    """A service could not be built or described."""


@contextmanager
def _without_chidao_environment() -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("CHIDAO_")}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


def default_settings() -> Settings:
    """``Settings()`` as if no ``CHIDAO_*`` variable were set: the documents are the same
    on every machine (the NATS server's address, for one, is in the AsyncAPI document)."""
    with _without_chidao_environment():
        return Settings()


def build_service(name: str, settings: Settings | None = None) -> Service:
    """``services.<name>.app.create_service(settings)``: builds, connects to nothing."""
    module = importlib.import_module(f"services.{name}.app")
    return module.create_service(settings or default_settings())


# --- OpenAPI -------------------------------------------------------------------------


def openapi_document(service: Service) -> dict[str, Any]:
    return service.app.openapi()


# --- AsyncAPI ------------------------------------------------------------------------


def _matches(pattern: str, subject: str) -> bool:
    """Whether the NATS subject (or wildcard subject) ``subject`` lies within ``pattern``."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(have) == len(want)


def stream_of(subject: str) -> topology.StreamSpec | None:
    """The stream (shared.topology.STREAMS) that stores what is published to ``subject``."""
    for spec in topology.STREAMS:
        if any(_matches(pattern, subject) for pattern in spec.subjects):
            return spec
    return None


@dataclass(frozen=True)
class Published:
    """One subject a service publishes, as its AsyncAPI "send" operation describes it."""

    subject: str  # a wildcard subject: chidao.directive.issued.>
    stream: str | None
    contract: type[BaseModel] | None  # None for a timer: see timer_target
    timer_target: str | None = None  # chidao.fired.<owner>.> for chidao.timer.<owner>.>

    @property
    def description(self) -> str:
        stored = f" (stream {self.stream})" if self.stream else ""
        if self.timer_target is not None:
            return (
                f"Durable timers{stored}: JetStream scheduled messages (header Nats-Schedule, "
                f"one subject per timer, scheduling it again replaces it), delivered when due "
                f"to {self.timer_target} with the same payload, which this service consumes."
            )
        # the contract's own docstring, not one it inherits
        doc = " ".join((vars(self.contract).get("__doc__") or "").split()) if self.contract else ""
        what = f"{doc} " if doc else ""
        return (
            f"{what}Published with JetStream{stored}; the header Nats-Msg-Id carries the "
            f"event's event_id, so a repeat within the duplicate window is dropped."
        )


def published_by(name: str) -> tuple[Published, ...]:
    """What ``name`` publishes: the subjects its NATS user may publish to
    (``chidao.nats_permissions.ACCESS``), each with its contract and its stream."""
    from chidao.nats_permissions import ACCESS

    access = ACCESS.get(name)
    if access is None:
        return ()
    out = []
    for subject in access.publishes:
        spec = stream_of(subject)
        stream = spec.name if spec is not None else None
        prefix = subject.removesuffix(".>")
        if prefix.startswith(subjects.TIMER + "."):
            owner_and_rest = prefix.removeprefix(subjects.TIMER + ".")
            target = f"{subjects.FIRED}.{owner_and_rest}.>"
            out.append(Published(subject, stream, None, target))
        else:
            # an event's subject, or a service's own branch of one (chidao.audit.<service>)
            contract = EVENTS.get(prefix) or next(
                (c for p, c in EVENTS.items() if prefix.startswith(p + ".")), None
            )
            out.append(Published(subject, stream, contract))
    return tuple(out)


def _declared_publishers(service: Service) -> set[str]:
    found = set()
    for publisher in service.broker.publishers:
        subject = getattr(getattr(publisher, "specification", None), "subject", None)
        template = getattr(subject, "template", None)
        if isinstance(template, str):
            found.add(template)
    return found


def asyncapi_document(name: str, service: Service) -> dict[str, Any]:
    """The service's AsyncAPI 3.0 document: its subscribers as FastStream sees them, and
    what it publishes, declared here on this (never started) instance's broker."""
    published = published_by(name)
    already = _declared_publishers(service)
    for item in published:
        if item.subject in already:  # the service declares it itself: FastStream has it
            continue
        service.broker.publisher(
            item.subject,
            description=item.description,
            schema=item.contract,
            include_in_schema=True,
        )
    spec = AsyncAPI(
        service.broker,
        title=service.app.title,
        version=service.app.version,
        description=(
            f"The events chidao's {name} service consumes (receive operations: its "
            "durable JetStream pull consumers, shared/topology.py) and publishes (send "
            "operations). Generated by `chidao api-docs` (chidao/apidocs.py)."
        ),
        schema_version=ASYNCAPI_VERSION,
    )
    document = json.loads(spec.to_specification().to_json())
    _describe_consumers(document, name)
    for item in published:
        if item.timer_target is not None:
            _timer_payload(document, item)
    return document


def consumers_of(name: str) -> tuple[topology.ConsumerSpec, ...]:
    """The service's durable consumers: every chidao durable is named ``<service>-...``."""
    return tuple(c for c in topology.CONSUMERS if c.durable.startswith(f"{name}-"))


def _describe_consumers(document: dict[str, Any], name: str) -> None:
    """Say, on each channel a subscriber reads, which durable consumer of which stream it
    is (shared/topology.py), after what the handler's docstring says (on one line)."""
    by_subject = {c.filter_subject: c for c in consumers_of(name)}
    for channel in document.get("channels", {}).values():
        # a handler's docstring as one line, without its source's indentation
        said = " ".join(channel.get("description", "").split())
        if said:
            channel["description"] = said
        spec = by_subject.get(channel.get("address", ""))
        if spec is None:
            continue
        consumer = (
            f"Durable pull consumer {spec.durable} on stream {spec.stream}: {spec.description}."
        )
        channel["description"] = f"{said} {consumer}" if said else consumer


def _timer_payload(document: dict[str, Any], item: Published) -> None:
    """A timer's message carries the payload its owner receives on the fired subject:
    point the timer publisher's message at the fired subscriber's payload schema."""
    channels = document.get("channels", {})
    components = document.setdefault("components", {})
    messages = components.get("messages", {})

    def message_of(address: str) -> dict[str, Any] | None:
        for channel in channels.values():
            if channel.get("address") != address:
                continue
            for ref in channel.get("messages", {}).values():
                key = ref.get("$ref", "").rsplit("/", 1)[-1]
                for msg_name, message in messages.items():
                    if _ref_key(msg_name) == key:
                        return message
        return None

    fired, timer = message_of(item.timer_target or ""), message_of(item.subject)
    if fired is None or timer is None:
        return
    placeholder = timer.get("payload", {}).get("$ref", "")
    timer["payload"] = fired["payload"]
    schemas = components.get("schemas", {})
    name = placeholder.rsplit("/", 1)[-1].replace("%3E", ">")
    if placeholder and name in schemas and placeholder not in json.dumps(document):
        del schemas[name]


def _ref_key(name: str) -> str:
    """A component's name as FastStream writes it in a $ref (">" escaped)."""
    return name.replace(">", "%3E")


# --- the files -----------------------------------------------------------------------


def render(document: dict[str, Any]) -> str:
    """Stable JSON: sorted keys, ASCII only, two spaces, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def generate(names: tuple[str, ...] = SERVICES) -> dict[str, str]:
    """Every document by file name: ``<service>.openapi.json``, ``<service>.asyncapi.json``."""
    files: dict[str, str] = {}
    settings = default_settings()
    for name in names:
        try:
            service = build_service(name, settings)
        except Exception as exc:
            raise ApiDocsError(f"cannot build the {name} service: {exc!r}") from exc
        files[f"{name}.openapi.json"] = render(openapi_document(service))
        # The AsyncAPI document adds publishers to the broker: an instance of its own.
        files[f"{name}.asyncapi.json"] = render(
            asyncapi_document(name, build_service(name, settings))
        )
    return files


def is_generated(path: Path) -> bool:
    return path.name.endswith((".openapi.json", ".asyncapi.json"))


def write(directory: Path, files: dict[str, str] | None = None) -> list[Path]:
    """Write the documents into ``directory``; remove generated files no service has any
    more. Returns the files written or removed that changed."""
    files = generate() if files is None else files
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in sorted(files.items()):
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(path)
    for path in sorted(directory.iterdir()):
        if is_generated(path) and path.name not in files:
            path.unlink()
            changed.append(path)
    return changed


def stale(directory: Path, files: dict[str, str] | None = None) -> list[str]:
    """What differs between ``directory`` and the documents the code generates now, one
    line per file (empty: up to date)."""
    files = generate() if files is None else files
    problems = []
    for name, text in sorted(files.items()):
        path = directory / name
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        committed = path.read_text(encoding="utf-8")
        if committed != text:
            diff = difflib.unified_diff(committed.splitlines(), text.splitlines(), lineterm="", n=0)
            changes = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
            first = changes[0][:120] if changes else "(whitespace)"
            problems.append(f"{path}: stale, {len(changes)} line(s) differ, first: {first}")
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if is_generated(path) and path.name not in files:
                problems.append(f"{path}: no service generates it any more")
    return problems
