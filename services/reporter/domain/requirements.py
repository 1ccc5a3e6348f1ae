"""What a report answers to: the requirement of the issued directive, its report form, and
the values a unit sent checked against that form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.reporter.domain.refusals import InvalidValues, UnknownRequirement
from shared.contracts import AttachedFile, DirectiveIssued, ReportingRequirement
from shared.contracts.submissions import MAX_NARRATIVE
from shared.forms import FieldType, Form, check
from shared.objects import describe
from shared.periods import requirement_in
from shared.vietnamese import format_number


def requirement_of(issued: DirectiveIssued, requirement_id: str) -> ReportingRequirement:
    """The requirement, or one period's copy of a recurring one ("r1--2025-q1")."""
    found = requirement_in(issued.directive, requirement_id)
    if found is None:
        requirements = sorted(r.id for r in issued.directive.requirements)
        raise UnknownRequirement(
            f"{issued.directive.ref} không có yêu cầu báo cáo “{requirement_id}”; có: "
            f"{', '.join(requirements)}.",
            requirements=requirements,
        )
    return found


@dataclass(frozen=True)
class CheckedReport:
    values: dict[str, Any]  # typed, files as their references
    # Files are referenced by content hash before they are stored: a resend is told from a
    # change, and a refused request (too many versions, accepted) stores nothing.
    files: dict[str, tuple[AttachedFile, bytes]]
    unsent_files: frozenset[str]  # attachment fields the request left out


def checked_report(form: Form, raw: Mapping[str, Any], narrative: str) -> CheckedReport:
    """``raw`` (values by field name) and the note against ``form``; InvalidValues names
    each problem's field."""
    checked = check(form, raw)
    problems = dict(checked.problems)
    if len(narrative) > MAX_NARRATIVE:
        problems["narrative"] = f"Ghi chú: dài quá {format_number(MAX_NARRATIVE)} ký tự."
    if problems:
        raise InvalidValues(
            "Báo cáo có giá trị chưa đúng; mỗi lỗi ghi ở trường của nó.",
            problems=problems,
            form=form.id,
        )
    files = {
        name: (describe(u.data, u.filename, u.content_type), u.data)
        for name, u in checked.uploads.items()
    }
    values: dict[str, Any] = dict(checked.values)
    values.update({name: attached for name, (attached, _) in files.items()})
    unsent = frozenset(
        f.name for f in form.fields if f.type is FieldType.ATTACHMENT and f.name not in raw
    )
    return CheckedReport(values, files, unsent)


def reviewing_unit(issued: DirectiveIssued, requirement: ReportingRequirement) -> str:
    """The unit a report goes to, whose staff review it and may revoke its link: the
    requirement's own recipient, or the directive's issuer."""
    return requirement.to_unit or issued.directive.issuer_unit
