"""What a unit's link tells its parent: the unit opened it (the directive's page then
shows "Đã mở đường dẫn" until it reports), or it opened one that had expired ("Đường
dẫn hết hạn": its parent's staff send a new one), confirmed it has the document ("Đã
nhận") or saved its report without sending it ("drafted": "đang xử lý"). Told once per
process, kind and assignment, and only as well as NATS allows at that moment: the unit's
page never waits long for it nor fails over it."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from nats.errors import Error as NatsError

from services.reporter.deps import Deps
from shared.contacts import announce_contact, contact_event
from shared.links import LinkClaims

log = logging.getLogger(__name__)

ANNOUNCE_SECONDS = 2.0


async def link_contact(
    deps: Deps, how: Literal["opened", "expired", "received", "drafted"], claims: LinkClaims
) -> None:
    key = (how, claims.directive_id, claims.unit_id, claims.requirement_id)
    if key in deps.announced:
        return
    try:
        contact = contact_event(how, *key[1:], deps.now())
        await asyncio.wait_for(announce_contact(deps.broker, contact), ANNOUNCE_SECONDS)
    except (NatsError, TimeoutError) as exc:
        log.warning("link contact not announced", extra={"how": how, "reason": type(exc).__name__})
        return
    deps.announced[key] = True
