"""The unopened timer fired: ``unopened_hours`` working hours ago the unit's server accepted
its assignment mail (handlers/assignments.py set the timer then). The sender must know
the document arrived (Nghị định 30/2020, Điều 21): unless the unit has shown since that it
has it (opened its link, even one past its time; confirmed "Đã nhận"; saved a draft;
asked for more time; reported), or nothing is asked of it any more (the directive
recalled, a correction took the unit off, its staff revoked its link), the assignment is
mailed again, once (the timer's id is the mail's ledger key), to the unit's addresses and
to each of its leaders (lãnh đạo) who has one.

A secret directive's is bound by the rule of its first mail: no file, no title, none of
its requirements' words (domain/mails.py)."""

from __future__ import annotations

import asyncio

from services.notifier.adapters import records
from services.notifier.deps import Deps
from services.notifier.domain.delivery import recipient
from services.notifier.domain.timer_plan import Timer, TimerOutcome
from services.notifier.domain.unopened_mails import unopened_mail
from services.notifier.handlers.mailing import deliver, link_for, mailed, original
from services.notifier.handlers.resend import link_revoked
from shared.contracts import Assignment

# the contacts that show the unit has its assignment (shared/subjects.py CONTACT_HOWS);
# "mailed" only says its server took the mail
SHOWN = ("opened", "received", "drafted", "expired")


async def unopened_fired(deps: Deps, timer: Timer) -> TimerOutcome:
    """What came of it; its directive is known not recalled (handlers/timers.py)."""
    a = timer.assignment
    ids = (a.directive_id, a.unit_id, a.requirement.id)
    # the assignment in force: a correction since may have moved its deadline
    latest = await records.assignment(deps.js, *ids) or a
    if latest.cancelled:
        return "cancelled"
    if await records.last_report(deps.js, *ids) is not None:
        return "reported"
    if await _shown(deps, latest):
        return "opened"
    if await link_revoked(deps, latest):
        return "revoked"  # the staff are at it; a dead link is no use to anyone
    await _mail_again(deps, timer, latest)
    return "mailed"


async def _shown(deps: Deps, a: Assignment) -> bool:
    """Whether the unit has shown it has the assignment, one way or another."""
    ids = (a.directive_id, a.unit_id, a.requirement.id)
    contacts, asked = await asyncio.gather(
        asyncio.gather(*(records.contacted(deps.js, how, *ids) for how in SHOWN)),
        records.extensions(deps.js, *ids),
    )
    return any(contacts) or asked is not None


async def _mail_again(deps: Deps, timer: Timer, a: Assignment) -> None:
    directory = deps.directory()
    unit = recipient(directory, a.unit_id)
    leaders = await deps.leaders.of(a.unit_id)
    attachment = None if a.secrecy else await original(deps, a.document)
    form = await deps.forms.of(a)
    since = timer.mailed_at or timer.at
    link = link_for(deps, a)
    mail = unopened_mail(timer.id, a, unit, directory, since, leaders, link, attachment, form)
    for delivered in await deliver(deps, [mail]):
        await mailed(deps, a, delivered)  # it carries the link, as the first did
