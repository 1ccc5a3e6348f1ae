"""Which unit a directive's page is for, and what the aggregator knows of the directive:
the rules the console's directive page and synthesis page share."""

from __future__ import annotations

from services.aggregator.deps import Deps
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.contracts import DirectiveIssued
from shared.directory import Directory
from shared.errors import NotFound


async def directive_of(deps: Deps, directive_id: str) -> DirectiveIssued:
    issued = await deps.book.get(directive_id)
    if issued is None:
        raise NotFound(f"no directive '{directive_id}' is known to the aggregator yet")
    return issued


def in_tree(unit_id: str, issuer_unit: str, directory: Directory) -> bool:
    """The issuer and every unit below it: those a directive's roll-up has a node for."""
    return unit_id == issuer_unit or (
        unit_id in directory and issuer_unit in directory.ancestors(unit_id)
    )


def shown_unit(
    principal: Principal,
    issued: DirectiveIssued,
    directory: Directory,
    unit: str | None,
    action: Action = Action.DIRECTIVE_READ,
) -> str:
    """The unit the page is for: ``unit`` if asked (the principal must read it), else the
    principal's own unit when it is in the directive's tree, else the issuer. Call after
    ``require_sees_directive_of``."""
    issuer = issued.directive.issuer_unit
    if unit is not None:
        if not in_tree(unit, issuer, directory):
            raise NotFound(f"unit '{unit}' is not under the directive's issuer")
        principal.require_reads(unit, directory, action)
        return unit
    own = principal.unit_id
    return own if own is not None and in_tree(own, issuer, directory) else issuer
