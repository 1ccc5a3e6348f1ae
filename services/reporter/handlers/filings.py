"""The reports chidao files for a unit by itself, from the events it consumes: a unit's
own implementing plan, and a unit's approved synthesis, each as its report on the
parent's directive."""

from __future__ import annotations

import logging
from datetime import datetime

from services.reporter.deps import Deps
from services.reporter.handlers.submissions import Filed, submit_report
from shared.clock import VN_TZ
from shared.contracts import DirectiveIssued, SubmissionRequest, SynthesisApproved
from shared.errors import DomainError
from shared.vietnamese import document_title

logger = logging.getLogger(__name__)


async def file_plan(deps: Deps, event: DirectiveIssued) -> list[Filed]:
    """A unit that issues its own plan implementing a parent directive has done what the
    parent's "ban hành kế hoạch ..." requirement asked of it; a report the unit already
    sent is left as it is. What cannot be filed is logged and left."""
    child = event.directive
    # The plan exists since the day it was signed, not since chidao heard of it.
    signed = datetime.combine(child.issued_on, datetime.min.time(), VN_TZ)
    plan = {
        "document_ref": child.ref,
        "document_date": child.issued_on.isoformat(),
        "summary": f"{document_title(child.kind, child.ref)}: {child.title}",
    }
    filed: list[Filed] = []
    for parent_id in event.parents:
        parent = await deps.reports.directive_issued(parent_id)
        if parent is None:
            continue
        for requirement in parent.directive.requirements:
            if not requirement.asks_for_a_plan:
                continue
            form = parent.form_of(requirement.id)
            request = SubmissionRequest(
                directive_id=parent_id,
                unit_id=child.issuer_unit,
                requirement_id=requirement.id,
                values={k: v for k, v in plan.items() if form and form.field(k)},
            )
            try:
                filed.append(
                    await submit_report(
                        deps,
                        request,
                        now=lambda: min(event.occurred_at, signed),
                        keep_existing=True,
                        source="plan",
                    )
                )
            except DomainError as exc:
                logger.info(
                    "the plan could not be filed as a report",
                    extra={"reason": exc.message, "directive_id": parent_id},
                )
    return filed


async def file_synthesis(deps: Deps, event: SynthesisApproved) -> Filed:
    """A unit's approved synthesis becomes its report on the parent's directive. A
    refusal is raised: nothing retrying can change, so it is a dead letter."""
    request = SubmissionRequest(
        directive_id=event.target_directive_id,
        unit_id=event.unit_id,
        requirement_id=event.target_requirement_id,
        values=event.model_dump(mode="json")["values"],
        narrative=event.narrative,
    )
    filed = await submit_report(
        deps,
        request,
        # sent when the unit's staff approved it (or it was approved by itself), not when
        # this consumer got round to filing it
        now=lambda: min(event.approved_at, deps.now()),
        source="synthesis",
        synthesis_of=event.directive_id,
    )
    logger.info(
        "synthesis filed as the unit's report",
        extra={"event_id": filed.event.event_id, "from": event.directive_id},
    )
    return filed
