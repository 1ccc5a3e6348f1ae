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


@dataclass(frozen=True)
class Recalled:
    record: DirectiveRecord
    event: DirectiveRecalled
    created: bool  # False: it was recalled before


async def recall_directive(deps: Deps, directive_id: str, reason: str, by: str) -> Recalled:
    """Recall an issued directive with ``reason``; NotFound, Invalid (no reason), Conflict
    (still being fanned out: recall it once it is issued)."""
    record = await deps.records.get(directive_id)
    if record is None:
        raise NotFound(f"Chưa có văn bản {directive_id} nào được ban hành.")
    created = record.recall is None
    if created:
        record = await _recalled(deps, record, reason, by)
    assert record.recall is not None
    implementing = [r.directive.id for r in await deps.records.all() if directive_id in r.parents]
    event = DirectiveRecalled(
        event_id=subjects.directive_recalled_id(directive_id),
        occurred_at=record.recall.recalled_at,
        directive_id=directive_id,
        directive=record.directive,
        recall=record.recall,
        implementing=sorted(implementing),
    )
    await publish_event(
        deps.broker, subjects.directive_recalled(directive_id), topology.DIRECTIVES.name, event
    )
    deps.metrics.directives.labels("recalled" if created else "already_recalled").inc()
    return Recalled(record, event, created)


async def _recalled(deps: Deps, record: DirectiveRecord, reason: str, by: str) -> DirectiveRecord:
    cleaned = clean_text(reason)
    if not cleaned:
        raise Invalid(NO_REASON, problems={"reason": NO_REASON})
    if len(cleaned) > MAX_RECALL_REASON:
        long = f"Lý do thu hồi dài quá {MAX_RECALL_REASON} ký tự; đề nghị viết ngắn lại."
        raise Invalid(long, problems={"reason": long})
    if record.status is not FanOutStatus.ISSUED:
        raise Conflict(
            f"{record.directive.ref} đang được gửi tới các đơn vị; thu hồi sau khi gửi xong."
        )
    recall = Recall(reason=cleaned, recalled_at=deps.clock.now(), recalled_by=by)
    record = record.model_copy(update={"recall": recall})
    await deps.records.put(record)
    return record
