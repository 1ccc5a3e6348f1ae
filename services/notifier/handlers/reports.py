"""report.submitted and report.reviewed: a report stops the unit's reminders; a report the
parent returned for correction is mailed back to the unit with the reason and its link."""

from __future__ import annotations

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.mails import Mail, returned_mail
from services.notifier.handlers.mailing import deliver, link_for
from shared.contracts import ReportReviewed, ReportSubmitted


async def report_submitted(deps: Deps, event: ReportSubmitted) -> int:
    """Cancels the reminders and overdue notice still pending; returns how many."""
    s = event.submission
    cancelled = await deps.timers.cancel(s.directive_id, s.unit_id, s.requirement_id)
    deps.metrics.timers_cancelled.inc(cancelled)
    return cancelled


async def report_reviewed(deps: Deps, event: ReportReviewed) -> Mail | None:
    """A returned report: tell the unit why, with its link (an accepted one: no mail)."""
    r = event.review
    if r.decision != "returned":
        return None
    a = await records.required_assignment(
        deps.js,
        r.directive_id,
        r.unit_id,
        r.requirement_id,
        f"the returned report {event.event_id}",
    )
    directory = deps.directory()
    unit = recipient(directory, a.unit_id)
    mail = returned_mail(event.event_id, a, unit, directory, r.version, r.reason, link_for(deps, a))
    await deliver(deps, [mail])
    return mail
