"""Reading the event log directly: the latest message on a subject is the current state
of what that subject names (an assignment, a unit's report)."""

from __future__ import annotations

from typing import TypeVar

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)


async def last_event(
    js: JetStreamContext, stream: str, subject: str, model: type[Model]
) -> tuple[Model, int] | None:
    """The latest event on ``subject`` and its stream sequence, or None."""
    try:
        msg = await js.get_last_msg(stream, subject, direct=True)
    except NotFoundError:
        return None
    return model.model_validate_json(msg.data), msg.seq
