"""Reading what a unit typed (HTML form strings) or sent (JSON) into typed values, with a
message in Vietnamese naming the field for everything that is not right.

Numbers are read the Vietnamese way as well as the JSON way: "1.234" is one thousand two
hundred and thirty-four, "12,5" is twelve and a half, "95,5%" a percentage. Dates are
"05/12/2024" or "2024-12-05". Stored values are plain JSON: int, float, str (dates as
ISO), a list of choice values, or an attachment reference."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from shared.contracts.submissions import MAX_FILENAME, clean_text
from shared.forms.model import FieldType, Form, FormField
from shared.vietnamese import format_number

# What a unit may attach as its signed report: documents and scans, nothing executable.
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


@dataclass(frozen=True)
class Upload:
    """A file as received, before the reporter stores it."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Checked:
    values: dict[str, Any] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Invalid(ValueError):
    pass


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def parse_number(raw: Any) -> float:
    """12 / 12.5 (JSON) / "12" / "12,5" / "1.234" / "1.234,5" / "1 234" / "95,5%"."""
    if isinstance(raw, bool):
        raise _Invalid
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        text = raw.strip().removesuffix("%").strip().replace("\u00a0", "").replace(" ", "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        elif _THOUSANDS.match(text):
            text = text.replace(".", "")
        try:
            value = float(text)
        except ValueError as exc:
            raise _Invalid from exc
    else:
        raise _Invalid
    if not math.isfinite(value):
        raise _Invalid
    return value


def parse_date(raw: Any) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if not isinstance(raw, str):
        raise _Invalid
    text = raw.strip()
    try:
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            return date.fromisoformat(text)
        match = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$", text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError as exc:
        raise _Invalid from exc
    raise _Invalid


def _number_text(value: float) -> str:
    return format_number(value)


def _bounded(f: FormField, value: float) -> str | None:
    if f.min is not None and value < f.min:
        return f"{f.label}: không được nhỏ hơn {_number_text(f.min)}."
    if f.max is not None and value > f.max:
        return f"{f.label}: không được lớn hơn {_number_text(f.max)}."
    return None


def _upload(f: FormField, raw: Any) -> Upload:
    if isinstance(raw, Upload):
        upload = raw
    elif isinstance(raw, Mapping) and {"filename", "data"} <= set(raw):
        try:
            data = base64.b64decode(str(raw["data"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _Invalid(f"{f.label}: nội dung tệp không phải base64.") from exc
        upload = Upload(str(raw["filename"]), str(raw.get("content_type") or ""), data)
    else:
        raise _Invalid(f"{f.label}: cần gửi một tệp (tên tệp và nội dung).")
    suffix = PurePath(upload.filename).suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        raise _Invalid(f"{f.label}: chỉ nhận tệp PDF, Word (.doc, .docx), .odt hoặc ảnh JPG, PNG.")
    if not upload.data:
        raise _Invalid(f"{f.label}: tệp rỗng.")
    if len(upload.data) > f.max_bytes:
        limit = format_number(round(f.max_bytes / 1024 / 1024, 1))
        raise _Invalid(f"{f.label}: tệp lớn quá giới hạn {limit} MB.")
    name = clean_text(PurePath(upload.filename.replace("\\", "/")).name)
    if len(name) > MAX_FILENAME:
        raise _Invalid(
            f"{f.label}: tên tệp dài quá {MAX_FILENAME} ký tự; đề nghị đặt tên ngắn hơn."
        )
    return Upload(name, ATTACHMENT_TYPES[suffix], upload.data)


def _shown(value: Any) -> str:
    """What was sent, as a message quotes it: cleaned and cut short."""
    text = clean_text(str(value))
    return text if len(text) <= 60 else text[:59] + "…"


def _one(f: FormField, raw: Any) -> Any:
    """The typed value of one filled-in field; raises _Invalid with the message."""
    t = f.type
    if t in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.PERCENTAGE):
        try:
            value = parse_number(raw)
        except _Invalid as exc:
            example = {"integer": "12", "decimal": "12,5", "percentage": "95,5"}[t]
            kind = "số nguyên" if t is FieldType.INTEGER else "một số"
            raise _Invalid(f"{f.label}: phải là {kind}, ví dụ {example}.") from exc
        if t is FieldType.INTEGER:
            if not value.is_integer():
                raise _Invalid(f"{f.label}: phải là số nguyên, không có phần lẻ.")
            value = int(value)
        if t is FieldType.PERCENTAGE and not 0 <= value <= 100:
            raise _Invalid(f"{f.label}: tỷ lệ phải từ 0 đến 100%.")
        problem = _bounded(f, value)
        if problem:
            raise _Invalid(problem)
        return value
    if t is FieldType.CHOICE or t is FieldType.MULTIPLE_CHOICE:
        chosen = raw if isinstance(raw, list) else [raw]
        if t is FieldType.CHOICE and len(chosen) != 1:
            raise _Invalid(f"{f.label}: chỉ chọn một.")
        known = {c.value for c in f.choices}
        for value in chosen:
            if not isinstance(value, str) or value not in known:
                options = ", ".join(c.label for c in f.choices)
                shown = _shown(value)
                raise _Invalid(f"{f.label}: “{shown}” không có trong các lựa chọn ({options}).")
        unique = list(dict.fromkeys(chosen))
        return unique[0] if t is FieldType.CHOICE else unique
    if t is FieldType.TEXT:
        if not isinstance(raw, str):
            raise _Invalid(f"{f.label}: phải là văn bản.")
        text = clean_text(raw)  # no control character a .docx or a mail would choke on
        if len(text) > f.max_length:
            raise _Invalid(f"{f.label}: dài quá {format_number(f.max_length)} ký tự.")
        return text
    if t is FieldType.DATE:
        try:
            return parse_date(raw).isoformat()
        except _Invalid as exc:
            raise _Invalid(
                f"{f.label}: phải là một ngày dạng ngày/tháng/năm, ví dụ 05/12/2024."
            ) from exc
    return _upload(f, raw)


def check(form: Form, raw: Mapping[str, Any]) -> Checked:
    """Every field of the form against what was sent. Attachments come back as uploads
    for the caller to store; problems are keyed by field name."""
    result = Checked()
    for name in raw:
        f = form.field(name)
        if f is None:
            result.problems[name] = f"Biểu mẫu “{form.title}” không có mục “{name}”."
        elif f.computed and not _blank(raw[name]):
            result.problems[name] = f"{f.label}: được tính tự động, không nhập."
    for f in form.inputs:
        value = raw.get(f.name)
        if _blank(value):
            if f.required:
                result.problems[f.name] = f"{f.label}: chưa nhập (mục bắt buộc)."
            continue
        try:
            typed = _one(f, value)
        except _Invalid as exc:
            result.problems[f.name] = str(exc)
            continue
        if isinstance(typed, Upload):
            result.uploads[f.name] = typed
        else:
            result.values[f.name] = typed
    for f in form.inputs:
        if f.at_most and f.name in result.values and f.at_most in result.values:
            other = form.field(f.at_most)
            assert other is not None
            if result.values[f.name] > result.values[f.at_most]:
                result.problems[f.name] = (
                    f"{f.label}: không được lớn hơn {other.label} "
                    f"({_number_text(result.values[f.at_most])})."
                )
    return result


def computed(form: Form, values: Mapping[str, Any]) -> dict[str, float]:
    """The computed fields of one report, as percentages (absent when undefined)."""
    result = {}
    for f in form.fields:
        if f.ratio_of is None:
            continue
        numerator, denominator = (values.get(n) for n in f.ratio_of)
        if not (isinstance(numerator, int | float) and isinstance(denominator, int | float)):
            continue
        if denominator > 0:
            result[f.name] = 100.0 * numerator / denominator
    return result
