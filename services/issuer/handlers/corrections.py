"""Correcting an issued directive (đính chính, Nghị định 30/2020 Điều 18): its issuer's
leader changes the title, a deadline, the units that must act, and says why.

The record is stored as corrected first (status ``correcting``), then every assignment
of the corrected directive is published again on its own subject under the correction's
number (the last message on a subject is the assignment in force: the reporter judges
by its deadline, the notifier moves its timers, the aggregator rolls it up), those of
the units taken off as cancelled, and only then ``directive.corrected``, which the
notifier mails to every unit it reached and the aggregator shows. Reports already made
stay as they are. A stop in between is finished at the next start; the same correction
asked again publishes the same ids again and adds nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from services.issuer.adapters.publishing import publish_assignments
from services.issuer.deps import Deps
from services.issuer.domain.corrections import CorrectionRequest, corrected
from services.issuer.domain.events import AssignmentVersion, assignment_payloads
from services.issuer.domain.planning import IssuePlan, plan_issue
from services.issuer.domain.records import DirectiveRecord, FanOutStatus, fingerprint
from services.issuer.handlers.recalls import cleaned_reason, implementing
from shared import subjects, topology
from shared.contracts import Correction, DirectiveCorrected
from shared.errors import Conflict, Invalid, NotFound
from shared.periods import issued_instance
from shared.publishing import publish_event

log = logging.getLogger(__name__)

NO_REASON = "Ghi lý do đính chính: mọi đơn vị nhận văn bản sẽ đọc lý do này."
NOTHING_CHANGED = "Bản đính chính không thay đổi nội dung nào của văn bản."


@dataclass(frozen=True)
class CorrectedDirective:
    record: DirectiveRecord
    event: DirectiveCorrected
    created: bool  # False: the same correction was made before


async def correct_directive(
    deps: Deps, directive_id: str, request: CorrectionRequest, by: str
) -> CorrectedDirective:
    """Correct an issued directive; NotFound, Invalid (no reason, nothing changed, a
    field that cannot be so), Conflict (recalled, or still being sent)."""
    record = await deps.records.get(directive_id)
    if record is None:
        raise NotFound(f"Chưa có văn bản {directive_id} nào được ban hành.")
    reason = cleaned_reason(request.reason, NO_REASON, "đính chính")
    if record.recall is not None:
        raise Conflict(f"{record.directive.ref} đã bị thu hồi; không đính chính được nữa.")
    if record.status is not FanOutStatus.ISSUED:
        raise Conflict(
            f"{record.directive.ref} đang được gửi tới các đơn vị; đính chính sau khi gửi xong."
        )
    if _made_already(record, request, reason):  # asked again: the same events again
        event = await _publish(deps, record, *_plans(deps, record))
        return CorrectedDirective(record, event, created=False)
    directory, now = deps.directory(), deps.clock.now()
    was = plan_issue(record.directive, directory)
    done = corrected(record.directive, request, was.assigned_units, directory, now)
    if fingerprint(done.directive) == record.fingerprint:
        raise Invalid(NOTHING_CHANGED, problems={"reason": NOTHING_CHANGED})
    plan = plan_issue(done.directive, directory)  # CannotIssue: a requirement left to nobody
    correction = Correction(
        number=len(record.corrections) + 1,
        reason=reason,
        corrected_at=now,
        corrected_by=by,
        changes=done.changes,
        added=list(dict.fromkeys(request.add)),
        removed=list(dict.fromkeys(request.remove)),
    )
    record = record.model_copy(
        update={
            "directive": done.directive,
            "fingerprint": fingerprint(done.directive),
            "corrections": [*record.corrections, correction],
            "status": FanOutStatus.CORRECTING,
        }
    )
    await deps.records.put(record)
    event = await _publish(deps, record, plan, was.assignees)
    record = await deps.records.mark_issued(record)
    deps.metrics.directives.labels("corrected").inc()
    return CorrectedDirective(record, event, created=True)


def _made_already(record: DirectiveRecord, request: CorrectionRequest, reason: str) -> bool:
    """Whether ``request`` is the last correction asked again (a retry, a second click)."""
    last = record.corrections[-1] if record.corrections else None
    if last is None or last.reason != reason:
        return False
    d = record.directive
    units = (list(dict.fromkeys(request.add)), list(dict.fromkeys(request.remove)))
    title = " ".join((request.title or "").split()) or d.title
    dues = {r.id: r.due_before for r in d.requirements}
    return (
        units == (last.added, last.removed)
        and title == d.title
        and all(dues.get(rid) == due for rid, due in request.due.items())
    )


def _plans(deps: Deps, record: DirectiveRecord) -> tuple[IssuePlan, dict[str, list[str]]]:
    """For a correction published again (asked again, resumed at start): who the
    directive assigns now, and who it assigned before its last correction took units off
    (planned without their exclusion; nobody when it took nobody off)."""
    directory = deps.directory()
    taken_off = set(record.corrections[-1].removed)
    if not taken_off:
        return plan_issue(record.directive, directory), {}
    before = record.directive.model_copy(
        update={"excluded": [u for u in record.directive.excluded if u not in taken_off]}
    )
    return plan_issue(record.directive, directory), plan_issue(before, directory).assignees


async def _publish(
    deps: Deps, record: DirectiveRecord, plan: IssuePlan, was: dict[str, list[str]]
) -> DirectiveCorrected:
    """The last correction's assignments, then its event (ids of their own: again adds
    nothing). ``plan``: the corrected directive's; ``was``: who it assigned before."""
    correction = record.corrections[-1]
    d = record.directive.id
    payloads = _assignments(record, correction, plan, was)
    result = await publish_assignments(deps.js, deps.tracer, record, payloads)
    event = DirectiveCorrected(
        event_id=subjects.directive_corrected_id(d, correction.number),
        occurred_at=correction.corrected_at,
        directive_id=d,
        directive=record.directive,
        correction=correction,
        implementing=await implementing(deps, d),
    )
    subject = subjects.directive_corrected(d)
    await publish_event(deps.broker, subject, topology.DIRECTIVES.name, event)
    log.info(
        "directive corrected",
        extra={
            "directive_id": d,
            "correction": correction.number,
            "assignments": result.assignments,
            "new": result.new_assignments,
        },
    )
    return event


