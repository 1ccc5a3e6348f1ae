"""Closing a level: the issuer's synthesis approved, by its staff (the API, the status
page's button) or by itself (a timer), and sent up as its report on the parent's
directive. The rules are ``domain/approval.py``; a refusal is a raised ``Conflict``,
``NotFound`` or ``Invalid``, which a timer's subscriber turns into a dead letter. A
recalled directive's synthesis is not sent up: refused by hand, skipped by its timer."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from services.aggregator.adapters.synthesis_stream import publish_approval
from services.aggregator.deps import Deps
from services.aggregator.domain import approval as rules
from services.aggregator.domain.approval import AutoApproval, Target
from services.aggregator.domain.nodes import Node
from services.aggregator.domain.recall import not_approved
from services.aggregator.domain.synthesis import Synthesis
from services.aggregator.handlers.directive_scope import directive_of
from services.aggregator.handlers.recall import recalled
from services.aggregator.handlers.synthesis import get_synthesis_and_revision
from shared import subjects, timers, topology
from shared.contracts import AssignmentCreated, DirectiveIssued, SynthesisApproved
from shared.errors import Conflict, DomainError
from shared.streams import last_event
from shared.vietnamese import document_title

log = logging.getLogger(__name__)


async def find_target(deps: Deps, issued: DirectiveIssued, requirement_id: str) -> Target:
    """The parent's requirement the issuer's synthesis answers: among the directives its
    own implements, one that assigned the issuer a report (not the plan it already
    issued), the same report form first; ``Conflict`` (reason ``no_target``) if none."""
    unit = issued.directive.issuer_unit
    own_form = issued.form_of(requirement_id)
    candidates = []
    recalled_parents = []
    for parent_id in issued.parents:
        parent = await deps.book.get(parent_id)
        if parent is None:
            continue
        if await recalled(deps, parent_id) is not None:
            recalled_parents.append(parent)  # it asks nothing more: nothing goes up to it
            continue
        for r in parent.directive.requirements:
            if r.asks_for_a_plan:
                continue
            assigned = await last_event(
                deps.js,
                topology.ASSIGNMENTS.name,
                subjects.assignment_created(parent_id, unit, r.id),
                AssignmentCreated,
            )
            if assigned is None or assigned[0].assignment.cancelled:
                continue  # (taken off by a correction: nothing is asked of it)
            form = parent.form_of(r.id)
            same_form = form is not None and own_form is not None and form.id == own_form.id
            candidates.append((not same_form, parent_id, r.id, r.due_before, form))
    if not candidates and recalled_parents:
        raise basis_recalled_refusal(recalled_parents[0])
    if not candidates:
        raise rules.no_target(issued)
    _, parent_id, requirement, due, form = sorted(candidates, key=lambda c: c[:3])[0]
    return Target(parent_id, requirement, due, form)


def basis_recalled_refusal(parent: DirectiveIssued) -> Conflict:
    d = parent.directive
    return Conflict(
        f"{d.issuer} đã thu hồi {document_title(d.kind, d.ref)}, văn bản mà báo cáo tổng hợp "
        "này trả lời: không còn gửi báo cáo lên theo văn bản đó.",
        reason="parent_recalled",
    )


async def issuer_of(deps: Deps, directive_id: str) -> str:
    """The unit whose leaders approve this directive's synthesis: its issuer."""
    return (await directive_of(deps, directive_id)).directive.issuer_unit


async def upward_of(
    deps: Deps, issued: DirectiveIssued, requirement_id: str | None
) -> tuple[str, Target, Node | None]:
    """The requirement whose synthesis goes up, the parent's requirement it answers, and
    the issuer's node there (its report to the parent, and the parent's decision)."""
    chosen = rules.results_requirement(issued, requirement_id)
    target = await find_target(deps, issued, chosen)
    node = await deps.rollup.get(
        target.directive_id, target.requirement_id, issued.directive.issuer_unit
    )
    return chosen, target, node


async def approve(
    deps: Deps,
    directive_id: str,
    requirement_id: str | None,
    automatic: bool = False,
    at: datetime | None = None,
    approved_by: str = "",
) -> SynthesisApproved:
    """Send the issuer's synthesis up as its report on the parent's directive, as
    approved now (or, for a timer, at the instant it was due), by ``approved_by``."""
    event, _, _ = await approve_and_show(
        deps, directive_id, requirement_id, automatic, at, approved_by
    )
    return event


