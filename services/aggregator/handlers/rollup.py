"""The consumed events: a directive issued is remembered (and its automatic approvals
scheduled); assignments, reports, reviews and requests for more time (xin gia hạn) are
rolled up the unit tree, and every
changed node that rolls up other units is announced. And the dashboards' progress."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from services.aggregator.adapters.synthesis_stream import announce
from services.aggregator.deps import Deps
from services.aggregator.handlers.approval import schedule_auto_approval
from services.aggregator.handlers.home import index_assignments, index_directive
from shared.contracts import (
    Assignment,
    DirectiveIssued,
    Extensions,
    Review,
    Submission,
    Totals,
    UnitContacted,
)


async def directive_issued(deps: Deps, event: DirectiveIssued) -> None:
    await deps.book.remember(event)
    await index_directive(deps, event)  # the console home's lists and the cascade
    await schedule_auto_approval(deps, event)
    deps.metrics.events.labels("directive.issued").inc()


async def assignments_created(deps: Deps, assignments: Sequence[Assignment]) -> None:
    await _roll_up(deps, assignments=assignments)
    await index_assignments(deps, assignments)  # the console home's "from above" list
    deps.metrics.events.labels("assignment.created").inc(len(assignments))


async def reports_submitted(deps: Deps, submissions: Sequence[Submission]) -> None:
    await _roll_up(deps, submissions=submissions)
    deps.metrics.events.labels("report.submitted").inc(len(submissions))


async def reports_reviewed(deps: Deps, reviews: Sequence[Review]) -> None:
    await _roll_up(deps, reviews=reviews)
    deps.metrics.events.labels("report.reviewed").inc(len(reviews))


async def extensions_changed(deps: Deps, stories: Sequence[Extensions]) -> None:
    """A unit asked for more time or its parent answered: its node judges its lateness
    by the deadline in force, and a grant is counted up the tree."""
    await _roll_up(deps, extensions=stories)
    deps.metrics.events.labels("extension.changed").inc(len(stories))


async def units_contacted(deps: Deps, contacts: Sequence[UnitContacted]) -> None:
    """Mailed, link opened: the units' own nodes, for their parents' directive page."""
    await deps.rollup.mark(contacts)
    deps.metrics.events.labels("unit.contacted").inc(len(contacts))


async def _roll_up(
    deps: Deps,
    assignments: Sequence[Assignment] = (),
    submissions: Sequence[Submission] = (),
    reviews: Sequence[Review] = (),
    extensions: Sequence[Extensions] = (),
) -> None:
    started = time.perf_counter()
    # The forms of these directives, so that values add up by their rules.
    await deps.book.load(
        {a.directive_id for a in assignments}
        | {s.directive_id for s in submissions}
        | {r.directive_id for r in reviews}
        | {e.directive_id for e in extensions}
    )
    written = await deps.rollup.apply(assignments, submissions, reviews, extensions)
    await announce(deps.js, written, deps.clock)
    deps.metrics.batch_seconds.observe(time.perf_counter() - started)


async def sample_progress(deps: Deps) -> None:
    """chidao_assignments: the roll-up roots of every directive, for the dashboards."""
    now = deps.clock.now()
    for directive_id in await deps.book.ids():
        issued = await deps.book.get(directive_id)
        if issued is None or await deps.book.recall(directive_id) is not None:
            continue  # a recalled directive asks nothing more: none of it is overdue
        d = issued.directive
        roots: list[tuple[Totals, datetime | None]] = []
        for r in d.requirements:
            root = await deps.rollup.get(directive_id, r.id, d.issuer_unit)
            if root is not None:
                roots.append((root.totals, r.due_before))
        deps.metrics.set_progress(directive_id, roots, now)
