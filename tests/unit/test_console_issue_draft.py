"""The draft's pure rules: where the reading came from in the text, and what a
correction form makes of the directive."""

from __future__ import annotations

from datetime import date

from services.issuer.console.highlight import highlighted
from services.issuer.domain.draft import corrected, due_day, field_name
from shared.contracts import ParsedDeadline, ParsedDocument, ParsedRecipient, Unit
from shared.directory import Directory

TEXT = """Số 12 -KH/ĐU
Hà Nội, ngày 05 tháng 3 năm 2024
Nơi nhận:
- Chi bộ A;
các chi bộ báo cáo **trước ngày 10/4/2024** theo quy định."""


def test_each_part_of_the_reading_is_marked_once_where_it_was_written():
    document = ParsedDocument(
        ref="12-KH/ĐU",
        issued_on=date(2024, 3, 5),
        recipients=[ParsedRecipient(text="Chi bộ A")],
        deadlines=[
            ParsedDeadline(
                text="các chi bộ báo cáo trước ngày 10/4/2024",
                action=None, to=None, due_before=None, recurrence=None,
            )
        ],
    )  # fmt: skip
    marked = {p.kind: p.text for p in highlighted(document, TEXT) if p.kind}
    assert marked == {
        "number": "12 -KH/ĐU",
        "date": "ngày 05 tháng 3 năm 2024",
        "recipient": "Chi bộ A",
        "deadline": "các chi bộ báo cáo **trước ngày 10/4/2024",
    }
    assert "".join(p.text for p in highlighted(document, TEXT)) == TEXT  # nothing lost


def test_a_correction_form_changes_only_what_it_names():
    directory = Directory([
        Unit(id="du", name="Đảng ủy", kind="grassroots_committee"),
        Unit(id="cb-a", name="Chi bộ A", kind="chi_bo", parent="du"),
        Unit(id="cb-b", name="Chi bộ B", kind="chi_bo", parent="du"),
    ])  # fmt: skip
    directive = {
        "issuer_unit": "du",
        "ref": "12-KH/ĐU",
        "recipients": [{"text": "Chi bộ A", "role": "action", "units": [{"unit": "cb-a"}]}],
        "requirements": [{"id": "r1", "action": "báo cáo", "due_before": None}],
    }
    form = {"requirement-0-due": "2024-04-20", "add": "cb-b", "remove": "recipient-0"}
    done = corrected(directive, form, directory)
    assert done["ref"] == "12-KH/ĐU"
    assert done["recipients"] == [
        {"text": "Chi bộ B", "role": "action", "units": [{"unit": "cb-b"}]}
    ]
    assert due_day(done["requirements"][0]["due_before"]) == "2024-04-20"
    typed = corrected(directive, {"requirement-0-due": "20/04/2024"}, directory)
    assert typed["requirements"][0]["due_before"] == "20/04/2024"  # kept, refused at issue
    assert field_name(("requirements", 0, "due_before")) == "requirement-0-due"


def test_a_deadline_with_an_hour_keeps_it_until_its_day_is_changed():
    """ "trước 16 giờ 00 ngày 30/3/2026": the date picker shows the day; saving the form
    with that day must not move the deadline to midnight, sixteen hours earlier."""
    directory = Directory([Unit(id="du", name="Đảng ủy", kind="grassroots_committee")])
    at_four = "2026-03-30T16:00:00+07:00"
    directive = {"requirements": [{"id": "r1", "action": "báo cáo", "due_before": at_four}]}
    kept = corrected(directive, {"requirement-0-due": "2026-03-30"}, directory)
    assert kept["requirements"][0]["due_before"] == at_four
    moved = corrected(directive, {"requirement-0-due": "2026-04-02"}, directory)
    assert moved["requirements"][0]["due_before"] == "2026-04-02T00:00:00+07:00"


def test_emphasis_characters_in_a_name_are_left_to_the_gaps_between_words():
    """A name written with "*" or "_" (markdown emphasis, what the gaps between letters
    skip) is looked for by its letters only: a literal "*" the gap's class also matches
    would let a hostile run of them backtrack for ever."""
    from services.issuer.console.highlight import _find, _pattern

    hostile = _pattern("*_" * 100 + "y")
    assert hostile is not None and hostile.pattern == "y"
    assert _find("**Chi bộ** Văn phòng", "Chi *bộ* Văn_phòng") == (2, 20)