async def approve_and_show(
    deps: Deps,
    directive_id: str,
    requirement_id: str | None,
    automatic: bool = False,
    at: datetime | None = None,
    approved_by: str = "",
) -> tuple[SynthesisApproved, Synthesis, int]:
    """``approve``, and the synthesis it sent up with its sections' revision (what a page
    shows after it)."""
    issued = await directive_of(deps, directive_id)
    recall = await recalled(deps, directive_id)
    if recall is not None:  # nothing more is asked under it, above as below
        raise not_approved(recall)
    chosen, target, upward = await upward_of(deps, issued, requirement_id)
    if upward is not None and upward.own is not None and upward.own.accepted:
        raise rules.already_accepted()
    synthesis, notes_revision = await get_synthesis_and_revision(deps, directive_id)
    issuer = issued.directive.issuer_unit
    node = await deps.rollup.get(directive_id, chosen, issuer)
    now = deps.clock.now()
    event = rules.approval(
        issued,
        synthesis.section(chosen),
        target,
        rules.Approved(node.v if node else 0, synthesis.written, notes_revision),
        min(at, now) if at else now,
        deps.directory().name(issuer),
        automatic,
        approved_by,
    )
    await publish_approval(deps.broker, event)
    deps.metrics.approvals.labels("automatic" if automatic else "staff").inc()
    log.info(
        "synthesis approved", extra={"event_id": event.event_id, "target": target.directive_id}
    )
    return event, synthesis, notes_revision


async def approve_automatically(deps: Deps, timer: AutoApproval) -> SynthesisApproved | None:
    """An auto-approval timer fired: approved as at the instant it was due; nothing for a
    directive recalled since it was scheduled (not a refusal: no dead letter)."""
    if await recalled(deps, timer.directive_id) is not None:
        log.info("no automatic approval: recalled", extra={"directive_id": timer.directive_id})
        return None
    try:
        return await approve(
            deps, timer.directive_id, timer.requirement_id, automatic=True, at=timer.at
        )
    except Conflict as exc:
        if exc.details.get("reason") != "parent_recalled":
            raise
        log.info("no automatic approval: the directive above was recalled",
                 extra={"directive_id": timer.directive_id})  # fmt: skip
        return None


@dataclass(frozen=True)
class PageApproval:
    """What the status page shows after its "approve and send up" button: the synthesis
    now, and the approval or why it was refused."""

    synthesis: Synthesis
    refused: DomainError | None = None
    notes_revision: int = 0  # of the sections the synthesis carries (the page's form)


async def approve_from_status_page(
    deps: Deps, directive_id: str, requirement_id: str | None, approved_by: str = ""
) -> PageApproval:
    """The status page's button; ``NotFound`` only when the page itself cannot be shown."""
    try:
        _, synthesis, revision = await approve_and_show(
            deps, directive_id, requirement_id, approved_by=approved_by
        )
    except DomainError as exc:
        synthesis, revision = await get_synthesis_and_revision(deps, directive_id)
        return PageApproval(synthesis, exc, revision)
    return PageApproval(synthesis, None, revision)


async def schedule_auto_approval(deps: Deps, issued: DirectiveIssued, again: str = "") -> None:
    """A timer shortly before the parent's deadline for each requirement that asks to be
    approved by itself; none when nothing above could take it (said in the log).
    ``again``: scheduled once more (the parent's deadline was corrected), under a message
    id of its own so that JetStream does not drop it as the first one's duplicate."""
    for r in issued.directive.requirements:
        if not r.auto_approve:
            continue
        try:
            target = await find_target(deps, issued, r.id)
        except Conflict as exc:
            log.warning(
                "no automatic approval",
                extra={"directive_id": issued.directive_id, "reason": str(exc)},
            )
            continue
        timer = rules.auto_schedule(issued, r.id, target, deps.clock.real_epoch_of)
        if timer is not None:
            if again:
                timer = replace(timer, msg_id=f"{timer.msg_id}.{again}")
            await timers.schedule(deps.js, rules.OWNER, [timer])
