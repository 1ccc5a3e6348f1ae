"""The question the draft page asks the notifier: the events issuing the draft would
publish now, built as issuing builds them (``domain/events.py``), for one unit of each
kind of recipient: the first unit each requirement asks to report, the first unit of
each role among those that only receive the directive."""

from __future__ import annotations

from datetime import datetime

from services.issuer.domain.events import assignment_event, directive_issued
from services.issuer.domain.planning import IssuePlan
from services.issuer.domain.records import DirectiveRecord, FanOutStatus, fingerprint
from shared.contracts import Notice, RecipientRole
from shared.contracts.previews import MAX_SAMPLES, MailPreviewRequest
from shared.forms import Form


def preview_question(
    plan: IssuePlan, now: datetime, forms: dict[str, Form] | None = None
) -> MailPreviewRequest:
    """``forms``: the report forms its requirements name, as issuing would resolve them."""
    directive = plan.directive
    record = DirectiveRecord(
        directive=directive,
        fingerprint=fingerprint(directive),
        status=FanOutStatus.FANNING_OUT,
        issued_at=now,
        assignment_count=plan.assignment_count,
        notices=[],  # the samples below are all a mail needs: the question stays small
        warnings=plan.warnings,
        forms=forms or {},
    )
    assignments = [
        assignment_event(record, requirement, units[0])
        for requirement in directive.requirements
        if (units := plan.assignees.get(requirement.id))
    ]
    first_of_role: dict[RecipientRole, Notice] = {}
    for notice in plan.notices:
        first_of_role.setdefault(notice.role, notice)
    return MailPreviewRequest(
        directive=directive_issued(record),
        assignments=assignments[:MAX_SAMPLES],
        notices=list(first_of_role.values())[:MAX_SAMPLES],
    )
