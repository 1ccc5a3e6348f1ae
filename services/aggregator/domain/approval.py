"""Closing a level, the rules: a unit's staff approve their synthesis of one of their own
directives (or it is approved by itself shortly before the report it answers is due,
when the directive says so), and it goes up as the unit's own report on the parent
directive that their directive implements, carrying its figures.

What the synthesis sends up (``approval``), as answers to the parent's form, and when an
automatic approval is due (``auto_schedule``). The aggregator publishes
``synthesis.approved``; the reporter, which owns every report, files it as the unit's
submission, so the parent's roll-up includes it like any other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from services.aggregator.domain.notes import written_narrative
from services.aggregator.domain.synthesis import RequirementSynthesis, Written
from shared import subjects
from shared.contracts import DirectiveIssued, SynthesisApproved
from shared.contracts.submissions import MAX_NARRATIVE
from shared.errors import Conflict, Invalid
from shared.forms import Aggregation, FieldType, Form
from shared.timers import Schedule
from shared.vietnamese import document_title

OWNER = "aggregator"  # the auto-approval timers are the aggregator's
# An automatic approval happens this long before the report it answers is due, so that
# it is on time.
AUTO_APPROVE_AHEAD = timedelta(hours=1)


@dataclass(frozen=True)
class Target:
    """The parent's requirement the issuer's synthesis answers."""

    directive_id: str  # the parent's directive
    requirement_id: str
    due_before: datetime | None
    form: Form | None


def no_target(issued: DirectiveIssued) -> Conflict:
    return Conflict(
        f"no directive that {issued.directive.ref} implements asks "
        f"{issued.directive.issuer_unit} for a report this synthesis could answer; send the "
        "report by hand",
        reason="no_target",
    )


def already_accepted() -> Conflict:
    return Conflict(
        "the parent has accepted the report this synthesis would replace; it can go up "
        "again only after they return it",
        reason="accepted",
    )


def results_requirement(issued: DirectiveIssued, requirement_id: str | None) -> str:
    """The requirement whose synthesis goes up: the one named, or the first that asks for
    results."""
    requirements = issued.directive.requirements
    chosen = [r for r in requirements if r.id == requirement_id] or [
        r for r in requirements if not r.asks_for_a_plan
    ]
    if not chosen:
        raise Invalid(f"{issued.directive.ref} has no results requirement to send up")
    return chosen[0].id


def forwarded_values(section: RequirementSynthesis, target: Form | None) -> dict[str, Any]:
    """The synthesis as answers to the parent's form: sums as numbers, the choices that
    any unit made, the most frequent single choice, and the units' texts by name."""
    if target is None:
        return {}
    sums = section.totals.sums
    choices = section.totals.choices
    texts = {group.name: group.entries for group in section.texts}
    values: dict[str, Any] = {}
    for f in target.inputs:
        if f.type in (FieldType.INTEGER, FieldType.DECIMAL) and f.name in sums:
            value = sums[f.name]
            values[f.name] = int(value) if f.type is FieldType.INTEGER else value
        elif f.type is FieldType.MULTIPLE_CHOICE and choices.get(f.name):
            values[f.name] = [c.value for c in f.choices if choices[f.name].get(c.value)]
        elif f.type is FieldType.CHOICE and choices.get(f.name):
            counts = choices[f.name]
            values[f.name] = max(f.choices, key=lambda c: counts.get(c.value, 0)).value
        elif f.type is FieldType.TEXT and f.rule is Aggregation.TEXTS and texts.get(f.name):
            text = "\n".join(f"{e.name}: {e.text}" for e in texts[f.name])
            values[f.name] = text[: f.max_length]
    return values


@dataclass(frozen=True)
class Approved:
    """What the approval sends up besides the figures: the staff's written sections and
    the versions it was made from (the roll-up node's, the sections' revision), so that
    approving again after either changed is a new event, not a duplicate."""

    version: int
    written: Written
    notes_revision: int = 0


def approval(
    issued: DirectiveIssued,
    section: RequirementSynthesis,
    target: Target,
    approved: Approved,
    now: datetime,
    unit_name: str,
    automatic: bool,
    approved_by: str = "",
) -> SynthesisApproved:
    d = issued.directive
    t = section.totals
    counts = (
        f"Báo cáo tổng hợp của {unit_name} theo {document_title(d.kind, d.ref)}: "
        f"{t.submitted}/{t.expected} đơn vị đã báo cáo, {t.on_time} đúng hạn, "
        f"{t.late} muộn."
    )
    return SynthesisApproved(
        event_id=subjects.synthesis_approved_id(
            issued.directive_id,
            d.issuer_unit,
            section.id,
            approved.version,
            approved.notes_revision,
        ),
        occurred_at=now,
        directive_id=issued.directive_id,
        requirement_id=section.id,
        unit_id=d.issuer_unit,
        target_directive_id=target.directive_id,
        target_requirement_id=target.requirement_id,
        values=forwarded_values(section, target.form),
        narrative=(counts + written_narrative(approved.written))[:MAX_NARRATIVE],
        automatic=automatic,
        approved_by="" if automatic else approved_by,
        approved_at=now,
    )


class AutoApproval(BaseModel):
    """The payload of an auto-approval timer."""

    directive_id: str
    requirement_id: str
    at: datetime  # the instant it is due: the approval counts as made then


def auto_schedule(
    issued: DirectiveIssued,
    requirement_id: str,
    target: Target,
    real_epoch_of: Callable[[datetime], float],
) -> Schedule | None:
    if target.due_before is None:
        return None
    at = target.due_before - AUTO_APPROVE_AHEAD
    tokens = ("approve", issued.directive_id, requirement_id)
    return Schedule(
        tokens,
        AutoApproval(directive_id=issued.directive_id, requirement_id=requirement_id, at=at)
        .model_dump_json()
        .encode(),
        real_epoch_of(at),
        subjects.timer_id(*tokens),
    )
