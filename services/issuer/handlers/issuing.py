"""Issuing a directive: plan who it reaches, store its record, fan out its events; and,
at start-up, finishing the fan-outs a crash interrupted."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from services.issuer.adapters.directives_bucket import RecordStore, RefIndex
from services.issuer.adapters.publishing import fan_out
from services.issuer.deps import Deps
from services.issuer.domain.cascade import refers_to
from services.issuer.domain.planning import CannotIssue, IssuePlan, past_deadlines, plan_issue
from services.issuer.domain.records import DirectiveRecord, FanOutStatus, fingerprint
from services.issuer.domain.report_forms import with_forms
from services.issuer.handlers.periods import schedule_next_periods
from shared.contracts import Directive
from shared.errors import Conflict
from shared.forms import Form, FormError, resolve

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issued:
    """A directive issued, or found issued before with the same content (``created``
    False: nothing new was published)."""

    record: DirectiveRecord
    created: bool
    assignments: int
    new_assignments: int
    fanout_seconds: float | None = None  # None when nothing was published


async def issue_directive(deps: Deps, directive: Directive, allow_past: bool = False) -> Issued:
    """Issue once: a repeat of the same content creates nothing new. Raises CannotIssue
    (a unit or form it names is unknown; a deadline has passed, unless ``allow_past``)
    and Conflict (issued before with other content)."""
    directive = with_forms(directive)
    passed = None if allow_past else past_deadlines(directive, deps.clock.now())
    if passed is not None and not await deps.records.get(directive.id):
        # (the same directive again answers as issued: a retry is not a new issue)
        deps.metrics.directives.labels("rejected").inc()
        raise passed
    forms = await _forms_named(deps, directive)
    # One trace per issue: its context rides in the headers of every event published,
    # so the mails and the roll-up it causes join the same trace.
    with deps.tracer.start_as_current_span(
        "issue directive", attributes={"chidao.directive_id": directive.id}
    ):
        try:
            plan = plan_issue(directive, deps.directory())
        except CannotIssue:
            deps.metrics.directives.labels("rejected").inc()
            raise
        record = DirectiveRecord(
            directive=directive,
            fingerprint=fingerprint(directive),
            status=FanOutStatus.FANNING_OUT,
            issued_at=deps.clock.now(),
            assignment_count=plan.assignment_count,
            notices=plan.notices,
            warnings=plan.warnings,
            parents=await parents_of(directive, deps.refs, deps.records),
            forms=forms,
        )
        if await deps.records.create(record):
            await deps.refs.add(directive)
            issued = await publish(deps, record, plan)
        else:
            issued = await _issued_before(deps, record)
    deps.metrics.directives.labels("issued" if issued.created else "already_issued").inc()
    return issued


async def _forms_named(deps: Deps, directive: Directive) -> dict[str, Form]:
    try:
        return await resolve(deps.js, {r.form for r in directive.requirements if r.form})
    except FormError as exc:
        deps.metrics.directives.labels("rejected").inc()
        raise CannotIssue([str(exc)]) from exc


async def _issued_before(deps: Deps, record: DirectiveRecord) -> Issued:
    """The same directive again: nothing new if it was issued; the rest of its fan-out if
    that was interrupted; a Conflict if its content differs."""
    directive = record.directive
    existing = await deps.records.get(directive.id)
    assert existing is not None  # records are never deleted
    if existing.fingerprint != record.fingerprint:
        deps.metrics.directives.labels("conflict").inc()
        raise Conflict(
            f"{directive.ref} of {directive.issuer} was already issued with different "
            "content; issue a corrected document under its own number",
            directive_id=directive.id,
        )
    if existing.status is FanOutStatus.ISSUED:
        return Issued(
            existing, created=False, assignments=existing.assignment_count, new_assignments=0
        )
    await deps.refs.add(directive)  # an interrupted fan-out: finish it
    return await publish(deps, existing)


async def publish(deps: Deps, record: DirectiveRecord, plan: IssuePlan | None = None) -> Issued:
    """Publish a stored record's events, then mark it issued. A resumed record is
    planned again against today's directory."""
    plan = plan or plan_issue(record.directive, deps.directory())
    started = time.perf_counter()
    result = await fan_out(deps.broker, deps.js, deps.tracer, record, plan.assignees)
    await schedule_next_periods(deps, record)  # before it is issued: a resume sets them too
    done = await deps.records.mark_issued(record)
    seconds = time.perf_counter() - started
    deps.metrics.fanout_seconds.observe(seconds)
    deps.metrics.assignments.labels("new").inc(result.new_assignments)
    deps.metrics.assignments.labels("duplicate").inc(result.duplicates)
    log.info(
        "directive fanned out",
        extra={
            "directive_id": record.directive.id,
            "assignments": result.assignments,
            "new": result.new_assignments,
            "seconds": round(seconds, 3),
        },
    )
    return Issued(
        done,
        created=True,
        assignments=result.assignments,
        new_assignments=result.new_assignments,
        fanout_seconds=round(seconds, 3),
    )


async def resume_unfinished(deps: Deps) -> None:
    """At start-up: finish every fan-out a stop interrupted (its record is still
    ``fanning_out``). One that fails is logged and left for the next start or request."""
    for record in await deps.records.unfinished():
        log.warning("resuming an interrupted fan-out", extra={"directive_id": record.directive.id})
        try:
            await publish(deps, record)
        except Exception:
            log.exception(
                "resuming the fan-out failed", extra={"directive_id": record.directive.id}
            )


async def parents_of(directive: Directive, refs: RefIndex, records: RecordStore) -> list[str]:
    """Ids of the known directives this one implements."""
    found = []
    for basis in directive.basis:
        if basis.ref is None:
            continue
        for candidate_id in await refs.ids(basis.ref):
            record = await records.get(candidate_id)
            if record and refers_to(basis, record.directive) and candidate_id not in found:
                found.append(candidate_id)
    return found
