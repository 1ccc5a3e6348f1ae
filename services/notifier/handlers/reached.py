"""Whom a directive reached, as a recall (thu hồi) and a correction (đính chính) tell
them: every unit assigned a requirement of it and every unit it was only sent to, and
the issuer of each directive issued to implement it."""

from __future__ import annotations

import logging

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from shared.contracts import DirectiveIssued, Unit

log = logging.getLogger(__name__)


async def units_reached(deps: Deps, directive_id: str) -> tuple[list[str], set[str]]:
    """Every unit the directive reached, once each, the assigned first; and which of them
    were assigned (their mails carried a link), not only sent the document."""
    assigned = await records.assigned_units(deps.js, directive_id)
    issued = await records.issued(deps.js, directive_id)
    if issued is None:  # the event still names the document; only the notices are unknown
        log.warning(
            "directive has no directive.issued event; its notices are unknown",
            extra={"directive": directive_id},
        )
    sent_to = [n.unit_id for n in issued.notices] if issued else []
    return list(dict.fromkeys([*assigned, *sent_to])), set(assigned)


async def implementing_issuers(
    deps: Deps, directive_id: str, implementing: list[str]
) -> list[tuple[DirectiveIssued, Unit]]:
    """Each directive issued to implement ``directive_id`` that is still in force, with
    its issuer: whose basis (văn bản căn cứ) changed."""
    directory = deps.directory()
    found = []
    for own_id in dict.fromkeys(implementing):
        own = await records.issued(deps.js, own_id)
        if own is None:  # named by the issuer, never issued here: nobody to tell
            log.warning(
                "implementing directive not found; its issuer is not told",
                extra={"directive": directive_id, "implementing": own_id},
            )
            continue
        if await records.recalled(deps.js, own_id) is not None:
            # its issuer recalled it already: there is nothing left to amend
            log.info(
                "implementing directive recalled already; its issuer is not told",
                extra={"directive": directive_id, "implementing": own_id},
            )
            continue
        found.append((own, recipient(directory, own.directive.issuer_unit)))
    return found
