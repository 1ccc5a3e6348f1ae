"""What a use case says when it refuses: named errors, never HTTP status codes.

A handler raises one of these; the edge decides what it means there. An HTTP app answers
each kind with its status (``HTTP_STATUS``, applied by ``shared.service``) and the message
in plain words, a page with its own Vietnamese text; a subscriber or a timer goes by
``permanent``: a permanent refusal is recorded as a dead letter with its reason (retrying
the same message cannot change it), a transient one is redelivered after a pause.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused the request. ``message`` is for the person who sent it (English on
    the API, as every chidao API answers); ``details`` go into the JSON answer."""

    permanent = True

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """What the request names does not exist (a directive, a unit, a requirement, a
    report not yet submitted)."""


class Unauthenticated(DomainError):
    """No valid session, API token or operator token: sign in first."""


class Forbidden(DomainError):
    """The one asking may not do this (a unit reporting on what it was not assigned)."""


class Invalid(DomainError):
    """What was sent breaks a rule of its own: ``problems`` maps each field to what is
    wrong with it, in the words the form shows."""

    def __init__(self, message: str, problems: dict[str, str] | None = None, **details: Any):
        super().__init__(message, **({"problems": problems} if problems else {}), **details)
        self.problems = problems or {}


class Conflict(DomainError):
    """The request contradicts what is already recorded (a report already accepted, a
    directive issued with different content, nothing above to send a synthesis to)."""


class Busy(Conflict):
    """Another request changed the same record at the same moment, more times than a
    retry could absorb; sending it again will work."""

    permanent = False


class RateLimited(DomainError):
    """Too many attempts in a short time (failed sign-ins): wait before trying again."""


class PermanentError(DomainError):
    """Retrying cannot help (bad data, a mailbox the server rejects): the message is
    terminated and lands in the dead-letter stream with this reason."""


# What an HTTP API answers for each kind; the first match along the class's MRO wins.
HTTP_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    Forbidden: 403,
    Invalid: 422,
    RateLimited: 429,
    Busy: 409,
    Conflict: 409,
    DomainError: 422,
}


def http_status(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 422
