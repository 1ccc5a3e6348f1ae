"""The events the reporter consumes: each subscriber translates and calls a handler."""

from __future__ import annotations

from services.reporter.handlers.filings import file_plan, file_synthesis
from shared import topology
from shared.contracts import DirectiveIssued, SynthesisApproved
from shared.errors import DomainError, PermanentError
from shared.service import Service


def subscribe(service: Service) -> None:
    @service.subscriber(topology.REPORTER_DIRECTIVES, batch_size=8)
    async def on_directive(event: DirectiveIssued) -> None:
        """A unit's own plan implementing a parent directive is its report on the
        parent's "ban hành kế hoạch ..." requirement."""
        await file_plan(service.deps, event)

    @service.subscriber(topology.REPORTER_APPROVALS, batch_size=8)
    async def on_approval(event: SynthesisApproved) -> None:
        """A unit's approved synthesis becomes its report on the parent's directive."""
        try:
            await file_synthesis(service.deps, event)
        except DomainError as exc:
            if not exc.permanent:
                raise  # another request at the same moment: redelivered
            # Nothing retrying can change: the reason goes to the dead-letter stream.
            raise PermanentError(f"the synthesis could not be filed: {exc.message}") from exc
