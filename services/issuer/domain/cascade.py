"""The cascade: which directive implements which. A directive's basis ("Thực hiện Kế hoạch
số 153-KH/ĐUK ngày 16/5/2024 ...") names its parent by number-symbol and date; parents
that were never ingested appear as placeholders."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.issuer.domain.records import DirectiveRecord
from shared.contracts import Directive, DocumentRef
from shared.slugs import slugify


def refers_to(basis: DocumentRef, candidate: Directive) -> bool:
    if basis.ref is None or slugify(basis.ref) != slugify(candidate.ref):
        return False
    return basis.issued_on is None or basis.issued_on == candidate.issued_on


@dataclass
class Node:
    key: str
    ref: str | None
    kind: str | None
    issued_on: str | None
    issuer: str | None
    title: str | None = None
    directive_id: str | None = None  # None for a placeholder: referred to, never ingested
    children: list[Node] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "directive_id": self.directive_id,
            "placeholder": self.directive_id is None,
            "kind": self.kind,
            "ref": self.ref,
            "issued_on": self.issued_on,
            "issuer": self.issuer,
            "title": self.title,
            "children": [child.as_json() for child in self.children],
        }


def forest(records: list[DirectiveRecord]) -> list[Node]:
    """Every ingested directive and every document they refer to, as trees."""
    nodes: dict[str, Node] = {}
    for record in records:
        d = record.directive
        nodes[d.id] = Node(d.id, d.ref, d.kind, d.issued_on.isoformat(), d.issuer, d.title, d.id)
    has_parent: set[str] = set()
    for record in records:
        child = record.directive
        for basis in child.basis:
            if basis.ref is None:
                continue
            parents = [r.directive.id for r in records if refers_to(basis, r.directive)]
            if not parents:
                key = "ref:" + slugify(basis.ref)
                if key not in nodes:
                    nodes[key] = Node(
                        key,
                        basis.ref,
                        basis.kind,
                        basis.issued_on.isoformat() if basis.issued_on else None,
                        basis.issuer,
                    )
                elif _better_written(basis.issuer, nodes[key].issuer):
                    nodes[key].issuer = basis.issuer  # prefer a name that kept its diacritics
                parents = [key]
            for parent in parents:
                if parent != child.id and nodes[child.id] not in nodes[parent].children:
                    nodes[parent].children.append(nodes[child.id])
                    has_parent.add(child.id)
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.issued_on or "", n.ref or ""))
    return sorted(
        (n for key, n in nodes.items() if key not in has_parent),
        key=lambda n: (n.issued_on or "", n.ref or ""),
    )


def _better_written(candidate: str | None, current: str | None) -> bool:
    def marks(text: str | None) -> int:
        return sum(1 for ch in text or "" if ord(ch) > 127)

    return marks(candidate) > marks(current)


def tree_of(trees: list[Node], wanted: str) -> Node | None:
    """The whole tree (from its root) that holds a directive, by id or number-symbol."""
    slug = slugify(wanted) if wanted else ""

    def holds(node: Node) -> bool:
        if node.directive_id == wanted or (node.ref and slugify(node.ref) == slug):
            return True
        return any(holds(child) for child in node.children)

    return next((tree for tree in trees if holds(tree)), None)
