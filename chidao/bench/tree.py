"""Synthetic unit trees for benchmarks: a root and N units below it, four levels deep."""

from __future__ import annotations

import math

from shared.contracts import Unit, UnitKind

ROOT = "bench-root"
LEVEL_KINDS = (
    UnitKind.PROVINCIAL_COMMITTEE,
    UnitKind.DISTRICT_COMMITTEE,
    UnitKind.GRASSROOTS_COMMITTEE,
    UnitKind.CHI_BO,
)


def synthetic_tree(units: int) -> list[Unit]:
    """Root plus ``units`` units numbered breadth-first with a constant branching factor
    chosen so the tree is about four levels deep (100,000 units: 18 per parent)."""
    branching = max(2, math.ceil(units**0.25))
    tree = [
        Unit(
            id=ROOT,
            name="Ban Chấp hành (thử tải)",
            kind=UnitKind.CENTRAL_COMMITTEE,
            emails=["root@bench.example.org"],
        )
    ]
    depth = {0: 0}
    for i in range(1, units + 1):
        parent = (i - 1) // branching
        depth[i] = depth[parent] + 1
        kind = LEVEL_KINDS[min(depth[i], len(LEVEL_KINDS)) - 1]
        tree.append(
            Unit(
                id=f"u{i}",
                name=f"Đơn vị thử tải số {i}",
                kind=kind,
                parent=ROOT if parent == 0 else f"u{parent}",
                emails=[f"u{i}@bench.example.org"],
            )
        )
    return tree
