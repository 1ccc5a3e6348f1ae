"""Error kinds handlers raise so that the broker treats a message the right way."""


class PermanentError(Exception):
    """Retrying cannot help (bad data, a mailbox the server rejects): the message is
    terminated and lands in the dead-letter stream with this reason."""


class TransientError(Exception):
    """A dependency is briefly unavailable: the message is redelivered after a backoff."""
