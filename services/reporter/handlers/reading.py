"""Reading a unit's report: its history (the API), the form a unit's signed link opens,
the staff's view with every version, and a file attached to a version."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.reporter.deps import Deps
from services.reporter.domain.refusals import NotReported
from services.reporter.domain.report_thread import ReportThread
from services.reporter.handlers.submissions import find_requirement
from shared.contracts import (
    Assignment,
    AssignmentCreated,
    AttachedFile,
    DirectiveIssued,
    ReportingRequirement,
    ReportReviewed,
    ReportSubmitted,
)
from shared.errors import NotFound
from shared.forms import Form, issued_form


@dataclass(frozen=True)
class History:
    versions: list[ReportSubmitted]  # oldest first
    review: ReportReviewed | None  # the parent's last decision


async def report_history(
    deps: Deps, directive_id: str, unit_id: str, requirement_id: str
) -> History:
    """Every version of a unit's report with its time, and the parent's last review."""
    versions = await deps.reports.versions(directive_id, unit_id, requirement_id)
    if not versions:
        raise NotReported(f"Đơn vị {unit_id} chưa gửi báo cáo cho yêu cầu này.")
    thread = await deps.reports.thread(directive_id, unit_id, requirement_id)
    return History(versions, thread.last_review)


@dataclass(frozen=True)
class ReportForm:
    assignment: AssignmentCreated
    form: Form
    thread: ReportThread


async def report_form(
    deps: Deps, directive_id: str, unit_id: str, requirement_id: str
) -> ReportForm:
    """What the unit's page shows: its assignment, the form, its report so far.
    NotFound when the unit was not assigned this requirement."""
    assigned = await deps.reports.assignment(directive_id, unit_id, requirement_id)
    issued = await deps.reports.directive_issued(directive_id)
    if assigned is None or issued is None:
        raise NotFound(
            f"Đơn vị {unit_id} không được giao yêu cầu báo cáo “{requirement_id}” của văn bản này."
        )
    form = issued_form(issued, assigned.assignment.requirement)
    thread = await deps.reports.thread(directive_id, unit_id, requirement_id)
    return ReportForm(assigned, form, thread)


@dataclass(frozen=True)
class StaffReport:
    issued: DirectiveIssued
    requirement: ReportingRequirement
    form: Form
    versions: list[ReportSubmitted]  # oldest first; none yet is a report still awaited
    thread: ReportThread
    # the assignment in force (the latest: a correction may have changed its deadline,
    # or taken the unit off), None when the unit was not assigned it
    assignment: Assignment | None = None

    @property
    def assigned(self) -> ReportingRequirement:
        """The requirement as the unit has it: the latest assignment's, else as issued."""
        return self.assignment.requirement if self.assignment else self.requirement


async def report_for_staff(
    deps: Deps, directive_id: str, unit_id: str, requirement_id: str
) -> StaffReport:
    """A unit's report as the parent's staff read it; UnknownDirective and
    UnknownRequirement."""
    ids = (directive_id, unit_id, requirement_id)
    issued, requirement = await find_requirement(deps, directive_id, requirement_id)
    versions, thread, assigned = await asyncio.gather(
        deps.reports.versions(*ids), deps.reports.thread(*ids), deps.reports.assignment(*ids)
    )
    form = issued_form(issued, requirement)
    return StaffReport(
        issued, requirement, form, versions, thread, assigned.assignment if assigned else None
    )


@dataclass(frozen=True)
class Download:
    file: AttachedFile
    data: bytes | None  # None: the store no longer has it


async def attached_file(
    deps: Deps, directive_id: str, unit_id: str, requirement_id: str, version: int, field: str
) -> Download:
    """A file a unit attached to a version of its report; NotFound if there is none."""
    versions = await deps.reports.versions(directive_id, unit_id, requirement_id)
    found = next((v.submission for v in versions if v.submission.version == version), None)
    attached = found.values.get(field) if found else None
    if not isinstance(attached, AttachedFile):
        raise NotFound("Không có tệp này.")
    return Download(attached, await deps.attachments.fetch(attached))
