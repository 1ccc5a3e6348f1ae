"""Structured logs, traces and the trace context carried in NATS headers."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import structlog
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace import Link, Span

from shared.settings import Settings, split_servers

# user:password@ in any URL (NATS, SMTP, OTLP endpoints, what a library prints)
_URL_CREDENTIALS = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+):[^@/\s]+@")
# the token of a signed link (/r/<token>: it opens a unit's report without a password),
# in an access log line, an error, a URL anywhere
_LINK_TOKEN = re.compile(r"(?P<head>/r/)[A-Za-z0-9_.~%=-]{8,}")
MASK = "***"


class Redactor:
    """A structlog processor masking what must never reach a log line: passwords in
    URLs, signed-link tokens, and the configured secrets themselves wherever they appear
    (an exception's text, a library's message)."""

    def __init__(self, settings: Settings) -> None:
        secrets = [s.get_secret_value() for s in settings.link_secrets]
        secrets.append(settings.smtp_password_value or "")
        secrets += [unquote(urlsplit(s).password or "") for s in split_servers(settings.nats_url)]
        # longest first, so a secret containing another is masked whole
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _URL_CREDENTIALS.sub(rf"\g<head>:{MASK}@", text)
        return _LINK_TOKEN.sub(rf"\g<head>{MASK}", text)

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self._clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._clean(v) for v in value]
        return value

    def __call__(self, _: Any, __: str, event: MutableMapping[str, Any]) -> Any:
        return {k: self._clean(v) for k, v in event.items()}


def _add_trace_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event


def configure_logging(settings: Settings, service: str) -> None:
    """One JSON object per line on stderr for chidao's own logs and for the libraries'
    (uvicorn, FastStream, nats), each with the service name and the current trace."""
    shared_processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
        lambda _, __, event: {**event, "service": service},
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            # last before rendering: what every processor added, exceptions included
            Redactor(settings),
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "nats"):
        lib = logging.getLogger(noisy)
        lib.handlers[:] = []
        lib.propagate = True
    structlog.configure(
        processors=[*shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def tracing_exporter(settings: Settings, environ: Mapping[str, str] = os.environ) -> str:
    """Where spans go: CHIDAO_TRACING when set, else the standard OpenTelemetry variables
    (OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER, an OTEL_EXPORTER_OTLP_*ENDPOINT)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return "none"
    if settings.tracing is not None:
        return settings.tracing
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if named in ("otlp", "console", "none"):
        return named
    if environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    ):
        return "otlp"
    return "none"


def configure_tracing(settings: Settings, service: str) -> TracerProvider:
    """A tracer provider for this service. The OTLP exporter (HTTP/protobuf) reads the
    standard OTEL_EXPORTER_OTLP_* variables for its endpoint, headers and timeout, the
    provider OTEL_TRACES_SAMPLER, and the resource OTEL_SERVICE_NAME and
    OTEL_RESOURCE_ATTRIBUTES (the service name defaults to chidao-<service>)."""
    attributes = (
        {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": f"chidao-{service}"}
    )
    provider = TracerProvider(resource=Resource.create(attributes))
    exporter = tracing_exporter(settings)
    if exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


@contextmanager
def continued_from(carrier: Mapping[str, str], name: str, **attributes: Any) -> Iterator[Span]:
    """A span in the trace whose context ``carrier`` holds (the headers of the event this
    work answers), linked to the span current here (an HTTP request's, say)."""
    current = trace.get_current_span().get_span_context()
    with trace.get_tracer("chidao").start_as_current_span(
        name,
        context=propagate.extract(dict(carrier)),
        links=[Link(current)] if current.is_valid else [],
        attributes={f"chidao.{k}": v for k, v in attributes.items()},
    ) as span:
        yield span


def trace_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """Add the current trace context (W3C traceparent) to headers of a raw nats-py publish,
    the same way FastStream's telemetry middleware does for broker.publish."""
    carrier: dict[str, str] = dict(headers or {})
    propagate.inject(carrier)
    return carrier
