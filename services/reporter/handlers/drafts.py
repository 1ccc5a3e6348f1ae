"""A unit's "Lưu nháp": what it typed kept without sending it (``domain/drafts.py``),
its parent told once that the unit is working on its report (``contact.drafted``: "đang
xử lý" on the parent's page, as the national document exchange names it), and the
draft removed once the report is sent."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from nats.errors import Error as NatsError

from services.reporter.deps import Deps
from services.reporter.domain.drafts import Draft, new_draft
from services.reporter.domain.refusals import AlreadyAccepted
from services.reporter.handlers.link_contacts import link_contact
from shared.availability import JetStreamUnavailable
from shared.links import LinkClaims

if TYPE_CHECKING:  # reading reaches submissions, which removes a sent report's draft here
    from services.reporter.handlers.reading import ReportForm

log = logging.getLogger(__name__)

LOCKED = "Cấp trên đã chấp nhận báo cáo của đơn vị: báo cáo không sửa được nữa."


async def save_draft(
    deps: Deps,
    claims: LinkClaims,
    found: ReportForm,
    values: dict[str, str | list[str]],
    narrative: str,
) -> Draft:
    """Keep the draft; AlreadyAccepted once the parent accepted the report (nothing more
    to prepare), DraftTooLarge over the limit. The link's own refusals (expired, revoked,
    recalled, cancelled) come first, at the route."""
    if found.thread.accepted:
        raise AlreadyAccepted(LOCKED)
    draft = new_draft(values, narrative, deps.now())
    ids = (claims.directive_id, claims.unit_id, claims.requirement_id)
    await deps.drafts.save(*ids, draft)
    # every save tells it, under the same message id: this process sends it once, JetStream
    # drops a repeat from another replica within its duplicate window, the aggregator keeps
    # the earliest time; and a save whose telling failed leaves it to the next save
    await link_contact(deps, "drafted", claims)
    return draft


async def forget_draft(deps: Deps, directive_id: str, unit_id: str, requirement_id: str) -> None:
    """After a report was sent: its draft is what was sent now. A removal that fails is
    only logged (the report is stored): the page goes by the newer of the two, and the
    draft is older than the version sent."""
    try:
        await deps.drafts.remove(directive_id, unit_id, requirement_id)
    except (NatsError, JetStreamUnavailable) as exc:
        log.warning(
            "draft not removed after the report was sent",
            extra={"directive_id": directive_id, "unit": unit_id, "reason": type(exc).__name__},
        )
