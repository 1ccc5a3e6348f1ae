"""The mails a draft would make, as the notifier writes them (``adapters/mail_preview.py``
asks it), for the draft page; None while the draft cannot be issued as it stands or when
the notifier does not answer."""

from __future__ import annotations

from services.issuer.adapters.mail_preview import ask_notifier
from services.issuer.deps import Deps
from services.issuer.domain.draft import Draft, to_directive
from services.issuer.domain.mail_samples import preview_question
from services.issuer.domain.planning import CannotIssue, plan_issue
from services.issuer.domain.report_forms import with_forms
from shared.contracts.previews import MailPreview
from shared.forms import FormError, resolve


async def draft_mails(deps: Deps, draft: Draft) -> MailPreview | None:
    directive, _ = to_directive(draft)
    if directive is None:
        return None
    directive = with_forms(directive)
    try:
        plan = plan_issue(directive, deps.directory())
        forms = await resolve(deps.js, {r.form for r in directive.requirements if r.form})
    except (CannotIssue, FormError):
        return None
    return await ask_notifier(deps.broker, preview_question(plan, deps.clock.now(), forms))
