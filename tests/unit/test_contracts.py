"""shared/contracts: versioned, strict, NFC-normalised models the services exchange."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime

import pytest
from pydantic import ValidationError

from shared.contracts import (
    Assignment,
    AssignmentCreated,
    Directive,
    DirectiveIssued,
    Notice,
    Recipient,
    ReportingRequirement,
    ReportReviewed,
    ReportSubmitted,
    Review,
    Submission,
    SynthesisApproved,
    SynthesisUpdated,
    Totals,
    Unit,
    UnitSelector,
)

AT = datetime.fromisoformat("2024-06-19T08:00:00+07:00")
DUE = datetime.fromisoformat("2024-12-10T00:00:00+07:00")
ISSUER = "du-so-noi-vu-hy"
CHI_BO = UnitSelector(under=ISSUER, kinds=["chi_bo"])


def nfd(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text
    return decomposed


def requirement(rid: str = "r1", **kw) -> ReportingRequirement:
    return ReportingRequirement(id=rid, action="báo cáo kết quả thực hiện", due_before=DUE, **kw)


def directive(**kw) -> Directive:
    fields = {
        "kind": "KH",
        "ref": "101-KH/ĐU",
        "issued_on": date(2024, 6, 19),
        "issuer_unit": ISSUER,
        "issuer": "Đảng ủy Sở Nội vụ",
        "title": "Triển khai đợt sinh hoạt chính trị",
        "requirements": [requirement()],
    }
    return Directive(**(fields | kw))


def submission() -> Submission:
    return Submission(
        directive_id="101-kh-du--du-so-noi-vu-hy",
        unit_id="cb-snv-van-phong",
        requirement_id="r1",
        values={
            "sessions": 3,
            "forms": ["hoi-nghi", "truc-tuyen"],
            "difficulties": "Thiếu phòng họp.",
            "report_file": {
                "filename": "Báo cáo.pdf",
                "object_name": "abc.pdf",
                "content_type": "application/pdf",
                "size": 10,
            },
        },
        narrative="Hoàn thành đúng tiến độ.",
        version=1,
        received_at=AT,
        first_received_at=AT,
        due_before=DUE,
        on_time=True,
    )


def all_events():
    d = directive(
        recipients=[Recipient(text="Các chi bộ trực thuộc", role="action", units=[CHI_BO])]
    )
    assignment = Assignment(
        directive_id=d.id,
        directive_kind=d.kind,
        directive_ref=d.ref,
        directive_title=d.title,
        directive_issued_on=d.issued_on,
        issuer_unit=d.issuer_unit,
        issuer=d.issuer,
        unit_id="cb-snv-van-phong",
        requirement=d.requirements[0],
        assigned_at=AT,
    )
    common = {"event_id": "evt-1", "occurred_at": AT}
    return [
        DirectiveIssued(
            **common,
            directive_id=d.id,
            directive=d,
            assignment_count=9,
            notices=[Notice(unit_id="duk-cqdn-hung-yen", role="report")],
        ),
        AssignmentCreated(**common, assignment=assignment),
        ReportSubmitted(**common, submission=submission()),
        SynthesisUpdated(
            **common,
            directive_id=d.id,
            requirement_id="r1",
            unit_id=ISSUER,
            version=3,
            totals=Totals(
                expected=9,
                submitted=7,
                on_time=6,
                late=1,
                sums={"x": 1.5},
                choices={"forms": {"hoi-nghi": 2}},
                ratio_parts={"rate": (18, 19)},
            ),
        ),
        ReportReviewed(
            **common,
            review=Review(
                directive_id=d.id,
                unit_id="cb-snv-van-phong",
                requirement_id="r1",
                version=1,
                decision="returned",
                reason="Thiếu số liệu đảng viên.",
                reviewed_at=AT,
            ),
        ),
        SynthesisApproved(
            **common,
            directive_id=d.id,
            requirement_id="r1",
            unit_id=ISSUER,
            target_directive_id="153-kh-duk--duk-cqdn-hung-yen",
            target_requirement_id="report",
            values={"sessions": 13, "forms": ["hoi-nghi"]},
            approved_at=AT,
        ),
    ]


@pytest.mark.parametrize("event", all_events(), ids=lambda e: type(e).__name__)
def test_event_serialises_with_schema_1_and_round_trips(event):
    text = event.model_dump_json()
    assert json.loads(text)["schema"] == 1
    assert type(event).model_validate_json(text) == event


@pytest.mark.parametrize("event", all_events(), ids=lambda e: type(e).__name__)
def test_event_with_another_schema_number_is_refused(event):
    data = json.loads(event.model_dump_json())
    data["schema"] = 2
    with pytest.raises(ValidationError):
        type(event).model_validate(data)


@pytest.mark.parametrize("event", all_events(), ids=lambda e: type(e).__name__)
def test_event_with_unknown_field_is_refused(event):
    data = json.loads(event.model_dump_json())
    data["priority"] = "high"
    with pytest.raises(ValidationError, match="priority"):
        type(event).model_validate(data)


def test_unknown_field_in_a_nested_model_is_refused():
    data = directive().model_dump()
    data["requirements"][0]["owner"] = "x"
    with pytest.raises(ValidationError, match="owner"):
        Directive.model_validate(data)


def test_contracts_are_frozen():
    with pytest.raises(ValidationError):
        directive().ref = "102-KH/ĐU"


@pytest.mark.parametrize(
    "fields",
    [{}, {"unit": "a", "under": "b"}, {"unit": "a", "kinds": ["chi_bo"]}],
    ids=["neither", "both", "kinds-with-unit"],
)
def test_unit_selector_names_exactly_one_target(fields):
    with pytest.raises(ValidationError):
        UnitSelector(**fields)


def test_unit_selector_valid_forms():
    assert UnitSelector(unit="a").unit == "a"
    group = UnitSelector(under="a", kinds=["chi_bo"], depth="subtree")
    assert (group.under, group.kinds, group.depth) == ("a", ["chi_bo"], "subtree")


@pytest.mark.parametrize(
    "fields",
    [{"under": "a", "depth": "everything"}, {"under": "a", "kinds": ["chibo"]}, {"unit": "Đảng"}],
)
def test_unit_selector_refuses_bad_values(fields):
    with pytest.raises(ValidationError):
        UnitSelector(**fields)


@pytest.mark.parametrize("action", [["ban hành kế hoạch"], {"text": "x"}, 7, None])
def test_a_requirement_whose_action_is_no_text_is_refused_as_invalid(action):
    # The wording is read for "ban hành kế hoạch" before the fields are validated; an
    # action of another shape must reach that validation (a 422), not break the reading.
    with pytest.raises(ValidationError, match="action"):
        ReportingRequirement.model_validate({"id": "r1", "action": action})


def test_duplicate_requirement_ids_are_refused():
    with pytest.raises(ValidationError, match="unique"):
        directive(requirements=[requirement("r1"), requirement("r1")])


def test_text_fields_are_nfc_normalised():
    d = directive(
        ref=nfd("101-KH/ĐU Hưng Yên"),
        title=nfd("  Triển khai đợt sinh hoạt  "),
        recipients=[Recipient(text=nfd("Lãnh đạo Sở"), role="info", units=[])],
    )
    assert d.ref == "101-KH/ĐU Hưng Yên"
    assert d.title == "Triển khai đợt sinh hoạt"
    assert d.recipients[0].text == "Lãnh đạo Sở"
    unit = Unit(id="u1", name=nfd("Chi bộ Văn phòng"), kind="chi_bo", aliases=[nfd("Văn phòng")])
    assert (unit.name, unit.aliases) == ("Chi bộ Văn phòng", ["Văn phòng"])


def test_nfd_and_nfc_directives_are_equal():
    assert directive(title=nfd("Kế hoạch")) == directive(title="Kế hoạch")


def test_stored_values_keep_their_types():
    values = submission().values
    assert values["sessions"] == 3 and isinstance(values["sessions"], int)
    assert values["forms"] == ["hoi-nghi", "truc-tuyen"]
    assert values["report_file"].filename == "Báo cáo.pdf"


def test_a_stored_value_of_another_shape_is_refused():
    data = submission().model_dump()
    data["values"]["sessions"] = {"nested": True}
    with pytest.raises(ValidationError, match="sessions"):
        Submission.model_validate(data)


def test_totals_addition_sums_counts_choices_and_ratio_parts():
    a = Totals(expected=5, submitted=3, on_time=2, late=1, days_late=2, sums={"x": 1.5, "y": 2},
               choices={"forms": {"a": 1}}, ratio_parts={"rate": (18, 20)})  # fmt: skip
    b = Totals(expected=4, submitted=4, on_time=4, late=0, accepted=2, sums={"y": 3, "z": 7},
               choices={"forms": {"a": 2, "b": 1}}, ratio_parts={"rate": (9, 10)})  # fmt: skip
    total = a + b
    assert (total.expected, total.submitted, total.on_time, total.late) == (9, 7, 6, 1)
    assert (total.accepted, total.days_late) == (2, 2)
    assert total.sums == {"x": 1.5, "y": 5.0, "z": 7.0}
    assert total.choices == {"forms": {"a": 3, "b": 1}}
    assert total.ratio("rate") == pytest.approx(100 * 27 / 30)  # weighted, not 90+90/2
    assert total.missing == 2
    # The operands are untouched.
    assert a.sums == {"x": 1.5, "y": 2.0} and a.choices == {"forms": {"a": 1}}


def test_totals_missing_is_expected_minus_submitted():
    assert Totals(expected=9, submitted=7).missing == 2
    assert Totals().missing == 0


def test_action_selectors_are_addressees_plus_action_recipients_only():
    head = UnitSelector(unit="lanh-dao-snv-hy")
    d = directive(
        addressees=[head],
        recipients=[
            Recipient(text="Đảng ủy Khối", role="report", units=[UnitSelector(unit="duk")]),
            Recipient(text="Các chi bộ trực thuộc", role="action", units=[CHI_BO]),
            Recipient(text="Như trên", role="same_as_above", units=[UnitSelector(unit="x")]),
            Recipient(text="Lưu", role="info", units=[UnitSelector(unit="y")]),
        ],
    )
    assert d.action_selectors() == [head, CHI_BO]


def test_directive_id_is_deterministic():
    assert directive().id == "101-kh-du--du-so-noi-vu-hy"
    assert directive(title="Another title").id == directive().id
    assert directive(ref="102-KH/ĐU").id == "102-kh-du--du-so-noi-vu-hy"


def test_directive_id_is_not_serialised():
    assert "id" not in json.loads(directive().model_dump_json())


def test_directive_id_follows_ref_after_model_copy():
    original = directive()
    assert original.id == "101-kh-du--du-so-noi-vu-hy"
    copy = original.model_copy(update={"ref": "102-KH/ĐU"})
    assert copy.id == "102-kh-du--du-so-noi-vu-hy"
