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
        raise NotFound(f"Chưa có văn bản {directive_id} nào được ban hành.")
    return record


def cascade_forest(records: list[DirectiveRecord]) -> list[Node]:
    """``records`` (those the asker may see) and the documents they implement, as trees."""
    return forest(records)


def tree_in(records: list[DirectiveRecord], key: str) -> Node:
    """The tree holding a directive among ``records`` (those the asker may see), by id
    or number-symbol ("101-KH/ĐU")."""
    try:
        slugify(key)
    except ValueError:  # no letter or digit: names no directive
        raise NotFound(f"Chưa có văn bản “{key}” nào được ban hành.") from None
    tree = tree_of(forest(records), key)
    if tree is None:
        raise NotFound(f"Chưa có văn bản “{key}” nào được ban hành.")
    return tree
