"""The form model lives with the contracts (``shared/contracts/forms.py``): a form
travels inside ``directive.issued``. Re-exported here for the forms package."""

from shared.contracts.forms import (
    CHOOSING,
    DEFAULT_AGGREGATION,
    MAX_ATTACHMENT_BYTES,
    NUMERIC,
    Aggregation,
    Choice,
    FieldType,
    Form,
    FormField,
)

__all__ = [
    "CHOOSING",
    "DEFAULT_AGGREGATION",
    "MAX_ATTACHMENT_BYTES",
    "NUMERIC",
    "Aggregation",
    "Choice",
    "FieldType",
    "Form",
    "FormField",
]
