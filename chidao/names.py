"""What a clerk types on the command line, turned into what the APIs take: a directive
by its number-symbol ("101-KH/ĐU") or id, a unit by its name or id, a day as dd/mm/yyyy.
The issuer finds them (``/api/lookup/...``) among what the signed-in account may see, and
says in Vietnamese what fits several or nothing, with the nearest names."""

from __future__ import annotations

from functools import cache

from chidao.client import ApiError, call, service_url
from shared.vietnamese import parse_day


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


# A day as a clerk writes it: the services read days the same way.
day = parse_day

__all__ = ["ApiError", "day", "directive", "directive_id", "unit", "unit_id"]
