"""A report form says how its synthesis counts days late (``days_late``): calendar days,
as every form did before and still does unless it says otherwise, or working days."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.contracts import DirectiveIssued
from shared.forms import DEFAULT_FORM, PLAN_FORM, Form, FormError, builtin, read_forms

FIXTURES = Path(__file__).parents[1] / "fixtures" / "forms"
FORM = """\
id: bao-cao-ngay-lam-viec
title: Báo cáo tính theo ngày làm việc
days_late: {days_late}
fields:
  - {{name: sessions, label: Số buổi, type: integer, unit: buổi, min: 0}}
"""


def _form(tmp_path: Path, days_late: str) -> Path:
    path = tmp_path / "form.yaml"
    path.write_text(FORM.format(days_late=days_late), encoding="utf-8")
    return path


def test_a_form_may_count_days_late_in_working_days(tmp_path):
    [form] = read_forms(_form(tmp_path, "working"))
    assert form.days_late == "working" and form.counts_working_days
    # it travels in directive.issued with it, and reads back the same
    assert Form.model_validate_json(form.model_dump_json()) == form
    assert '"days_late":"working"' in form.model_dump_json()


def test_every_existing_form_counts_calendar_days_and_is_written_as_before(tmp_path):
    forms = [*builtin().values(), *read_forms(FIXTURES / "every-type.yaml")]
    assert {DEFAULT_FORM, PLAN_FORM} <= {f.id for f in forms}
    for form in forms:
        assert form.days_late == "calendar" and not form.counts_working_days
        # a service that does not know the field yet reads the form as before
        assert "days_late" not in form.model_dump(mode="json")
    [explicit] = read_forms(_form(tmp_path, "calendar"))
    assert "days_late" not in explicit.model_dump_json()


def test_another_way_of_counting_is_refused_naming_the_field(tmp_path):
    with pytest.raises(FormError, match=r"form bao-cao-ngay-lam-viec in form.yaml.*days_late"):
        read_forms(_form(tmp_path, "business"))


def test_the_schema_describes_the_field():
    schema = DirectiveIssued.model_json_schema()["$defs"]["Form"]["properties"]["days_late"]
    assert schema["enum"] == ["calendar", "working"] and schema["default"] == "calendar"
    assert "working days" in schema["description"]
