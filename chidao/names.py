"""What a clerk types on the command line, turned into what the APIs take: a directive
by its number-symbol ("101-KH/ĐU") or id, a unit by its name or id, a day as dd/mm/yyyy.
The issuer finds them (``/api/lookup/...``) among what the signed-in account may see, and
says in Vietnamese what fits several or nothing, with the nearest names."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from chidao.client import ApiError, call, service_url


@cache
def unit(text: str) -> dict:
    """The unit ``text`` names ({"id", "name", "parent"}); ApiError (in words) when none
    or several do."""
    return call("GET", f"{service_url('issuer')}/api/lookup/unit", params={"q": text}).json()


def unit_id(text: str) -> str:
    return str(unit(text)["id"])


@cache
def directive(text: str, issuer: str | None = None) -> dict:
    """The directive ``text`` names ({"id", "ref", "issuer_unit", "issuer", "title"}),
    among those of ``issuer`` (a unit's id or name) when given."""
    params = {"q": text, **({"issuer": issuer} if issuer else {})}
    return call("GET", f"{service_url('issuer')}/api/lookup/directive", params=params).json()


def directive_id(text: str, issuer: str | None = None) -> str:
    return str(directive(text, issuer)["id"])


_DAY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def day(text: str) -> date:
    """A day as a clerk writes it, 10/12/2024 (or 10-12-2024, 10.12.2024), or as ISO
    2024-12-10; ValueError, in Vietnamese, for anything else."""
    found = _DAY.match(text)
    try:
        if found:
            d, m, y = (int(g) for g in found.groups())
            return date(y, m, d)
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise ValueError(f"“{text}” không phải một ngày: viết ngày/tháng/năm, ví dụ 10/12/2024")


__all__ = ["ApiError", "day", "directive", "directive_id", "unit", "unit_id"]
