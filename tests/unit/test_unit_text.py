"""What a unit types is kept without control characters (shared/contracts/submissions.py
clean_text, at entry and when a stored report is read): one of them used to stop the
parent's .docx synthesis until the unit corrected its report."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from docx import Document

from shared.contracts import Submission
from shared.contracts.submissions import clean_text
from shared.forms import builtin, check

C0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r")
C1 = "".join(chr(c) for c in range(0x7F, 0xA0))  # DEL and C1


def test_control_characters_but_tab_and_newline_are_dropped():
    assert clean_text(f"Khó{C0} khăn{C1}\tvề\x00 kinh phí") == "Khó khăn\tvề kinh phí"
    assert clean_text("dòng một\r\ndòng hai\rdòng ba") == "dòng một\ndòng hai\ndòng ba"
    assert clean_text("\ud800Đề\ufffe xuất\uffff") == "Đề xuất"  # what XML cannot hold
    assert clean_text(unicodedata.normalize("NFD", "  Đề xuất  ")) == "Đề xuất"  # NFC, trimmed


def test_what_is_cleaned_goes_into_a_docx():
    Document().add_paragraph(clean_text(f"a{C0}{C1}\ud800\ufffeb"))  # raises if anything is left


def test_a_text_field_is_cleaned_before_its_length_is_counted():
    form = builtin()["sinh-hoat-chinh-tri"]
    checked = check(form, {"sessions": "1", "difficulties": "a" * 5000 + "\x00" * 10})
    assert checked.ok, checked.problems
    assert checked.values["difficulties"] == "a" * 5000


def test_a_report_stored_before_the_cleaning_is_read_clean():
    stamp = datetime(2024, 6, 20, tzinfo=UTC)
    stored = Submission.model_validate_json(
        Submission(
            directive_id="d",
            unit_id="u",
            requirement_id="r1",
            values={"difficulties": "ok", "forms": ["hoi-nghi"]},
            narrative="ok",
            version=1,
            received_at=stamp,
            first_received_at=stamp,
            due_before=None,
            on_time=True,
        )
        .model_dump_json()
        .replace('"ok"', '"o\\u0000k\\u001b"')
    )
    assert stored.values["difficulties"] == "ok" and stored.narrative == "ok"
    assert stored.values["forms"] == ["hoi-nghi"]
