"""The notifier service: mails each unit its assignments and the directive to the units
that only receive it, reminds before deadlines, chases after them ("đôn đốc"), tells
the parent who is late, and carries a unit's request for more time to its parent and the
answer back (moving its reminders to a deadline granted), tells every unit a recalled
or replaced directive reached (dropping its reminders) and every unit a corrected one
reached what changed (moving its reminders to the deadline corrected, dropping those of
a unit taken off), through the organisation's SMTP server, never twice. An urgent
directive's assignments are mailed by its directive.issued consumer, ahead of the
assignment queue; an assignment nobody opened within ``unopened_hours`` working hours is
mailed again, once, to the unit and its leaders.

Wiring only: the handlers are in handlers/, the rules in domain/, the I/O in adapters/."""

from __future__ import annotations

from services.notifier.adapters.mailer import Mailer
from services.notifier.deps import Deps, build_deps
from services.notifier.entrypoints import mails_page
from services.notifier.entrypoints.messages import subscribe
from services.notifier.entrypoints.questions import answer_questions
from services.notifier.handlers.timers import schedule_heartbeat
from services.notifier.metrics import NotifierMetrics
from shared import topology
from shared.service import Service
from shared.settings import Settings


def create_service(settings: Settings | None = None) -> Service:
    service = Service(
        "notifier",
        settings,
        streams=(
            topology.DIRECTIVES,
            topology.ASSIGNMENTS,
            topology.REPORTS,
            topology.TIMERS,
            topology.CONTACTS,
        ),
        buckets=(topology.DIRECTORY, topology.NOTIFIER_LEDGER, topology.REVOKED_LINKS),
        consumers=(
            topology.NOTIFIER_DIRECTIVES,
            topology.NOTIFIER_RECALLS,
            topology.NOTIFIER_CORRECTIONS,
            topology.NOTIFIER_ASSIGNMENTS,
            topology.NOTIFIER_REPORTS,
            topology.NOTIFIER_TIMERS,
            topology.NOTIFIER_REVIEWS,
            topology.NOTIFIER_EXPIRED_LINKS,
            topology.NOTIFIER_EXTENSIONS,
        ),
    )
    metrics = NotifierMetrics(service.registry)
    mailer = Mailer(service.settings, on_latency=metrics.smtp_seconds.observe)

    async def build() -> Deps:
        return await build_deps(service, mailer, metrics)

    async def heartbeat() -> None:
        await schedule_heartbeat(service.deps)

    service.provide(build)
    service.on_stop.append(mailer.close)
    service.periodic.append(heartbeat)
    service.app.include_router(mails_page.router)
    subscribe(service)
    answer_questions(service)
    return service
