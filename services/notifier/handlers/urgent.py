"""An urgent directive's assignment mails (KHẨN, THƯỢNG KHẨN, HỎA TỐC) go out ahead of the
mail queue.

The assignment.created consumer takes every directive's assignments in the order they
were published: a 300,000-unit fan-out queued before an urgent directive would hold its
mails back by the whole backlog. So the directive.issued consumer, on the low-volume
DIRECTIVES stream, reads an urgent directive's assignments back from the ASSIGNMENTS
stream (the issuer publishes them right after directive.issued) and hands each event to
the assignment handler's own function, ``handle_assignment``: the same mail, ledger key
and timers as the assignment consumer's. That consumer, reaching them later, sends
nothing twice: the ledger holds each mail as sent, and each timer scheduled again under
its id replaces itself."""

from __future__ import annotations

import asyncio
import logging

from services.notifier.adapters.timeline import assignment_histories
from services.notifier.deps import Deps
from services.notifier.handlers.assignments import handle_assignment
from shared.contracts import AssignmentCreated, DirectiveIssued
from shared.errors import DomainError

log = logging.getLogger(__name__)

# assignments mailed at once (the SMTP pool and its rate limit bound the sending anyway)
CONCURRENCY = 16


class AssignmentsNotYetPublished(DomainError):
    """The issuer is still publishing the directive's assignments: the event comes back
    after the redelivery's short wait, and finds them all."""

    permanent = False


async def mail_ahead(deps: Deps, event: DirectiveIssued) -> int:
    """Every assignment of ``event``'s urgent directive handled as its assignment.created
    would be; returns how many. Raises AssignmentsNotYetPublished while fewer than the
    directive's ``assignment_count`` are on the stream, and what a transient failure
    raised (the event comes back; what went is not sent again)."""
    histories = await assignment_histories(deps.js, event.directive_id)
    if len(histories) < event.assignment_count:
        raise AssignmentsNotYetPublished(
            f"{len(histories)} of the {event.assignment_count} assignments of "
            f"{event.directive_id} are published yet"
        )
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(events: list[AssignmentCreated]) -> None:
        # every event of the assignment in its order, each knowing the last (in force),
        # as the assignment consumer takes them
        async with gate:
            for e in events:
                await handle_assignment(deps, e, events[-1].assignment, ahead=True)

    results = await asyncio.gather(*(one(h) for h in histories.values()), return_exceptions=True)
    _settle(event, results)
    return len(histories)


def _settle(event: DirectiveIssued, results: list[BaseException | None]) -> None:
    """A transient failure brings the directive's event back. A refusal for good does not
    make it a dead letter: the notices went, and the assignment consumer, meeting the
    same refusal, dead-letters the assignment's own event, where it belongs."""
    failures = [r for r in results if isinstance(r, BaseException)]
    for failure in failures:
        if not isinstance(failure, Exception):
            raise failure  # cancelled: the service is stopping
    for failure in failures:
        if not isinstance(failure, DomainError) or not failure.permanent:
            raise failure
    for failure in failures:
        log.warning(
            "urgent assignment not mailed ahead; the assignment consumer will meet it",
            extra={"directive": event.directive_id, "error": str(failure)},
        )
