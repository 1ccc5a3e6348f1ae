"""What became of the unit's own report to the parent, the one its approved synthesis
files: read from the roll-up of the parent's directive, where the aggregator keeps the
unit's latest report on it and the parent's last review of it (``Node.own``, from
report.submitted and report.reviewed), so nothing else needs keeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.aggregator.deps import Deps
from services.aggregator.handlers.approval import upward_of
from shared import subjects, topology
from shared.contracts import SynthesisApproved
from shared.errors import Conflict, Invalid
from shared.streams import last_event
from shared.vietnamese import document_title

State = Literal["no_target", "not_sent", "waiting", "accepted", "returned"]


@dataclass(frozen=True)
class Upward:
    state: State
    parent: str = ""  # "Kế hoạch số 88-KH/ĐUK của Đảng ủy Khối ..."
    version: int = 0
    received_at: datetime | None = None
    reviewed_at: datetime | None = None
    reason: str = ""
    approval: SynthesisApproved | None = None  # the unit's last approval: when, by whom


async def upward_report(deps: Deps, directive_id: str) -> Upward | None:
    """The state of the issuer's report on the parent's directive this one implements;
    None when the directive is unknown or asks for nothing to send up."""
    issued = await deps.book.get(directive_id)
    if issued is None:
        return None
    try:
        chosen, target, node = await upward_of(deps, issued, None)
    except (Conflict, Invalid) as exc:
        return Upward("no_target") if isinstance(exc, Conflict) else None
    issuer = issued.directive.issuer_unit
    subject = subjects.synthesis_approved(directive_id, issuer, chosen)
    last = await last_event(deps.js, topology.SYNTHESIS.name, subject, SynthesisApproved)
    approval = last[0] if last else None
    parent = await deps.book.get(target.directive_id)
    named = (
        f"{document_title(parent.directive.kind, parent.directive.ref)} của "
        f"{parent.directive.issuer}"
        if parent
        else target.directive_id
    )
    own = node.own if node else None
    if own is None or own.version == 0:
        return Upward("not_sent", named, approval=approval)
    review = own.review if (own.accepted or own.returned) else None
    state: State = "accepted" if own.accepted else "returned" if own.returned else "waiting"
    return Upward(
        state,
        named,
        own.version,
        own.received_at,
        review.reviewed_at if review else None,
        review.reason if review and own.returned else "",
        approval,
    )
