"""What /units shows: the account's unit and its subtree in tree order (a parent before
its children, each indented by its depth below the account's unit), searched without
accents and cut into pages, so that a committee with thousands of units below it never
gets them all in one page. Pure: the directory is the mirror's, in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from shared.contracts import Unit, UnitKind
from shared.directory import Directory
from shared.slugs import fold

PAGE_SIZE = 100
MAX_DEPTH_SHOWN = 8  # deeper units are indented as this deep (the CSS has 9 steps)

KIND_NAMES: dict[str, str] = {
    UnitKind.CENTRAL_COMMITTEE: "Trung ương",
    UnitKind.CENTRAL_BOARD: "Ban Trung ương",
    UnitKind.PROVINCIAL_COMMITTEE: "Tỉnh ủy, Thành ủy",
    UnitKind.PROVINCIAL_BOARD: "Ban, cơ quan của Tỉnh ủy",
    UnitKind.BLOC_COMMITTEE: "Đảng ủy Khối",
    UnitKind.BLOC_BOARD: "Ban của Đảng ủy Khối",
    UnitKind.DISTRICT_COMMITTEE: "Huyện ủy, Thị ủy, Thành ủy",
    UnitKind.PARTY_DELEGATION: "Ban cán sự đảng, Đảng đoàn",
    UnitKind.GRASSROOTS_COMMITTEE: "Đảng ủy cơ sở",
    UnitKind.GRASSROOTS_CHI_BO: "Chi bộ cơ sở",
    UnitKind.CHI_BO: "Chi bộ trực thuộc",
    UnitKind.STANDING_OFFICE: "Thường trực, Ban Thường vụ",
    UnitKind.STATE_AGENCY: "Cơ quan nhà nước",
    UnitKind.MASS_ORGANISATION: "Mặt trận, đoàn thể",
}


@dataclass(frozen=True)
class Row:
    unit: Unit
    depth: int  # below the account's unit (0: the unit itself)
    parent_name: str
    kind_name: str
    accounts: int | None  # None: not counted
    has_children: bool  # a ranking of the units below it means something


@dataclass
class UnitsPage:
    rows: list[Row] = field(default_factory=list)
    total: int = 0  # units of the subtree
    matched: int = 0  # of them, those the search finds
    page: int = 1
    pages: int = 1
    query: str = ""


def subtree(directory: Directory, top: str | None) -> Iterator[tuple[Unit, int]]:
    """(unit, depth below ``top``) in tree order; ``top`` None: every root's tree (the
    operator). An explicit stack: a deep tree must not hit Python's recursion limit."""
    starts = [top] if top is not None else directory.roots()
    stack = [(uid, 0) for uid in reversed(starts)]
    seen: set[str] = set()
    while stack:
        unit_id, depth = stack.pop()
        unit = directory.get(unit_id)
        if unit is None or unit_id in seen:
            continue
        seen.add(unit_id)
        yield unit, depth
        stack.extend((c, depth + 1) for c in reversed(directory.children(unit_id)))


def matches(unit: Unit, folded_query: str) -> bool:
    """The query, accents and case aside, in the name, an alias, the id or an address."""
    haystack = " ".join([unit.name, *unit.aliases, unit.id, *unit.emails])
    return folded_query in fold(haystack)


def units_page(
    directory: Directory,
    top: str | None,
    query: str,
    page: int,
    counts: dict[str, int] | None,
) -> UnitsPage:
    """One page of the subtree of ``top``, only the units ``query`` finds if given."""
    folded = fold(query.strip())
    total = 0
    found: list[tuple[Unit, int]] = []
    for unit, depth in subtree(directory, top):
        total += 1
        if not folded or matches(unit, folded):
            found.append((unit, depth))
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = [
        Row(
            unit=unit,
            # a search's results are not a tree: each says its parent instead
            depth=0 if folded else min(depth, MAX_DEPTH_SHOWN),
            parent_name=directory.name(unit.parent) if unit.parent else "",
            kind_name=KIND_NAMES.get(unit.kind, str(unit.kind)),
            accounts=counts.get(unit.id, 0) if counts is not None else None,
            has_children=bool(directory.children(unit.id)),
        )
        for unit, depth in shown
    ]
    return UnitsPage(rows, total, len(found), page, pages, query.strip())


def page_of(directory: Directory, top: str | None, unit_id: str, query: str = "") -> int:
    """The page on which ``unit_id`` is listed (among what ``query`` finds): where a
    refused form is shown again."""
    folded = fold(query.strip())
    listed = (u for u, _ in subtree(directory, top) if not folded or matches(u, folded))
    for index, unit in enumerate(listed):
        if unit.id == unit_id:
            return index // PAGE_SIZE + 1
    return 1
