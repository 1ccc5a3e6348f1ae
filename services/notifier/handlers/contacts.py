"""unit.contacted "expired": a unit opened a link whose time was over. The staff of the
body its report goes to are told, once per assignment (the mail's ledger key is the
assignment's), so that they send it a new link; the unit's page already said whom to ask."""

from __future__ import annotations

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.mails import Mail, expired_link_mail
from services.notifier.handlers.mailing import console_page, deliver
from shared.contracts import UnitContacted


async def link_expired(deps: Deps, event: UnitContacted) -> Mail | None:
    if event.how != "expired":
        return None
    a = await records.required_assignment(
        deps.js,
        event.directive_id,
        event.unit_id,
        event.requirement_id,
        f"the expired link of {event.event_id}",
    )
    directory = deps.directory()
    staff = recipient(directory, a.reviewing_unit)
    page = console_page(deps, f"directives/{a.directive_id}/mails")
    mail = expired_link_mail(a, staff, directory, event.at, page)
    await deliver(deps, [mail])
    return mail
