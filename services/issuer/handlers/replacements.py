"""Replacing a directive by another (thay thế, Nghị định 30/2020 Điều 18): the leader
of the unit that issued both names the new one, already issued, and says why. The old
one is then recalled with ``replaced_by`` set (handlers/recalls.py): its pending
assignments are closed and every unit it reached is told to carry out and report under
the new one, whose own mails reached them; the directives implementing the old one are
told their basis was replaced. Units the old one assigned and the new one does not are
named in the answer, so the leader can add them to it by a correction."""

from __future__ import annotations

from dataclasses import dataclass

from services.issuer.deps import Deps
from services.issuer.domain.planning import plan_issue
from services.issuer.domain.records import DirectiveRecord, FanOutStatus
from services.issuer.handlers.recalls import Recalled, recall_directive
from shared.errors import Conflict, Invalid, NotFound


@dataclass(frozen=True)
class Replaced:
    recalled: Recalled
    not_reached: list[str]  # units the old directive assigned that the new one does not


async def replace_directive(
    deps: Deps, directive_id: str, by_id: str, reason: str, by: str
) -> Replaced:
    """Replace ``directive_id`` by ``by_id``; NotFound, Invalid (no such replacement, or
    one that cannot be), Conflict (recalled before, or replaced by another)."""
    old = await deps.records.get(directive_id)
    if old is None:
        raise NotFound(f"Chưa có văn bản {directive_id} nào được ban hành.")
    new = await _replacement(deps, old, by_id)
    if old.recall is not None and old.recall.replaced_by != new.directive.id:
        done = (
            f"đã được thay thế bằng văn bản {old.recall.replaced_by_ref}"
            if old.recall.replaced_by
            else "đã bị thu hồi"
        )
        raise Conflict(f"{old.directive.ref} {done}; không thay thế được nữa.")
    recalled = await recall_directive(deps, directive_id, reason, by, replaced_by=new)
    directory = deps.directory()
    was = plan_issue(old.directive, directory).assigned_units
    plan = plan_issue(new.directive, directory)
    reached = plan.assigned_units | {n.unit_id for n in plan.notices}
    return Replaced(recalled, sorted(was - reached))


async def _replacement(deps: Deps, old: DirectiveRecord, by_id: str) -> DirectiveRecord:
    def refused(words: str) -> Invalid:
        return Invalid(words, problems={"by": words})

    new = await deps.records.get(by_id) if by_id else None
    if new is None:
        raise refused("Chọn văn bản thay thế trong số các văn bản đã ban hành.")
    if new.directive.id == old.directive.id:
        raise refused("Văn bản không thay thế chính nó được.")
    if new.directive.issuer_unit != old.directive.issuer_unit:
        raise refused(
            f"Văn bản thay thế phải do {old.directive.issuer} ban hành; "
            f"{new.directive.ref} do {new.directive.issuer} ban hành."
        )
    if new.recall is not None:
        raise refused(f"Văn bản {new.directive.ref} đã bị thu hồi; không dùng để thay thế được.")
    if new.status is FanOutStatus.FANNING_OUT:
        sending = f"{new.directive.ref} đang được gửi tới các đơn vị"
        raise Conflict(f"{sending}; thay thế sau khi gửi xong.")
    return new
