"""Values as people read them, in Vietnamese: 1.234 buổi; 95,5%; 05/12/2024; the labels
of the choices made; a file's name."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.forms.model import FieldType, FormField
from shared.vietnamese import format_date, format_number


def display(field: FormField, value: Any, with_unit: bool = True) -> str:
    if value is None or value == "" or value == []:
        return ""
    t = field.type
    if t is FieldType.PERCENTAGE:
        return f"{format_number(round(float(value), 1))}%"
    if t in (FieldType.INTEGER, FieldType.DECIMAL):
        text = format_number(value)
        return f"{text} {field.unit}" if with_unit and field.unit else text
    if t is FieldType.CHOICE:
        return field.choice_label(value)
    if t is FieldType.MULTIPLE_CHOICE:
        return "; ".join(field.choice_label(v) for v in value)
    if t is FieldType.DATE:
        return format_date(date.fromisoformat(value))
    if t is FieldType.ATTACHMENT:
        return value.filename if hasattr(value, "filename") else str(value.get("filename"))
    return str(value)


def input_text(field: FormField, value: Any) -> str:
    """What a form input shows for a value already given (numbers the Vietnamese way)."""
    if value is None or field.type in (FieldType.ATTACHMENT, FieldType.MULTIPLE_CHOICE):
        return ""
    if field.type in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.PERCENTAGE):
        return format_number(value) if isinstance(value, int | float) else str(value)
    return str(value)
