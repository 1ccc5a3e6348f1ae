"""The audit trail: every state-changing staff action, appended to the CHIDAO_AUDIT
stream (``chidao.audit.<service>.<entry id>``; the stream refuses deletes and purges)
and never rewritten.

``AuditMiddleware`` writes one entry per non-read request that reached a guarded route
or the sign-in routes, once its answer is known: who (account, unit, roles, how they
signed in), what (the route's action, its method and path), on what (directive, unit,
requirement, from the path or what the route names with ``audit_target``), when, from
which address, the trace id, and the outcome (``ok``, ``unauthenticated``,
``forbidden``, ``refused``, ``failed``). The command line writes its own (``chidao users``,
``directory load``, ``forms load``, ``dlq replay``) as the operator."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import Request
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import subjects
from shared.auth.principal import Principal
from shared.topology import AUDIT

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Path parameter names of the routes, by what they name.
TARGET_PARAMS = {
    "directive_id": "directive_id",
    "d": "directive_id",
    "unit_id": "unit_id",
    "u": "unit_id",
    "requirement_id": "requirement_id",
    "r": "requirement_id",
}


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    at: datetime
    service: str
    actor: str  # the account, "operator", or what an anonymous request claimed
    actor_name: str = ""
    unit_id: str | None = None
    roles: list[str] = Field(default_factory=list)
    via: str = ""
    action: str
    method: str = ""
    path: str = Field("", max_length=2048)
    directive_id: str | None = None
    target_unit_id: str | None = None
    requirement_id: str | None = None
    outcome: str
    status: int = 0
    address: str | None = None
    trace_id: str | None = None
    detail: str = Field("", max_length=1000)


def audit_target(request: Request, **ids: str | None) -> None:
    """What a route acts on when the path does not say it (ids in the body)."""
    target = getattr(request.state, "audit_target", None) or {}
    target.update({k: v for k, v in ids.items() if v})
    request.state.audit_target = target


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    return {401: "unauthenticated", 403: "forbidden"}.get(
        status, "failed" if status >= 500 else "refused"
    )


def entry_subject(entry: AuditEntry) -> str:
    return f"{subjects.AUDIT}.{entry.service}.{entry.id}"


async def record(js: JetStreamContext, entry: AuditEntry) -> None:
    await js.publish(
        entry_subject(entry),
        entry.model_dump_json().encode(),
        stream=AUDIT.name,
        headers={"Nats-Msg-Id": f"audit.{entry.id}"},
    )


def new_entry_id() -> str:
    return uuid.uuid4().hex


def current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def entry_from(
    service: str,
    principal: Principal | None,
    action: str,
    outcome: str,
    **fields: object,
) -> AuditEntry:
    claimed = str(fields.pop("actor", "") or "anonymous")
    who = (
        {
            "actor": principal.username,
            "actor_name": principal.display_name,
            "unit_id": principal.unit_id,
            "roles": sorted(r.value for r in principal.roles),
            "via": principal.via,
        }
        if principal
        else {"actor": claimed}
    )
    return AuditEntry(
        id=new_entry_id(),
        at=datetime.now(UTC),
        service=service,
        action=action,
        outcome=outcome,
        trace_id=current_trace_id(),
        **who,
        **fields,
    )


class AuditTrail:
    """Where a service's entries go; bound to JetStream at start-up."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._js: JetStreamContext | None = None
        self.failures = 0

    def bind(self, js: JetStreamContext) -> None:
        self._js = js

    async def write(self, entry: AuditEntry) -> None:
        if self._js is None:
            log.error("audit entry lost: service not started", extra={"entry": entry.id})
            return
        for attempt in range(3):
            try:
                await record(self._js, entry)
                return
            except Exception as exc:  # the action is done; its record must not be dropped quietly
                if attempt == 2:
                    self.failures += 1
                    log.error(
                        "audit entry not recorded",
                        extra={"entry": entry.model_dump(mode="json"), "error": repr(exc)},
                    )
                    return
                await asyncio.sleep(0.5 * (attempt + 1))


class AuditMiddleware:
    """Each state-changing request runs in a server span of its own, so that its entry
    carries the trace id that the events it publishes carry too (FastStream propagates
    the current span through the NATS headers): an entry leads to what it caused."""

    def __init__(self, app: ASGIApp, trail: AuditTrail, tracer: trace.Tracer | None = None) -> None:
        self.app, self.trail = app, trail
        self.tracer = tracer or trace.get_tracer("chidao.audit")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            return await self.app(scope, receive, send)
        state = scope.setdefault("state", {})
        status = 500

        async def watching(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        name = f"{scope['method']} {scope.get('path', '')[:200]}"
        with self.tracer.start_as_current_span(name, kind=trace.SpanKind.SERVER):
            try:
                await self.app(scope, receive, watching)
            finally:
                if "action" in state:
                    await self.trail.write(self._entry(scope, state, status))

    def _entry(self, scope: Scope, state: dict, status: int) -> AuditEntry:
        target = {
            TARGET_PARAMS[k]: str(v)
            for k, v in (state.get("path_params") or scope.get("path_params") or {}).items()
            if k in TARGET_PARAMS
        }
        target.update(state.get("audit_target") or {})
        client = scope.get("client")
        return entry_from(
            self.trail.service,
            state.get("principal"),
            str(state["action"]),
            outcome_of(status),
            actor=state.get("audit_actor"),
            method=scope["method"],
            path=scope.get("path", "")[:2048],
            directive_id=target.get("directive_id"),
            target_unit_id=target.get("unit_id"),
            requirement_id=target.get("requirement_id"),
            status=status,
            address=client[0] if client else None,
            detail=str(state.get("audit_detail", ""))[:1000],
        )


# --- reading it back -------------------------------------------------------------------


async def read_entries(
    js: JetStreamContext, since: datetime | None = None, limit: int = 100_000
) -> AsyncIterator[AuditEntry]:
    """Entries from ``since`` (the start if None) in the order they were written."""
    try:
        info = await js.stream_info(AUDIT.name)
    except NotFoundError:
        return
    if info.state.messages == 0:
        return
    config = (
        ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=since)
        if since
        else ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    )
    sub = await js.subscribe(
        subjects.all_of(subjects.AUDIT), stream=AUDIT.name, ordered_consumer=True, config=config
    )
    last = info.state.last_seq
    seen = 0
    try:
        while seen < limit:
            try:
                msg = await sub.next_msg(timeout=2)
            except TimeoutError:
                return
            seen += 1
            yield AuditEntry.model_validate_json(msg.data)
            if msg.metadata.sequence.stream >= last:
                return
    finally:
        await sub.unsubscribe()


CSV_COLUMNS = [
    "at", "service", "actor", "actor_name", "unit_id", "roles", "via", "action", "method",
    "path", "directive_id", "target_unit_id", "requirement_id", "outcome", "status",
    "address", "trace_id", "detail",
]  # fmt: skip


def as_csv(entries: list[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        row = e.model_dump(mode="json")
        row["roles"] = " ".join(e.roles)
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()
