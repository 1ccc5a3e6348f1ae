"""Report forms: every field type read the way a clerk writes it, and every mistake
told in Vietnamese next to the field it is about."""

from __future__ import annotations

import base64
import unicodedata
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.forms import DEFAULT_FORM, FormError, Upload, builtin, check, computed, read_forms

FORM = read_forms(Path(__file__).parents[1] / "fixtures" / "forms" / "every-type.yaml")[0]
PDF = {"filename": "Báo cáo.pdf", "data": base64.b64encode(b"%PDF-1.4 x").decode()}
GOOD = {
    "so_nguyen": "12",
    "so_thuc": "1.234,5",
    "phan_tram": "95,5%",
    "mot_lua_chon": "tot",
    "nhieu_lua_chon": ["hoi-nghi", "truc-tuyen", "hoi-nghi"],
    "van_ban": "  Tốt  ",
    "ngay": "05/12/2024",
    "tep": PDF,
}


def test_every_type_is_read_the_vietnamese_way():
    checked = check(FORM, GOOD)
    assert checked.problems == {}
    assert checked.values == {
        "so_nguyen": 12,
        "so_thuc": 1234.5,
        "phan_tram": 95.5,
        "mot_lua_chon": "tot",
        "nhieu_lua_chon": ["hoi-nghi", "truc-tuyen"],
        "van_ban": "Tốt",
        "ngay": "2024-12-05",
    }
    assert checked.uploads["tep"] == Upload("Báo cáo.pdf", "application/pdf", b"%PDF-1.4 x")


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("so_nguyen", 12, 12),
        ("so_nguyen", "0", 0),
        ("so_thuc", "1.234", 1234.0),  # the thousands separator, not a decimal point
        ("so_thuc", "1 234", 1234.0),
        ("so_thuc", "12,5", 12.5),
        ("so_thuc", "12.5", 12.5),
        ("so_thuc", 3, 3.0),
        ("phan_tram", 95.5, 95.5),
    ],
)
def test_numbers_as_people_write_them(field, raw, expected):
    checked = check(FORM, {**GOOD, field: raw})
    assert checked.problems == {} and checked.values[field] == expected


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("so_nguyen", "mười", "Số buổi: phải là số nguyên, ví dụ 12."),
        ("so_nguyen", "2,5", "Số buổi: phải là số nguyên, không có phần lẻ."),
        ("so_nguyen", "-1", "Số buổi: không được nhỏ hơn 0."),
        ("so_nguyen", "101", "Số buổi: không được lớn hơn 100."),
        ("so_nguyen", "", "Số buổi: chưa nhập (mục bắt buộc)."),
        ("so_thuc", "nhiều", "Kinh phí: phải là một số, ví dụ 12,5."),
        ("so_thuc", float("nan"), "Kinh phí: phải là một số, ví dụ 12,5."),
        ("phan_tram", "120", "Tỷ lệ hoàn thành: tỷ lệ phải từ 0 đến 100%."),
        ("mot_lua_chon", "trung-binh", "Mức độ hoàn thành: “trung-binh” không có trong"),
        ("mot_lua_chon", ["tot", "kha"], "Mức độ hoàn thành: chỉ chọn một."),
        ("nhieu_lua_chon", ["hoi-nghi", "bao"], "Hình thức: “bao” không có trong"),
        ("van_ban", "x" * 21, "Ý kiến: dài quá 20 ký tự."),
        ("van_ban", 5, "Ý kiến: phải là văn bản."),
        ("ngay", "31/02/2024", "Ngày tổ chức: phải là một ngày dạng ngày/tháng/năm"),
        ("ngay", "hôm qua", "Ngày tổ chức: phải là một ngày dạng ngày/tháng/năm"),
        ("tep", {"filename": "virus.exe", "data": "eA=="}, "Báo cáo có chữ ký: chỉ nhận tệp"),
        ("tep", {"filename": "a.pdf", "data": "***"}, "Báo cáo có chữ ký: nội dung tệp"),
        ("tep", {**PDF, "data": base64.b64encode(b"x" * 1001).decode()},
         "Báo cáo có chữ ký: tệp lớn quá giới hạn"),
        ("tep", "a.pdf", "Báo cáo có chữ ký: cần gửi một tệp"),
    ],
)  # fmt: skip
def test_a_wrong_value_is_refused_with_a_message_naming_its_field(field, raw, message):
    checked = check(FORM, {**GOOD, field: raw})
    assert list(checked.problems) == [field]
    assert checked.problems[field].startswith(message)
    assert unicodedata.is_normalized("NFC", checked.problems[field])
    assert field not in checked.values and field not in checked.uploads


def test_a_field_the_form_does_not_have_is_refused_by_name():
    problems = check(FORM, {**GOOD, "figures": 1}).problems
    assert problems == {
        "figures": "Biểu mẫu “Biểu mẫu thử mọi kiểu trường” không có mục “figures”."
    }


def test_the_rate_is_computed_never_typed():
    form = builtin()[DEFAULT_FORM]
    typed = check(form, {"sessions": 1, "attendance_rate": 90}).problems
    assert typed == {"attendance_rate": "Tỷ lệ đảng viên tham gia: được tính tự động, không nhập."}
    values = check(form, {"sessions": 1, "members_attending": 18, "members_total": 19}).values
    assert computed(form, values) == {"attendance_rate": pytest.approx(100 * 18 / 19)}
    assert computed(form, {"members_attending": 3, "members_total": 0}) == {}


def test_attending_cannot_exceed_the_total_of_party_members():
    problems = check(
        builtin()[DEFAULT_FORM], {"sessions": 1, "members_attending": 20, "members_total": 19}
    ).problems
    assert problems == {
        "members_attending": (
            "Số đảng viên tham gia: không được lớn hơn Tổng số đảng viên của đơn vị (19)."
        )
    }


def test_the_default_form_has_what_the_campaigns_report():
    form = builtin()[DEFAULT_FORM]
    assert [f.name for f in form.fields] == [
        "sessions", "participants", "members_attending", "members_total", "attendance_rate",
        "forms", "materials", "articles", "difficulties", "proposals", "report_file",
    ]  # fmt: skip
    assert {c.label for c in form.field("forms").choices} >= {
        "Hội nghị", "Sinh hoạt chi bộ", "Trực tuyến", "Bản tin, tài liệu nội bộ",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("id: x\ntitle: T\nfields: []", "fields"),
        ("id: x\ntitle: T\nfields:\n  - {name: a, label: A, type: choice}", "lists no choices"),
        ("id: x\ntitle: T\nfields:\n  - {name: a, label: A, type: integer, ratio_of: [a, a]}",
         "must be a percentage ratio"),
        ("id: x\ntitle: T\nfields:\n  - {name: a, label: A, type: text, aggregation: sum}",
         "cannot add up as sum"),
        ("id: x\ntitle: T\nfields:\n  - {name: a, label: A, type: integer, at_most: b}",
         "refers to 'b'"),
        ("- not a form", "holds no form"),
    ],
)  # fmt: skip
def test_a_broken_form_file_is_refused_in_plain_words(tmp_path, text, words):
    path = tmp_path / "form.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormError, match=words):
        read_forms(path)


def test_the_form_model_refuses_a_field_named_twice():
    with pytest.raises(ValidationError, match="twice"):
        type(FORM).model_validate(
            {**FORM.model_dump(), "fields": [FORM.fields[0].model_dump()] * 2}
        )
