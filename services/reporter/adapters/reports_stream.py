"""The reporter's state is the REPORTS stream itself: every version of a unit's report is
one message on ``chidao.report.submitted.<directive>.<unit>.<requirement>``, the last one
is the current version; the parent's decisions on it are messages on
``chidao.report.reviewed.<...>``, the last one counts. Appending is a compare-and-set on
the subject's last sequence, so two requests at once cannot both win.

It also reads what a report answers to: the directive as issued (DIRECTIVES) and the
unit's assignment (ASSIGNMENTS: the last one on its subject is the one in force, as a
correction of the directive published it again), and whether the unit confirmed it has
the document (CONTACTS)."""

from __future__ import annotations

import asyncio
from functools import partial

from cachetools import LRUCache
from nats.js import JetStreamContext
from nats.js.errors import APIError

from services.reporter.domain.report_thread import ReportThread
from shared import subjects, topology
from shared.availability import until_available
from shared.contracts import (
    AssignmentCreated,
    DirectiveIssued,
    DirectiveRecalled,
    Event,
    ExtensionChanged,
    ReportReviewed,
    ReportSubmitted,
    UnitContacted,
)
from shared.streams import last_event, last_event_with_headers
from shared.telemetry import trace_headers

WRONG_LAST_SEQUENCE = (10071, 10164)
# An issued directive never changes (re-issuing different content is refused), so the
# few in use are kept parsed: reading one is a tenth of a submission's work otherwise.
DIRECTIVES_KEPT = 256


class AppendConflict(Exception):
    """Another message was appended first; read again and retry."""


# How many times a request reads, decides and appends before it answers "busy".
APPEND_ATTEMPTS = 5


class ReportsStream:
    def __init__(self, js: JetStreamContext) -> None:
        self.js = js
        self._issued: LRUCache[str, DirectiveIssued] = LRUCache(maxsize=DIRECTIVES_KEPT)

    async def directive_issued(self, directive_id: str) -> DirectiveIssued | None:
        if directive_id in self._issued:
            return self._issued[directive_id]
        found = await last_event(
            self.js,
            topology.DIRECTIVES.name,
            subjects.directive_issued(directive_id),
            DirectiveIssued,
        )
        if found is None:
            return None
        self._issued[directive_id] = found[0]
        return found[0]

    async def recalled(self, directive_id: str) -> DirectiveRecalled | None:
        """Its issuer's recall, if it was recalled (read each time: it can happen at any
        moment, and a link or a report after it must know)."""
        subject = subjects.directive_recalled(directive_id)
        found = await last_event(self.js, topology.DIRECTIVES.name, subject, DirectiveRecalled)
        return found[0] if found else None

    async def assignment(
        self, directive_id: str, unit_id: str, requirement_id: str
    ) -> AssignmentCreated | None:
        found = await self.assignment_with_headers(directive_id, unit_id, requirement_id)
        return found[0] if found else None

    async def assignment_with_headers(
        self, directive_id: str, unit_id: str, requirement_id: str
    ) -> tuple[AssignmentCreated, dict[str, str]] | None:
        """The assignment and the headers it was published with (its trace context)."""
        subject = subjects.assignment_created(directive_id, unit_id, requirement_id)
        found = await last_event_with_headers(
            self.js, topology.ASSIGNMENTS.name, subject, AssignmentCreated
        )
        return (found[0], found[2]) if found else None

    async def received(
        self, directive_id: str, unit_id: str, requirement_id: str
    ) -> UnitContacted | None:
        """The unit's "Xác nhận đã nhận văn bản" on this assignment, if it pressed it (the
        stream keeps one message per subject)."""
        subject = subjects.contact("received", directive_id, unit_id, requirement_id)
        found = await last_event(self.js, topology.CONTACTS.name, subject, UnitContacted)
        return found[0] if found else None

    async def thread(self, directive_id: str, unit_id: str, requirement_id: str) -> ReportThread:
        """The unit's report as it stands: its latest version, the parent's last
        decision and the unit's requests for more time, each with the stream sequence an
        append must follow."""
        submitted, reviewed, extended = await asyncio.gather(
            last_event(
                self.js,
                topology.REPORTS.name,
                subjects.report_submitted(directive_id, unit_id, requirement_id),
                ReportSubmitted,
            ),
            last_event(
                self.js,
                topology.REPORTS.name,
                subjects.report_reviewed(directive_id, unit_id, requirement_id),
                ReportReviewed,
            ),
            last_event(
                self.js,
                topology.REPORTS.name,
                subjects.extension(directive_id, unit_id, requirement_id),
                ExtensionChanged,
            ),
        )
        thread = ReportThread(directive_id, unit_id, requirement_id)
        for found in (submitted, reviewed, extended):
            if found is not None:
                thread = thread.after(*found)
        return thread

    async def versions(
        self, directive_id: str, unit_id: str, requirement_id: str
    ) -> list[ReportSubmitted]:
        """Every version of a unit's report, oldest first (each is kept with its time)."""
        subject = subjects.report_submitted(directive_id, unit_id, requirement_id)
        info = await self.js.stream_info(topology.REPORTS.name, subjects_filter=subject)
        count = sum((info.state.subjects or {}).values())
        # By direct get, one version after the other: no consumer is created, so the
        # reporter's NATS user needs no right to create consumers on REPORTS, where the
        # other services' durables live (deploy/nats/accounts.conf). A report has a few
        # versions.
        events: list[ReportSubmitted] = []
        after = 0
        while len(events) < count:
            msg = await until_available(
                partial(
                    self.js.get_msg,
                    topology.REPORTS.name,
                    seq=after + 1,
                    next=True,
                    subject=subject,
                    direct=True,
                ),
                f"reading the versions of {subject}",
            )
            events.append(ReportSubmitted.model_validate_json(msg.data or b""))
            after = msg.seq or 0
        return events

    async def append(self, subject: str, event: Event, after_seq: int) -> None:
        """Publish ``event`` on ``subject``, only if the subject's last message is still
        ``after_seq`` (0: none yet); AppendConflict if it is not."""
        headers = trace_headers(
            {
                "Nats-Msg-Id": event.event_id,
                "Nats-Expected-Last-Subject-Sequence": str(after_seq),
                "content-type": "application/json",
            }
        )
        try:
            # A retry after a lost answer is safe: the same Nats-Msg-Id is a duplicate.
            ack = await until_available(
                lambda: self.js.publish(
                    subject,
                    event.model_dump_json().encode(),
                    stream=topology.REPORTS.name,
                    headers=headers,
                ),
                f"storing {subject}",
            )
        except APIError as exc:
            if exc.err_code in WRONG_LAST_SEQUENCE:
                raise AppendConflict from exc
            raise
        if ack.duplicate:
            # Another request stored this message first (same Nats-Msg-Id).
            raise AppendConflict
