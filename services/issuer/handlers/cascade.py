"""Reading what was issued: one directive's record, and the cascade of which directive
implements which."""

from __future__ import annotations

from services.issuer.deps import Deps
from services.issuer.domain.cascade import Node, forest, tree_of
from services.issuer.domain.records import DirectiveRecord
from shared.errors import NotFound
from shared.slugs import slugify


async def show_directive(deps: Deps, directive_id: str) -> DirectiveRecord:
    record = await deps.records.get(directive_id)
    if record is None:
        raise NotFound(f"no directive with id '{directive_id}'")
    return record


async def cascade_forest(deps: Deps) -> list[Node]:
    """Every directive and the documents they implement, as trees."""
    return forest(await deps.records.all())


async def cascade_tree(deps: Deps, key: str) -> Node:
    """The tree holding a directive, by id or number-symbol ("101-KH/ĐU")."""
    try:
        slugify(key)
    except ValueError:  # no letter or digit: names no directive
        raise NotFound(f"no directive '{key}' has been issued") from None
    tree = tree_of(forest(await deps.records.all()), key)
    if tree is None:
        raise NotFound(f"no directive '{key}' has been issued")
    return tree
