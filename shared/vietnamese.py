"""How dates, deadlines, numbers and document kinds are written in Vietnamese documents."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from babel.numbers import format_decimal, format_percent

from shared.clock import VN_TZ

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

# Type codes of administrative documents and their names.
KIND_NAMES = {
    "KH": "Kế hoạch",
    "HD": "Hướng dẫn",
    "CV": "Công văn",
    "CT": "Chỉ thị",
    "NQ": "Nghị quyết",
    "KL": "Kết luận",
    "QĐ": "Quyết định",
    "TB": "Thông báo",
    "BC": "Báo cáo",
    "CTr": "Chương trình",
    "TTr": "Tờ trình",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
}


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def document_title(kind: str, ref: str) -> str:
    """('KH', '101-KH/ĐU') -> 'Kế hoạch số 101-KH/ĐU'."""
    return f"{kind_name(kind)} số {ref}"


def format_date(day: date) -> str:
    """19 June 2024 -> '19/06/2024'."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def format_date_long(day: date) -> str:
    """'ngày 19 tháng 6 năm 2024', the form of the place-and-date line."""
    return f"ngày {day.day} tháng {day.month} năm {day.year}"


def weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def format_deadline(due_before: datetime | None) -> str:
    """An exclusive deadline instant as a sentence fragment.

    Midnight 10/12/2024 -> 'trước ngày 10/12/2024 (Thứ Ba)';
    14:00 on 05/12/2017 -> 'trước 14 giờ 00, ngày 05/12/2017 (Thứ Ba)'.
    """
    if due_before is None:
        return "không ghi thời hạn"
    local = due_before.astimezone(VN_TZ)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"trước ngày {format_date(local.date())} ({weekday(local.date())})"
    return (
        f"trước {local.hour} giờ {local.minute:02d}, ngày {format_date(local.date())} "
        f"({weekday(local.date())})"
    )


def last_day(due_before: datetime) -> date:
    """The last whole day on which a report is on time (the day before a midnight deadline)."""
    local = due_before.astimezone(VN_TZ)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).date()
    return local.date()


def format_instant(instant: datetime) -> str:
    local = instant.astimezone(VN_TZ)
    return f"{local.hour:02d} giờ {local.minute:02d}, ngày {format_date(local.date())}"


def format_number(value: float) -> str:
    """1234 -> '1.234'; 95.5 -> '95,5'."""
    if float(value).is_integer():
        return format_decimal(int(value), locale="vi")
    return format_decimal(value, format="#,##0.##", locale="vi")


def format_rate(part: float, whole: float) -> str:
    """(191, 200) -> '95,5%'; nothing to divide by -> '—'."""
    if not whole:
        return "—"
    return format_percent(part / whole, format="#,##0.#%", locale="vi")


_DAY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def parse_day(text: str) -> date:
    """A day as a clerk writes it, 10/12/2024 (or 10-12-2024, 10.12.2024), or as ISO
    2024-12-10 (a browser's date input); ValueError, in Vietnamese, for anything else.
    The command line, the unit's page and the staff's forms all read days with it."""
    found = _DAY.match(text)
    try:
        if found:
            d, m, y = (int(g) for g in found.groups())
            return date(y, m, d)
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise ValueError(f"“{text}” không phải một ngày: viết ngày/tháng/năm, ví dụ 10/12/2024")
