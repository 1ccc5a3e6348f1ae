"""A directive replaced by another (thay thế, Nghị định 30/2020 Điều 18): a recall whose
``replaced_by`` names the document that takes its place. The recall itself is kept as
any (``handlers/recall.py``); what this adds is the way back, kept in the directive book
beside the replacing directive: which documents it replaced (``Replaced``), so that its
page can say so and link to them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.contracts import DirectiveRecalled
from shared.vietnamese import document_title


class Replaced(BaseModel):
    """A document the directive replaced: its id and its title ("Kế hoạch số 101-KH/ĐU")."""

    directive_id: str
    document: str


class Replacements(BaseModel):
    """What one directive replaced, in the order the recalls came."""

    replaced: list[Replaced] = Field(default_factory=list)


def with_replaced(kept: Replacements | None, event: DirectiveRecalled) -> Replacements | None:
    """``kept`` with the directive ``event`` recalled in favour of its ``replaced_by``;
    None when it is listed already (a redelivery)."""
    listed = kept.replaced if kept else []
    if any(r.directive_id == event.directive_id for r in listed):
        return None
    d = event.directive
    entry = Replaced(directive_id=event.directive_id, document=document_title(d.kind, d.ref))
    return Replacements(replaced=[*listed, entry])
