"""Who a directive reaches: the units assigned each requirement and the units that only
receive it. Pure functions of the directive and the directory, so a retried issue plans
exactly the same fan-out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from shared.contracts import Directive, Notice, RecipientRole, UnitSelector
from shared.directory import Directory, DirectoryError
from shared.errors import DomainError
from shared.periods import issued_instance
from shared.vietnamese import format_deadline, format_instant


class CannotIssue(DomainError):
    """The directive cannot be issued as it stands; ``problems`` says why, one line each
    (the API answers 422 with them)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the directive cannot be issued", problems=problems)
        self.problems = problems

    def __str__(self) -> str:
        return "; ".join(self.problems)


class DeadlinePassed(CannotIssue):
    """Requirements whose deadline has passed on the service's clock: their mails would
    carry links dead on arrival and reminders for days gone. ``indexes``: which ones."""

    def __init__(self, problems: list[str], indexes: list[int]) -> None:
        super().__init__(problems)
        self.indexes = indexes


def past_deadlines(directive: Directive, now: datetime) -> DeadlinePassed | None:
    """Why issuing ``directive`` now would send what the moment has made wrong (None: it
    would not). Issuing anyway is the operator's choice (``allow_past``)."""
    # a recurring requirement is judged by its period still ahead, which issuing assigns
    shown = [(index, issued_instance(r, now)) for index, r in enumerate(directive.requirements)]
    late = [(index, r) for index, r in shown if r.due_before is not None and r.due_before <= now]
    if not late:
        return None
    problems = [
        f"Yêu cầu “{r.action}”: hạn {format_deadline(r.due_before)} đã qua (bây giờ là "
        f"{format_instant(now)}). Sửa hạn cho đúng, hoặc ban hành dù hạn đã qua (allow_past, "
        "trên dòng lệnh --allow-past): khi đó không có lời nhắc hạn nào."
        for _, r in late
    ]
    return DeadlinePassed(problems, [index for index, _ in late])


class PlanError(CannotIssue):
    """A unit the directive names is not in the directory, or a requirement reaches no unit."""


@dataclass
class IssuePlan:
    directive: Directive
    # requirement id -> unit ids that must report under it
    assignees: dict[str, list[str]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def assignment_count(self) -> int:
        return sum(len(units) for units in self.assignees.values())

    @property
    def assigned_units(self) -> set[str]:
        return {uid for units in self.assignees.values() for uid in units}


def plan_issue(directive: Directive, directory: Directory) -> IssuePlan:
    problems: list[str] = []
    plan = IssuePlan(directive)
    excluded = set(directive.excluded)  # taken off by a correction

    def resolve(selectors: Iterable[UnitSelector], what: str) -> list[str]:
        units: dict[str, None] = {}
        for selector in selectors:
            try:
                found = directory.resolve(selector)
            except DirectoryError as exc:
                problems.append(f"{what}: {exc}")
                continue
            if not found:
                plan.warnings.append(f"{what}: no unit matches '{selector.describe()}'")
            units.update(dict.fromkeys(found))
        return [u for u in units if u not in excluded]

    if directive.issuer_unit not in directory:
        problems.append(f"issuer_unit: unit '{directive.issuer_unit}' is not in the directory")

    action_units = resolve(directive.action_selectors(), "addressees")
    for requirement in directive.requirements:
        what = f"requirement '{requirement.id}'"
        if requirement.to_unit is not None and requirement.to_unit not in directory:
            problems.append(f"{what}: to_unit '{requirement.to_unit}' is not in the directory")
        units = (
            action_units
            if requirement.assignees is None
            else resolve(requirement.assignees, f"{what} assignees")
        )
        if not units:
            problems.append(f"{what} ('{requirement.action}') is assigned to no unit")
        plan.assignees[requirement.id] = units

    assigned = plan.assigned_units
    # An addressee without any requirement still has to receive the document, to act on.
    noticed: dict[str, RecipientRole] = {
        uid: RecipientRole.ACTION for uid in action_units if uid not in assigned
    }
    for recipient in directive.recipients:
        if recipient.role in (RecipientRole.ACTION, RecipientRole.SAME_AS_ABOVE):
            continue  # the addressees: they act, and get their assignments by mail
        if not recipient.units:
            plan.warnings.append(
                f"Nơi nhận entry '{recipient.text}' is linked to no unit; nobody is mailed for it"
            )
            continue
        for uid in resolve(recipient.units, f"Nơi nhận '{recipient.text}'"):
            if uid not in assigned:
                noticed.setdefault(uid, recipient.role)
    plan.notices = [Notice(unit_id=uid, role=role) for uid, role in noticed.items()]

    if problems:
        raise PlanError(problems)
    return plan
