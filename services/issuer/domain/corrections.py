"""What a correction (đính chính, Nghị định 30/2020 Điều 18) changes in an issued
directive: its title, the deadlines of its requirements, the units that must act. Pure
functions of the directive, the request and the directory; the handler
(handlers/corrections.py) stores and publishes what they decide.

A unit taken off is listed in ``Directive.excluded`` rather than cut out of a group
selector ("các chi bộ trực thuộc" stays as written); a unit added is named among the
addressees, so it is assigned every requirement given to all the addressees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.contracts import Change, Directive, ReportingRequirement, UnitSelector
from shared.directory import Directory
from shared.errors import Invalid
from shared.periods import recurring
from shared.vietnamese import format_deadline

MAX_TITLE = 1000  # characters of a corrected title


@dataclass(frozen=True)
class CorrectionRequest:
    """What the leader asks to change; anything left out stays as it is."""

    reason: str
    title: str | None = None
    due: dict[str, datetime] = field(default_factory=dict)  # requirement id -> new deadline
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class Corrected:
    directive: Directive
    changes: list[Change]


def corrected(
    directive: Directive,
    request: CorrectionRequest,
    assigned: set[str],
    directory: Directory,
    now: datetime,
) -> Corrected:
    """``directive`` as ``request`` corrects it; ``assigned``: the units it assigns today.
    Invalid, with a problem per field, for what cannot be corrected so."""
    problems: dict[str, str] = {}
    title = _title(directive, request, problems)
    requirements = [_requirement(r, request, now, problems) for r in directive.requirements]
    unknown = sorted(set(request.due) - {r.id for r in directive.requirements})
    if unknown:
        problems["requirements"] = f"Văn bản không có yêu cầu báo cáo {', '.join(unknown)}."
    addressees, excluded = _units(directive, request, assigned, directory, problems)
    if problems:
        raise Invalid(" ".join(problems.values()), problems=problems)
    changed = directive.model_copy(
        update={
            "title": title,
            "requirements": requirements,
            "addressees": addressees,
            "excluded": excluded,
        }
    )
    changes = _title_change(directive, title) + [
        _deadline_change(old, new)
        for old, new in zip(directive.requirements, requirements, strict=True)
        if old.due_before != new.due_before
    ]
    units = _units_change(request, directory)
    return Corrected(changed, changes + units)


def _title(directive: Directive, request: CorrectionRequest, problems: dict[str, str]) -> str:
    title = " ".join((request.title or "").split()) or directive.title
    if len(title) > MAX_TITLE:
        problems["title"] = f"Trích yếu dài quá {MAX_TITLE} ký tự; đề nghị viết ngắn lại."
    return title


def _requirement(
    r: ReportingRequirement, request: CorrectionRequest, now: datetime, problems: dict[str, str]
) -> ReportingRequirement:
    due = request.due.get(r.id)
    if due is None or due == r.due_before:
        return r
    where = f"due.{r.id}"
    if recurring(r):
        problems[where] = (
            f"Yêu cầu “{r.action}” là báo cáo định kỳ: hạn của từng kỳ không đính chính ở đây được."
        )
    elif due <= now:
        problems[where] = f"Hạn mới của yêu cầu “{r.action}” ({format_deadline(due)}) đã qua."
    return r.model_copy(update={"due_before": due})


def _units(
    directive: Directive,
    request: CorrectionRequest,
    assigned: set[str],
    directory: Directory,
    problems: dict[str, str],
) -> tuple[list[UnitSelector], list[str]]:
    """The addressees and the units taken off, after adding and removing."""
    unknown = [u for u in (*request.add, *request.remove) if u not in directory]
    if unknown:
        problems["add"] = f"Không có đơn vị mã {', '.join(unknown)} trong danh mục."
    both = sorted(set(request.add) & set(request.remove))
    if both:
        problems["remove"] = f"Đơn vị {', '.join(both)} vừa được thêm vừa bị bớt."
    not_assigned = sorted(set(request.remove) - assigned)
    if not_assigned:
        problems["remove"] = f"Đơn vị {', '.join(not_assigned)} không được giao văn bản này."
    already = sorted(set(request.add) & assigned)
    if already:
        problems["add"] = f"Đơn vị {', '.join(already)} đã được giao văn bản này."
    if request.add and directive.issuer_unit in request.add:
        problems["add"] = "Đơn vị ban hành không tự giao văn bản cho mình."
    addressees = list(directive.addressees)
    named = {s.unit for s in addressees}
    addressees += [UnitSelector(unit=u) for u in request.add if u not in named]
    excluded = [u for u in directive.excluded if u not in request.add]
    excluded += [u for u in request.remove if u not in excluded]
    return addressees, excluded


def _title_change(directive: Directive, title: str) -> list[Change]:
    if title == directive.title:
        return []
    return [Change(label="Trích yếu", before=directive.title, after=title)]


def _deadline_change(old: ReportingRequirement, new: ReportingRequirement) -> Change:
    return Change(
        label=f"Hạn báo cáo “{old.action}”"[:300],
        before=format_deadline(old.due_before),
        after=format_deadline(new.due_before),
    )


def _units_change(request: CorrectionRequest, directory: Directory) -> list[Change]:
    changes = []
    if request.add:
        names = ", ".join(directory.name(u) for u in request.add)
        changes.append(Change(label="Giao thêm cho đơn vị", after=names[:2000]))
    if request.remove:
        names = ", ".join(directory.name(u) for u in request.remove)
        changes.append(Change(label="Không giao cho đơn vị nữa", before=names[:2000]))
    return changes
