"""Reading the event log directly: the latest message on a subject is the current state
of what that subject names (an assignment, a unit's report)."""

from __future__ import annotations

from typing import TypeVar

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import BaseModel

from shared.availability import until_available

Model = TypeVar("Model", bound=BaseModel)


async def last_event(
    js: JetStreamContext, stream: str, subject: str, model: type[Model]
) -> tuple[Model, int] | None:
    """The latest event on ``subject`` and its stream sequence, or None."""
    found = await last_event_with_headers(js, stream, subject, model)
    return (found[0], found[1]) if found else None


async def last_event_with_headers(
    js: JetStreamContext, stream: str, subject: str, model: type[Model]
) -> tuple[Model, int, dict[str, str]] | None:
    """The same, with the message's headers (the trace context it was published in)."""
    try:
        msg = await until_available(
            lambda: js.get_last_msg(stream, subject, direct=True), f"reading {subject}"
        )
    except NotFoundError:
        return None
    return model.model_validate_json(msg.data or b""), msg.seq or 0, dict(msg.headers or {})
