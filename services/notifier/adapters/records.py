"""What the notifier reads back from the other services' streams: an assignment, the
last report a unit sent on it, its extension requests, whether the unit was reached about
it one way or another, the report form a requirement went out with, a directive as
issued, whether it was recalled and which units it was assigned to."""

from __future__ import annotations

from cachetools import LRUCache
from nats.js import JetStreamContext

from shared import subjects, topology
from shared.availability import until_available
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    DirectiveIssued,
    DirectiveRecalled,
    ExtensionChanged,
    Extensions,
    ReportSubmitted,
    Submission,
    UnitContacted,
)
from shared.errors import PermanentError
from shared.forms import Form, issued_form
from shared.streams import last_event


async def assignment(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> Assignment | None:
    found = await last_event(
        js,
        topology.ASSIGNMENTS.name,
        subjects.assignment_created(directive_id, unit_id, requirement_id),
        AssignmentCreated,
    )
    return found[0].assignment if found else None


async def required_assignment(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str, about: str
) -> Assignment:
    """The assignment an event is about; a PermanentError (the event is dead-lettered,
    retrying cannot make the assignment appear) naming ``about`` when there is none."""
    found = await assignment(js, directive_id, unit_id, requirement_id)
    if found is None:
        raise PermanentError(f"no assignment for {about}")
    return found


async def last_report(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> Submission | None:
    found = await last_event(
        js,
        topology.REPORTS.name,
        subjects.report_submitted(directive_id, unit_id, requirement_id),
        ReportSubmitted,
    )
    return found[0].submission if found else None


async def extensions(
    js: JetStreamContext, directive_id: str, unit_id: str, requirement_id: str
) -> Extensions | None:
    """Every extension request on the assignment as the reporter last wrote them (each
    message holds them all), or None if the unit never asked."""
    found = await last_event(
        js,
        topology.REPORTS.name,
        subjects.extension(directive_id, unit_id, requirement_id),
        ExtensionChanged,
    )
    return found[0].extensions if found else None


async def contacted(
    js: JetStreamContext, how: str, directive_id: str, unit_id: str, requirement_id: str
) -> bool:
    """Whether the unit was reached about the assignment ``how`` ("opened": it opened its
    link; "received", "drafted", ...: shared/subjects.py): the CONTACTS stream keeps the
    last message of each way."""
    subject = subjects.contact(how, directive_id, unit_id, requirement_id)
    return await last_event(js, topology.CONTACTS.name, subject, UnitContacted) is not None


async def issued(js: JetStreamContext, directive_id: str) -> DirectiveIssued | None:
    """The directive.issued event of a directive, or None if there is none."""
    subject = subjects.directive_issued(directive_id)
    found = await last_event(js, topology.DIRECTIVES.name, subject, DirectiveIssued)
    return found[0] if found else None


async def recalled(js: JetStreamContext, directive_id: str) -> DirectiveRecalled | None:
    """The recall of a directive, or None while its issuer has not recalled it. A recall
    is final (the issuer publishes it once): a directive found recalled stays so."""
    subject = subjects.directive_recalled(directive_id)
    found = await last_event(js, topology.DIRECTIVES.name, subject, DirectiveRecalled)
    return found[0] if found else None


async def assigned_units(js: JetStreamContext, directive_id: str) -> list[str]:
    """Every unit assigned a requirement of the directive, once each, in subject order.
    The stream's subjects say it (chidao.assignment.created.<d>.<unit>.<requirement>):
    no event is read, however many requirements and periods each unit has."""
    prefix = f"{subjects.ASSIGNMENT_CREATED}.{directive_id}."
    info = await until_available(
        lambda: js.stream_info(topology.ASSIGNMENTS.name, subjects_filter=prefix + ">"),
        f"listing {prefix}>",
    )
    found = (s.removeprefix(prefix).split(".", 1)[0] for s in sorted(info.state.subjects or {}))
    return list(dict.fromkeys(found))


class Forms:
    """The report form of each requirement, from its directive.issued event, read once per
    directive (a directive's thousands of assignment mails ask the same)."""

    def __init__(self, js: JetStreamContext, kept: int = 256) -> None:
        self._js = js
        self._issued: LRUCache[str, DirectiveIssued] = LRUCache(maxsize=kept)

    async def of(self, a: Assignment) -> Form | None:
        """None when the directive's event cannot be read (the mail goes without it)."""
        issued = self._issued.get(a.directive_id)
        if issued is None:
            subject = subjects.directive_issued(a.directive_id)
            found = await last_event(self._js, topology.DIRECTIVES.name, subject, DirectiveIssued)
            if found is None:
                return None
            issued = self._issued[a.directive_id] = found[0]
        return issued_form(issued, a.requirement)
