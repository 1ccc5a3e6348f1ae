"""A recurring requirement's next period (shared/periods.py): when the previous period's
deadline passes, a durable timer brings its directive and requirement back here, and the
period's assignments are fanned out under their own requirement id, to the units the
directive reaches today; then the timer of the period after is set. Every id is
deterministic (the period's assignments, the next timer), so a timer handled twice, or a
restart in between, assigns nothing twice. No cron: the schedule is JetStream's."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel

from services.issuer.adapters.publishing import publish_assignments
from services.issuer.deps import Deps
from services.issuer.domain.events import assignment_payloads
from services.issuer.domain.planning import plan_issue
from services.issuer.domain.records import DirectiveRecord
from shared import subjects
from shared import timers as shared_timers
from shared.contracts import ReportingRequirement
from shared.errors import PermanentError
from shared.periods import current_period, instance, period_at, recurring

log = logging.getLogger(__name__)

OWNER = "issuer"
KIND = "period"


class PeriodTimer(BaseModel):
    """The payload of a period's timer; it comes back as is on chidao.fired.issuer.*."""

    directive_id: str
    requirement_id: str
    index: int  # the period it opens
    at: datetime  # when, on the chidao clock (the previous period's deadline)


async def schedule_next_periods(deps: Deps, record: DirectiveRecord) -> int:
    """At issue (and on a resumed fan-out): each recurring requirement's next period's
    timer, after the one issuing assigned. Returns how many were set."""
    timers = []
    for r in record.directive.requirements:
        period = current_period(r, record.issued_at) if recurring(r) else None
        following = after(record.directive.id, r, period.index) if period is not None else None
        if following is not None:
            timers.append(following)
    await _schedule(deps, timers)
    return len(timers)


def after(directive_id: str, requirement: ReportingRequirement, index: int) -> PeriodTimer | None:
    """The timer opening the period after ``index``, at that period's deadline; None past
    the requirement's end."""
    following = period_at(requirement, index + 1)
    if following is None or following.opens_at is None:
        return None
    return PeriodTimer(
        directive_id=directive_id,
        requirement_id=requirement.id,
        index=following.index,
        at=following.opens_at,
    )


async def _schedule(deps: Deps, timers: list[PeriodTimer]) -> None:
    await shared_timers.schedule(
        deps.js,
        OWNER,
        [
            shared_timers.Schedule(
                (KIND, t.directive_id, t.requirement_id),  # one subject: the next period
                t.model_dump_json().encode(),
                deps.clock.real_epoch_of(t.at),
                subjects.timer_id(KIND, t.directive_id, t.requirement_id, str(t.index)),
            )
            for t in timers
        ],
    )


async def period_opened(deps: Deps, timer: PeriodTimer) -> int:
    """Assign the period ``timer`` opens and set the next one's timer; returns how many
    assignments were new."""
    record = await deps.records.get(timer.directive_id)
    if record is None:
        raise PermanentError(f"no directive {timer.directive_id} for its period timer")
    if record.recall is not None:
        return 0  # recalled: nothing more is asked under it
    base = next((r for r in record.directive.requirements if r.id == timer.requirement_id), None)
    period = period_at(base, timer.index) if base is not None else None
    if base is None or period is None:
        return 0  # past its end ("đến hết năm ..."): nothing more to assign
    plan = plan_issue(record.directive, deps.directory())
    payloads = assignment_payloads(
        record, plan.assignees, [instance(base, period)], assigned_at=period.opens_at
    )
    result = await publish_assignments(deps.js, deps.tracer, record, payloads)
    deps.metrics.assignments.labels("new").inc(result.new_assignments)
    deps.metrics.assignments.labels("duplicate").inc(result.duplicates)
    following = after(timer.directive_id, base, timer.index)
    if following is not None:
        await _schedule(deps, [following])
    log.info(
        "period assigned",
        extra={
            "directive_id": timer.directive_id,
            "requirement": base.id,
            "period": period.key,
            "new": result.new_assignments,
        },
    )
    return result.new_assignments
