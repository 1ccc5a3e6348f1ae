"""What each named unit is asked to do (the numbered items of "Tổ chức thực hiện", or of
a letter's body), and the study materials ("Tài liệu sinh hoạt")."""

from __future__ import annotations

import re

from services.issuer.documents.text import fold_keeping_length, is_upper, squash
from shared.contracts import ParsedTask

_ITEM = re.compile(r"^\s*(\d{1,2})\s*[.)-]\s*(?!\d)")
_BULLET = re.compile(r"^\s*[-•–]\s+")  # "+" marks a sub-item, part of the item above
_SECTION = re.compile(r"^\s*[IVXL|1]{1,4}\s*[.-]\s*\S")
# Verbs that follow the unit's name in "2. Ban Tuyên giáo Tỉnh ủy chủ trì theo dõi ...".
_TASK_VERB = re.compile(
    r"\s+(?:chu\s+tri|lanh\s+dao|chi\s+dao|phoi\s+hop|tang\s+cuong|xay\s+dung|dua\s|"
    r"theo\s+doi|co\s+trach\s+nhiem|trien\s+khai|bao\s+cao|tap\s+trung|cap\s+nhat|"
    r"huong\s+dan|thuc\s+hien|chu\s+dong|day\s+manh|quan\s+triet|tuyen\s+truyen|nghien\s+cuu)\b"
)
_LEADING_CONTEXT = re.compile(r"^(?:can\s+cu|tren\s+co\s+so|theo)\b[^,]{0,80},\s*")


def _first_verb(text: str, folded: str) -> re.Match[str] | None:
    """The first task verb written in lower case ("Ban Chỉ đạo" is a name, not a verb)."""
    for match in _TASK_VERB.finditer(folded):
        if text[match.start() + 1 : match.start() + 2].islower():
            return match
    return None


def _unit_of(item: str) -> str | None:
    text = _ITEM.sub("", item, count=1).strip()
    folded = fold_keeping_length(text)
    if (colon := folded.find(":")) > 0 and colon < 160:
        return squash(text[:colon])
    if context := _LEADING_CONTEXT.match(folded):
        text, folded = text[context.end() :], folded[context.end() :]
    if folded.startswith("giao "):
        text, folded = text[5:], folded[5:]
    verb = _first_verb(text, folded)
    words = text.split()
    # "1. Ban Chỉ đạo công tác thông tin đối ngoại Chỉ đạo, định hướng ...": a heading
    # line joined to its text; the text starts at a capital after a lower-case word.
    limit = len(folded[: verb.start()].split()) if verb else len(words)
    for i in range(1, min(limit, len(words) - 1)):
        joins = words[i][:1].isupper() and words[i - 1].islower() and words[i + 1][:1].islower()
        if joins and _TASK_VERB.match(" " + fold_keeping_length(" ".join(words[i : i + 3]))):
            return squash(" ".join(words[:i]))
    if verb:
        return squash(text[: verb.start()]) or None
    if len(words) <= 25 and not text.rstrip().endswith("."):
        return squash(text).rstrip(":")  # the item's first line names the unit
    return None


def find_tasks(body: list[str]) -> list[ParsedTask]:
    """Numbered items under the "Tổ chức thực hiện" heading; in a letter without sections,
    the numbered items of the body."""
    start = None
    for i, paragraph in enumerate(body):
        if is_upper(paragraph) and "to chuc thuc hien" in fold_keeping_length(paragraph):
            start = i + 1
    has_sections = any(_SECTION.match(p) and is_upper(p) for p in body)
    if start is None:
        if has_sections:
            return []
        start = 0
    items: list[list[str]] = []
    for paragraph in body[start:]:
        if is_upper(paragraph) and _SECTION.match(paragraph):
            break
        if _ITEM.match(paragraph):
            items.append([paragraph])
        elif items:
            items[-1].append(paragraph)
    if not items and start > 0:  # bullets instead of numbers, under the heading
        items = [[p] for p in body[start:] if _BULLET.match(p)]
    tasks = []
    for item in items:
        first = _BULLET.sub("", item[0])
        unit = _unit_of(first)
        if unit and len(unit.split()) <= 30:
            text = squash(" ".join([_ITEM.sub("", first, count=1), *item[1:]]))
            tasks.append(ParsedTask(unit=unit, text=text))
    return tasks


_MATERIALS = re.compile(r"tai\s+lieu\s+(?:phuc\s+vu\s+)?sinh\s+hoat\s*:?")
_NUMBERED = re.compile(r"\(\d{1,2}\)\s*")


def find_materials(body: list[str]) -> list[str]:
    for i, paragraph in enumerate(body):
        match = _MATERIALS.search(fold_keeping_length(paragraph))
        if not match or match.start() > 40:
            continue
        rest = squash(paragraph[match.end() :])
        if _NUMBERED.search(rest):
            parts = [squash(p).rstrip(";,. ") for p in _NUMBERED.split(rest)]
            return [p for p in parts if p]
        following = []
        for nxt in body[i + 1 :]:
            if not _BULLET.match(nxt):
                break
            following.append(squash(_BULLET.sub("", nxt)).rstrip(";,. "))
        if following:
            return following
        rest = rest.strip(" .()")
        return [rest] if rest else []
    return []
