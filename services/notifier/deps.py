"""What the notifier's handlers use, built once at start-up (``Service.provide``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from services.notifier.adapters.delivery import Sender
from services.notifier.adapters.leaders import Leaders
from services.notifier.adapters.ledger import Ledger, replica_id
from services.notifier.adapters.mailer import Mailer
from services.notifier.adapters.originals import Originals
from services.notifier.adapters.records import Forms
from services.notifier.adapters.timers import Timers
from services.notifier.metrics import NotifierMetrics
from shared import topology
from shared.clock import Clock
from shared.directory import Directory
from shared.links import Links
from shared.service import Service
from shared.settings import Settings


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    broker: NatsBroker  # the contacts it announces (shared/contacts.py) go through it
    js: JetStreamContext  # the assignments and reports read back (adapters/records.py)
    directory: Callable[[], Directory]  # the mirror's latest
    metrics: NotifierMetrics
    ledger: Ledger
    sender: Sender
    originals: Originals
    timers: Timers
    links: Links
    forms: Forms  # each requirement's report form, listed in its assignment mail
    leaders: Leaders  # each unit's leaders, told of an assignment nobody opened


async def build_deps(service: Service, mailer: Mailer, metrics: NotifierMetrics) -> Deps:
    """``mailer`` is made with the service (it is closed when the service stops, even if
    start-up went no further than this)."""
    js, settings, clock = service.js, service.settings, service.clock
    ledger = Ledger(
        await js.key_value(topology.NOTIFIER_LEDGER.name),
        claimant=replica_id(),
        lease=settings.mail_claim_lease,
        policy=settings.mail_uncertain,
        now=clock.now,
    )

    def directory() -> Directory:
        return service.directory

    return Deps(
        settings=settings,
        clock=clock,
        broker=service.broker,
        js=js,
        directory=directory,
        metrics=metrics,
        ledger=ledger,
        sender=Sender(settings, ledger, mailer, metrics, service.tracer, clock.now),
        originals=Originals(js),
        timers=Timers(js, settings, clock, directory),
        links=Links(settings, clock),
        forms=Forms(js),
        leaders=Leaders(js),
    )
