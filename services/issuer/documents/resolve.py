"""Matching what a document names against the unit directory.

Names are compared without diacritics and with the abbreviations offices use spelled out
(BTG, TU, ĐUK, CQ-DN, TCCSĐ, MTTQ, ...), first exactly (names and aliases), then
approximately (rapidfuzz; more tolerant for OCR text), within the issuer's own province
and the central bodies. Groups ("Các chi bộ trực thuộc", "Cấp ủy các TCCSĐ trực thuộc",
"Thành ủy, huyện ủy, đảng ủy trực thuộc") become the child units of those kinds; lists
are split; a person ("Đ/c ..., Chủ nhiệm Ủy ban Kiểm tra Thành ủy") is found by the
alias or by the post named after the name. Whatever matches nothing is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from services.issuer.documents.diacritics import Restorer
from services.issuer.documents.lexicon import stored
from services.issuer.documents.names import normalise
from shared.contracts import UnitKind, UnitSelector
from shared.directory import Directory

BOARDS = {UnitKind.CENTRAL_BOARD, UnitKind.PROVINCIAL_BOARD, UnitKind.BLOC_BOARD}
# Group words -> the kinds of child units they stand for.
_GROUP_KINDS: list[tuple[re.Pattern[str], set[UnitKind]]] = [
    (re.compile(pattern), kinds)
    for pattern, kinds in [
        (r"\bto chuc co so dang\b", {UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CHI_BO}),
        (r"\bchi dang bo co so\b", {UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CHI_BO}),
        (r"\bdang bo co so\b", {UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CHI_BO}),
        (r"\bchi bo\b", {UnitKind.CHI_BO, UnitKind.GRASSROOTS_CHI_BO}),
        (r"\bhuyen uy\b", {UnitKind.DISTRICT_COMMITTEE}),
        (r"\bthanh uy\b", {UnitKind.DISTRICT_COMMITTEE}),
        (r"\bthi uy\b", {UnitKind.DISTRICT_COMMITTEE}),
        # "trực thuộc" as OCR may spell it ("truc thudc")
        (r"\bdang uy truc thu\w{0,2}c\b", {UnitKind.DISTRICT_COMMITTEE, UnitKind.BLOC_COMMITTEE}),
        (r"\bban can su dang\b", {UnitKind.PARTY_DELEGATION}),
        (r"\bdang doan\b", {UnitKind.PARTY_DELEGATION}),
        (r"\bban dang\b(?! uy| bo)", {UnitKind.PROVINCIAL_BOARD}),  # not "ban Đảng ủy ..."
        (r"\bcac ban\b", BOARDS),
        (r"\bdoan the\b", {UnitKind.MASS_ORGANISATION}),
    ]
]
_GROUP_MARKERS = ("cac ", "cap uy cac ", "cap uy ")
# Groups named by what their units are called, not by kind.
_NAMED_GROUPS = {
    "bao chi": ("bao ", "dai phat thanh", "tap chi"),
    "co quan thong tan": ("bao ", "dai phat thanh", "tap chi", "thong tan"),
}
ACTING_KINDS = {
    UnitKind.PROVINCIAL_COMMITTEE,
    UnitKind.DISTRICT_COMMITTEE,
    UnitKind.BLOC_COMMITTEE,
    UnitKind.GRASSROOTS_COMMITTEE,
    UnitKind.GRASSROOTS_CHI_BO,
    UnitKind.CHI_BO,
    UnitKind.PARTY_DELEGATION,
}


@dataclass
class Match:
    """What one entry names: units and groups."""

    selectors: list[UnitSelector] = field(default_factory=list)
    unit_ids: list[str] = field(default_factory=list)  # every unit, groups expanded
    groups: int = 0
    unmatched: list[str] = field(default_factory=list)  # parts of the text nothing matched


class Resolver:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._restorer: Restorer | None = None
        self._names: dict[str, set[str]] = {}
        for unit in directory:
            for name in (unit.name, *unit.aliases):
                self._names.setdefault(normalise(name), set()).add(unit.id)

    @property
    def restorer(self) -> Restorer:
        """The diacritics restorer, knowing this directory's names too (built once)."""
        if self._restorer is None:
            names = [n for unit in self.directory for n in (unit.name, *unit.aliases)]
            self._restorer = Restorer(stored().with_names(names))
        return self._restorer

    # --- where to look -------------------------------------------------------------

    def scope(self, issuer: str | None) -> set[str]:
        """The issuer's province (the subtree under the root it belongs to), its
        ancestors, and the central bodies; everything when the issuer is unknown."""
        if issuer is None or issuer not in self.directory:
            return {u.id for u in self.directory}
        chain = [issuer, *self.directory.ancestors(issuer)]
        province = chain[-2] if len(chain) >= 2 else chain[-1]
        root = chain[-1]
        units = {province, *self.directory.descendants(province), *chain}
        for top in self.directory.children(root):
            if self.directory.require(top).kind in (
                UnitKind.CENTRAL_BOARD,
                UnitKind.CENTRAL_COMMITTEE,
            ):
                units.add(top)
        units.add(root)
        return units

    def _closest(self, candidates: Iterable[str], issuer: str | None) -> str:
        """Of several units with the same name, the one nearest the issuer in the tree."""
        candidates = sorted(candidates)
        if issuer is None or issuer not in self.directory:
            return candidates[0]
        mine = [issuer, *self.directory.ancestors(issuer)]

        def distance(unit_id: str) -> int:
            theirs = [unit_id, *self.directory.ancestors(unit_id)]
            common = next((i for i, a in enumerate(mine) if a in theirs), len(mine))
            return common + (theirs.index(mine[common]) if common < len(mine) else len(theirs))

        return min(candidates, key=distance)

    # --- single names ------------------------------------------------------------

    def candidates(
        self, text: str, scope: set[str], ocr: bool = False, exact_only: bool = False
    ) -> set[str]:
        """Units the text names exactly, or else the best approximate match."""
        key = normalise(text, ocr)
        if not key:
            return set()
        exact = self._names.get(key, set()) & scope
        if exact or exact_only:
            return exact
        choices = {name: ids & scope for name, ids in self._names.items() if ids & scope}
        cutoff = 80 if ocr else 90
        best = process.extractOne(key, list(choices), scorer=_similarity, score_cutoff=cutoff)
        return choices[best[0]] if best else set()

    def find_unit(
        self, text: str, issuer: str | None, scope: set[str], ocr: bool = False, exact: bool = False
    ) -> str | None:
        found = self.candidates(text, scope, ocr, exact)
        return self._closest(found, issuer) if found else None

    def find_issuer(self, text: str, place: str | None = None, ocr: bool = False) -> list[str]:
        """Units the issuer's name may be; names like "Ban Tuyên giáo Tỉnh ủy" exist in
        every province, so the place the document was signed in decides between them."""
        found = self.candidates(text, {u.id for u in self.directory}, ocr)
        if len(found) > 1 and place:
            here = normalise(place, ocr)
            scored = {
                u: fuzz.partial_ratio(here, normalise(self._province_name(u), ocr)) for u in found
            }
            best = max(scored.values())
            if best >= 60:
                found = {u for u, score in scored.items() if score == best}
        return sorted(found)

    def _province_name(self, unit_id: str) -> str:
        chain = [unit_id, *self.directory.ancestors(unit_id)]
        province = chain[-2] if len(chain) >= 2 else chain[-1]
        unit = self.directory.require(province)
        return " ".join([unit.name, *unit.aliases])

    # --- entries: units, groups, lists -----------------------------------------------

    def _group(
        self, part: str, issuer: str | None, scope: set[str], ocr: bool
    ) -> UnitSelector | None:
        key = normalise(part, ocr)
        if not (key.startswith(_GROUP_MARKERS) or " truc thu" in key or "doan the" in key):
            return None
        kinds: set[UnitKind] = set()
        rest = key
        for pattern, group_kinds in _GROUP_KINDS:
            if pattern.search(rest):
                kinds |= group_kinds
                rest = pattern.sub(" ", rest)
        if not kinds:
            return None
        # "các ban Đảng ủy Khối": the owner is named; otherwise the nearest of the issuer
        # and its ancestors that has children of those kinds.
        owner_words = [
            w for w in rest.split() if w not in ("cac", "cap", "truc", "thuoc", "thudc", "va")
        ]
        if owner_words[:1] == ["uy"]:  # what is left of "cấp ủy"
            owner_words = owner_words[1:]
        candidates: list[str] = []
        if owner_words:
            owner = self.find_unit(" ".join(owner_words), issuer, scope, ocr)
            if owner:
                candidates.append(owner)
        if issuer is not None and issuer in self.directory:
            candidates += [issuer, *self.directory.ancestors(issuer)]
        for base in candidates:
            if any(self.directory.require(c).kind in kinds for c in self.directory.children(base)):
                return UnitSelector(under=base, kinds=sorted(kinds), depth="children")
        return None

    def _named_group(self, part: str, scope: set[str], ocr: bool) -> list[str]:
        """'Trung tâm chính trị các huyện' -> every unit in scope called "Trung tâm chính
        trị ..."; 'các cơ quan thông tấn, báo chí' -> the newspapers and broadcasters."""
        key = normalise(part, ocr)
        prefixes: tuple[str, ...] = ()
        for words, names in _NAMED_GROUPS.items():
            if words in key:
                prefixes += names
        if not prefixes and (level := _PER_LEVEL.match(key)):
            prefixes = (level.group(1) + " ",)
        if not prefixes:
            return []
        found = [
            unit_id
            for name, ids in self._names.items()
            if name.startswith(prefixes)
            for unit_id in sorted(ids & scope)
        ]
        return sorted(set(found)) if len(set(found)) >= 2 or _NAMED_GROUPS.keys() & {key} else []

    def match(self, text: str, issuer: str | None, ocr: bool = False) -> Match:
        scope = self.scope(issuer)
        result = Match()

        def add_unit(unit_id: str) -> None:
            if unit_id not in result.unit_ids:
                result.selectors.append(UnitSelector(unit=unit_id))
                result.unit_ids.append(unit_id)

        def resolve(part: str, owner: str | None = None, whole: bool = False) -> bool:
            if group := self._group(part, issuer, scope, ocr):
                result.selectors.append(group)
                result.groups += 1
                for unit_id in self.directory.resolve(group):
                    if unit_id not in result.unit_ids and unit_id != issuer:
                        result.unit_ids.append(unit_id)
                if whole:
                    # "Các ban đảng, ban cán sự đảng, đảng đoàn, Ban Thường vụ Tỉnh đoàn": the
                    # named units listed with the group words count too.
                    for listed in _split_list(part):
                        if not _names_a_group(listed, ocr) and not resolve(listed, owner):
                            result.unmatched.append(listed)
                return True
            # A list is one unit only if the directory has it under that very name.
            unit = self.find_unit(part, issuer, scope, ocr, exact=whole and "," in part)
            if unit is None and owner:
                unit = self.find_unit(f"{part} {owner}", issuer, scope, ocr)
            if unit is not None:
                add_unit(unit)
                return True
            named = self._named_group(part, scope, ocr)
            for unit_id in named:
                add_unit(unit_id)
            return bool(named)

        if resolve(text, whole=True):
            return result
        parts = _split_list(text)
        owner = _owner(parts[-1]) if len(parts) > 1 else None
        for i, part in enumerate(parts):
            if i and normalise(part, ocr) in _KIND_ONLY and not result.unmatched:
                continue  # "Trung tâm chính trị các huyện, thành ủy": part of the group before
            if resolve(part, owner):
                continue
            pieces = [p.strip() for p in re.split(r"\s+và\s+", part) if p.strip()]
            if len(pieces) > 1 and all(resolve(p, owner) for p in pieces):
                continue
            if not (_is_person(part) and len(parts) > 1):
                result.unmatched.append(part)
        if not result.unit_ids and text not in result.unmatched:
            result.unmatched = [text]
        return result

    # --- roles -----------------------------------------------------------------------

    def role(self, issuer: str | None, match: Match) -> str:
        """report for superiors, action for groups of subordinate units, info for the
        rest (the issuer itself, its peers and its own leadership, other bodies)."""
        if issuer is None or issuer not in self.directory:
            return "action" if match.groups else "info"
        roles = [self._unit_role(issuer, u) for u in match.unit_ids if u in self.directory]
        if match.groups and self._groups_act(match):
            roles.append("action")
        for role in ("report", "action"):
            if role in roles:
                return role
        return "info"

    def _groups_act(self, match: Match) -> bool:
        return any(s.under is not None and ACTING_KINDS & set(s.kinds) for s in match.selectors)

    def _unit_role(self, issuer: str, unit_id: str) -> str:
        d = self.directory
        unit, me = d.require(unit_id), d.require(issuer)
        ancestors = d.ancestors(issuer)
        if unit_id == issuer:
            return "info"
        if unit_id in ancestors:
            return "report"
        if unit.parent in ancestors:  # a sibling, or a unit of a committee above
            if unit.kind is UnitKind.STANDING_OFFICE:
                leadership = normalise(unit.name).startswith(("thuong truc", "ban thuong vu"))
                return "report" if leadership else "info"
            if unit.kind in BOARDS:
                peer = unit.parent == me.parent and me.kind in BOARDS
                return "info" if peer else "report"
        if issuer in d.ancestors(unit_id) and unit.kind in ACTING_KINDS:
            return "action"
        return "info"


def _similarity(a: str, b: str, **kwargs: object) -> float:
    """Letters misread in place (OCR: "Bio Lam Pong") or words in another order."""
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


# "Trung tâm chính trị các huyện": the units of that name at every district.
_PER_LEVEL = re.compile(r"^(.+?) cac (?:huyen|quan|thi xa|thanh pho|xa|phuong|cap|tinh)\b")
_KIND_ONLY = {"thanh uy", "huyen uy", "thi uy", "quan uy", "thanh pho", "thi xa"}


def _owner(last_part: str) -> str | None:
    """'các ban Đảng ủy Khối' -> 'Đảng ủy Khối': the capitalised name a list ends with."""
    words = last_part.split()
    for i, word in enumerate(words):
        if word[:1].isupper() and i > 0:
            return " ".join(words[i:])
    return None


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r",\s*", text) if p.strip()]


def _names_a_group(part: str, ocr: bool) -> bool:
    key = normalise(part, ocr)
    return (
        key.startswith(_GROUP_MARKERS)
        or key in _KIND_ONLY
        or any(pattern.search(key) for pattern, _ in _GROUP_KINDS)
    )


def _is_person(part: str) -> bool:
    return normalise(part).startswith(("dong chi", "uy vien")) or part.isupper()
