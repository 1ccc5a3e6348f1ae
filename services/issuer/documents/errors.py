class DocumentError(ValueError):
    """A file that cannot be read as a directive document; the message says why, plainly."""
