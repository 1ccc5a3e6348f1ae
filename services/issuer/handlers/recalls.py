"""Recalling a directive (thu hồi, Nghị định 30/2020 Điều 18): its issuer's leader gives
the reason; the record keeps it, and ``directive.recalled`` tells the rest: the notifier
mails every unit the directive reached and the issuers of the directives implementing it,
and drops its reminders; the reporter's links answer that it was recalled and take no
more reports; the aggregator marks its pages and those of the directives implementing
it. The issuer assigns no more periods of it. Recalling again changes nothing (the event
is published again under the same id, in case the first publish was lost)."""

from __future__ import annotations

from dataclasses import dataclass

from services.issuer.deps import Deps
from services.issuer.domain.records import DirectiveRecord, FanOutStatus
from shared import subjects, topology
from shared.contracts import DirectiveRecalled, Recall
from shared.contracts.events import MAX_RECALL_REASON
from shared.contracts.submissions import clean_text
from shared.errors import Conflict, Invalid, NotFound
from shared.publishing import publish_event

NO_REASON = "Ghi lý do thu hồi: mọi đơn vị nhận văn bản sẽ đọc lý do này."
NO_REPLACE_REASON = "Ghi lý do thay thế: mọi đơn vị nhận văn bản sẽ đọc lý do này."


@dataclass(frozen=True)
class Recalled:
    record: DirectiveRecord
    event: DirectiveRecalled
    created: bool  # False: it was recalled before


async def recall_directive(
    deps: Deps, directive_id: str, reason: str, by: str, replaced_by: DirectiveRecord | None = None
) -> Recalled:
    """Recall an issued directive with ``reason`` (``replaced_by``: the directive that
    replaces it, thay thế); NotFound, Invalid (no reason), Conflict (still being fanned
    out, or being corrected: recall it once that is done)."""
    record = await deps.records.get(directive_id)
    if record is None:
        raise NotFound(f"Chưa có văn bản {directive_id} nào được ban hành.")
    created = record.recall is None
    if created:
        record = await _recalled(deps, record, reason, by, replaced_by)
    assert record.recall is not None
    event = DirectiveRecalled(
        event_id=subjects.directive_recalled_id(directive_id),
        occurred_at=record.recall.recalled_at,
        directive_id=directive_id,
        directive=record.directive,
        recall=record.recall,
        implementing=await implementing(deps, directive_id),
    )
    await publish_event(
        deps.broker, subjects.directive_recalled(directive_id), topology.DIRECTIVES.name, event
    )
    deps.metrics.directives.labels("recalled" if created else "already_recalled").inc()
    return Recalled(record, event, created)


async def implementing(deps: Deps, directive_id: str) -> list[str]:
    """The known directives issued to implement ``directive_id``: their issuers are told."""
    return sorted(r.directive.id for r in await deps.records.all() if directive_id in r.parents)


def cleaned_reason(text: str, missing: str, what: str) -> str:
    """The reason a leader gives for ``what`` ("thu hồi", "đính chính"), cleaned; Invalid
    with ``missing`` when there is none, or when it is too long."""
    cleaned = clean_text(text)
    if not cleaned:
        raise Invalid(missing, problems={"reason": missing})
    if len(cleaned) > MAX_RECALL_REASON:
        long = f"Lý do {what} dài quá {MAX_RECALL_REASON} ký tự; đề nghị viết ngắn lại."
        raise Invalid(long, problems={"reason": long})
    return cleaned


async def _recalled(
    deps: Deps, record: DirectiveRecord, reason: str, by: str, replaced_by: DirectiveRecord | None
) -> DirectiveRecord:
    what = "thay thế" if replaced_by else "thu hồi"
    cleaned = cleaned_reason(reason, NO_REPLACE_REASON if replaced_by else NO_REASON, what)
    if record.status is not FanOutStatus.ISSUED:
        sending = f"{record.directive.ref} đang được gửi tới các đơn vị"
        raise Conflict(f"{sending}; {what} sau khi gửi xong.")
    recall = Recall(
        reason=cleaned,
        recalled_at=deps.clock.now(),
        recalled_by=by,
        replaced_by=replaced_by.directive.id if replaced_by else None,
        replaced_by_ref=replaced_by.directive.ref if replaced_by else None,
    )
    record = record.model_copy(update={"recall": recall})
    await deps.records.put(record)
    return record
