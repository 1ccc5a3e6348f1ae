"""Finding a directive or a unit by what a clerk types: "101-KH/ĐU" rather than the id
``101-kh-du--du-so-noi-vu-hy``, "Văn phòng Sở" rather than ``cb-snv-van-phong``. A name
that fits one thing gives it; one that fits several lists them; a typo gets the nearest
names as suggestions. Every answer is in Vietnamese: the command line shows it as is."""

from __future__ import annotations

import difflib

from services.issuer.domain.records import DirectiveRecord
from shared.directory import Directory, Unit
from shared.errors import Conflict, NotFound
from shared.slugs import fold

SHOWN = 5  # how many candidates or suggestions an answer lists


def _key(text: str) -> str:
    """A number-symbol or a name as compared: folded, without spaces or punctuation
    ("101-KH/ĐU", "101 kh/đu" and "101-kh-du" are the same)."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


def find_unit(directory: Directory, text: str) -> Unit:
    """The unit ``text`` names: its id, its name or another name, or the one unit whose
    name holds every word of it."""
    text = text.strip()
    if (unit := directory.get(text)) is not None:
        return unit
    wanted = _key(text)
    exact = [u for u in directory if wanted in {_key(n) for n in (u.name, *u.aliases)}]
    if len(exact) == 1:
        return exact[0]
    words = fold(text).split()
    found = exact or [
        u
        for u in directory
        if words and all(w in fold(" ".join((u.name, u.id, *u.aliases))) for w in words)
    ]
    if len(found) == 1:
        return found[0]
    if found:
        listed = "; ".join(f"{u.name} ({u.id})" for u in found[:SHOWN])
        more = f" và {len(found) - SHOWN} đơn vị khác" if len(found) > SHOWN else ""
        raise Conflict(
            f"“{text}” hợp với {len(found)} đơn vị: {listed}{more}. Ghi rõ tên hoặc mã đơn vị.",
            candidates=[u.id for u in found[:SHOWN]],
        )
    raise NotFound(
        _nothing(f"Không có đơn vị nào tên hoặc mã “{text}”", _near_units(directory, text))
    )


def _near_units(directory: Directory, text: str) -> list[str]:
    names: dict[str, Unit] = {}
    for unit in directory:
        for name in (unit.name, unit.id, *unit.aliases):
            names.setdefault(fold(name), unit)
    near = difflib.get_close_matches(fold(text), list(names), n=SHOWN, cutoff=0.6)
    units = list(dict.fromkeys(names[n].id for n in near))
    return [f"{directory.name(u)} ({u})" for u in units]


def find_directive(
    records: list[DirectiveRecord], text: str, issuer: Unit | None = None
) -> DirectiveRecord:
    """The directive ``text`` names among ``records`` (those the asker may see): its id or
    its number-symbol, narrowed to ``issuer``'s when given; two units may both have
    issued a "01-KH"."""
    text = text.strip()
    for record in records:
        if record.directive.id == text:
            return record
    wanted = _key(text)
    found = [
        r
        for r in records
        if _key(r.directive.ref) == wanted
        and (issuer is None or r.directive.issuer_unit == issuer.id)
    ]
    if len(found) == 1:
        return found[0]
    if found:
        listed = "; ".join(f"{r.directive.ref} của {r.directive.issuer}" for r in found[:SHOWN])
        raise Conflict(
            f"Có {len(found)} văn bản số “{text}”: {listed}. Thêm --issuer ĐƠN_VỊ để chọn.",
            candidates=[r.directive.id for r in found[:SHOWN]],
        )
    of = f" của {issuer.name}" if issuer is not None else ""
    refs = {_key(r.directive.ref): r for r in records}
    near = difflib.get_close_matches(wanted, list(refs), n=SHOWN, cutoff=0.6)
    shown = [f"{refs[k].directive.ref} ({refs[k].directive.issuer})" for k in near]
    raise NotFound(_nothing(f"Không có văn bản nào số “{text}”{of} đã ban hành", shown))


def _nothing(said: str, suggestions: list[str]) -> str:
    return f"{said}. Có phải: {'; '.join(suggestions)}?" if suggestions else f"{said}."
