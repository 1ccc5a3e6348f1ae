"""`chidao forms list` tells a clerk what each field needs: required or not, its bounds,
its choices, and which are computed rather than typed."""

from __future__ import annotations

from typer.testing import CliRunner

from chidao.cli import app


def test_forms_list_shows_required_fields_bounds_choices_and_computed_ones():
    shown = CliRunner().invoke(app, ["forms", "list"])
    assert shown.exit_code == 0, shown.output
    lines = {line.split()[0]: line for line in shown.output.splitlines() if line.startswith("   ")}
    assert "bắt buộc; từ 0" in lines["sessions"]
    assert "không quá members_total" in lines["members_attending"]
    assert "tự tính = members_attending / members_total, không nhập" in lines["attendance_rate"]
    assert "chọn: hoi-nghi (Hội nghị)" in lines["forms"]
    assert "—" not in lines["difficulties"]  # a free text: nothing to say
