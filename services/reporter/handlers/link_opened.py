"""A unit opened its signed link: the parent's directive page then shows it has ("Đã mở
đường dẫn") until it reports. Told once per process and assignment, and only as well as
NATS allows at that moment: the unit's page never waits long for it nor fails over it."""

from __future__ import annotations

import asyncio
import logging

from nats.errors import Error as NatsError

from services.reporter.deps import Deps
from shared.contacts import announce_contact
from shared.links import LinkClaims

log = logging.getLogger(__name__)

ANNOUNCE_SECONDS = 2.0


async def link_opened(deps: Deps, claims: LinkClaims) -> None:
    key = (claims.directive_id, claims.unit_id, claims.requirement_id)
    if key in deps.opened:
        return
    try:
        await asyncio.wait_for(
            announce_contact(deps.broker, "opened", *key, deps.now()), ANNOUNCE_SECONDS
        )
    except (NatsError, TimeoutError) as exc:
        log.warning("link opening not announced", extra={"reason": type(exc).__name__})
        return
    deps.opened[key] = True