def _assignments(
    record: DirectiveRecord, correction: Correction, plan: IssuePlan, was: dict[str, list[str]]
) -> Iterator[tuple[str, bytes, str]]:
    """Every assignment in force after ``correction`` (a recurring requirement: its
    period current then), grouped by the correction that assigned each unit; then the
    cancelled ones of the units it took off, as ``was`` assigned them."""
    n, at = correction.number, correction.corrected_at
    requirements = [issued_instance(r, at) for r in record.directive.requirements]
    by_addition: dict[int, dict[str, list[str]]] = {}
    for rid, units in plan.assignees.items():
        for unit in units:
            by_addition.setdefault(record.added_in(unit), {}).setdefault(rid, []).append(unit)
    for added_in, assignees in sorted(by_addition.items()):
        version = AssignmentVersion(correction=n, added_in=added_in, at=at)
        assigned_at = at if added_in == n else None  # a unit added now is assigned now
        yield from assignment_payloads(record, assignees, requirements, assigned_at, version)
    taken_off = set(correction.removed)
    removed = {rid: [u for u in units if u in taken_off] for rid, units in was.items()}
    cancelled = AssignmentVersion(correction=n, cancelled=True, at=at)
    yield from assignment_payloads(record, removed, requirements, None, cancelled)


async def resume_corrections(deps: Deps) -> None:
    """At start-up: finish every correction a stop interrupted."""
    for record in await deps.records.all():
        if record.status is not FanOutStatus.CORRECTING:
            continue
        ids = {"directive_id": record.directive.id}
        log.warning("resuming an interrupted correction", extra=ids)
        try:
            await _publish(deps, record, *_plans(deps, record))
            await deps.records.mark_issued(record)
        except Exception:
            log.exception("resuming the correction failed", extra=ids)
