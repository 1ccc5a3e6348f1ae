"""What a process does once, before it runs any service: the log format, the tracer
provider, the nats-py fix (``shared.compat``). ``chidao serve`` and the tests' in-process
fixture call ``set_up``; building a ``Service`` never does, so two services can live in one
process (the tests) and importing a module changes nothing."""

from __future__ import annotations

import gc

from opentelemetry.sdk.trace import TracerProvider

from shared import compat
from shared.settings import Settings
from shared.telemetry import configure_logging, configure_tracing


def set_up(settings: Settings, service: str) -> TracerProvider:
    """Structured logs on stderr, the global tracer provider (returned: shut it down at
    exit, so the last spans are exported), the nats-py fix."""
    configure_logging(settings, service)
    provider = configure_tracing(settings, service)
    compat.install()
    return provider


def freeze_what_start_up_built() -> None:
    """What start-up built (the directory mirror above all: 100,000 units and more) lives
    as long as the process. Freezing it keeps the cyclic collector from rescanning it on
    every collection; this alone took a 100,000-unit fan-out from ~10 s to ~6 s here.
    Only for a process that runs one service (``chidao serve``)."""
    gc.freeze()
