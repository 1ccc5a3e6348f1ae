"""What a correction (đính chính) makes of a directive, as a pure function: a deadline
and a title changed and said in words, a unit taken off kept out of the group that names
it, a unit added named among the addressees, a unit put back after it was taken off;
what cannot be corrected refused beside its field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.issuer.domain.corrections import CorrectionRequest, corrected
from services.issuer.domain.planning import plan_issue
from shared.contracts import Directive, Unit
from shared.directory import Directory
from shared.errors import Invalid

NOW = datetime(2024, 6, 1, tzinfo=UTC)
DIRECTORY = Directory([
    Unit(id="du", name="Đảng ủy", kind="grassroots_committee"),
    Unit(id="cb-a", name="Chi bộ A", kind="chi_bo", parent="du"),
    Unit(id="cb-b", name="Chi bộ B", kind="chi_bo", parent="du"),
    Unit(id="du-khac", name="Đảng ủy khác", kind="grassroots_committee"),
])  # fmt: skip


def directive(**more) -> Directive:
    return Directive.model_validate({
        "kind": "KH", "ref": "5-KH/ĐU", "issued_on": "2024-05-20", "issuer_unit": "du",
        "issuer": "Đảng ủy", "title": "Triển khai",
        "addressees": [{"under": "du", "kinds": ["chi_bo"]}],
        "requirements": [{"id": "r1", "action": "báo cáo kết quả",
                          "due_before": "2024-07-10T00:00:00+07:00"}],
        **more,
    })  # fmt: skip


def correct(d: Directive, **asked) -> Directive:
    assigned = plan_issue(d, DIRECTORY).assigned_units
    return corrected(
        d, CorrectionRequest(reason="Sửa", **asked), assigned, DIRECTORY, NOW
    ).directive


def test_a_deadline_and_a_title_changed_are_said_before_and_after():
    later = datetime.fromisoformat("2024-07-20T00:00:00+07:00")
    done = corrected(
        directive(), CorrectionRequest(reason="Sửa", title=" Triển khai  lại ", due={"r1": later}),
        {"cb-a", "cb-b"}, DIRECTORY, NOW,
    )  # fmt: skip
    assert done.directive.title == "Triển khai lại"
    assert done.directive.requirements[0].due_before == later
    [title, deadline] = done.changes
    assert (title.label, title.before, title.after) == ("Trích yếu", "Triển khai", "Triển khai lại")
    assert deadline.label == "Hạn báo cáo “báo cáo kết quả”"
    assert deadline.before.startswith("trước ngày 10/07/2024")
    assert deadline.after == "trước ngày 20/07/2024 (Thứ Bảy)"


def test_a_unit_taken_off_stays_out_of_its_group_and_can_be_put_back():
    off = correct(directive(), remove=("cb-a",))
    assert off.addressees == directive().addressees  # "các chi bộ" as written
    assert off.excluded == ["cb-a"]
    assert plan_issue(off, DIRECTORY).assigned_units == {"cb-b"}
    back = correct(off, add=("cb-a",))
    assert back.excluded == []
    assert plan_issue(back, DIRECTORY).assigned_units == {"cb-a", "cb-b"}
    more = correct(directive(), add=("du-khac",))
    assert plan_issue(more, DIRECTORY).assigned_units == {"cb-a", "cb-b", "du-khac"}


@pytest.mark.parametrize(
    ("asked", "field", "words"),
    [
        ({"due": {"r9": NOW}}, "requirements", "không có yêu cầu báo cáo r9"),
        ({"due": {"r1": NOW}}, "due.r1", "đã qua"),
        ({"remove": ("du-khac",)}, "remove", "không được giao"),
        ({"add": ("cb-a",)}, "add", "đã được giao"),
        ({"add": ("khong-co",)}, "add", "Không có đơn vị mã khong-co"),
    ],
)
def test_what_cannot_be_corrected_is_refused_beside_its_field(asked, field, words):
    with pytest.raises(Invalid) as refused:
        correct(directive(), **asked)
    assert words in refused.value.problems[field]


def test_a_recurring_requirement_s_deadline_is_not_corrected_here():
    recurring = directive(requirements=[{
        "id": "r1", "action": "báo cáo quý", "recurrence": "quarterly",
        "due_before": "2024-07-10T00:00:00+07:00",
    }])  # fmt: skip
    with pytest.raises(Invalid) as refused:
        correct(recurring, due={"r1": datetime(2024, 7, 25, tzinfo=UTC)})
    assert "định kỳ" in refused.value.problems["due.r1"]
