"""The form model lives with the contracts (``shared/contracts/forms.py``): a form
travels inside ``directive.issued``. Re-exported here for the forms package.

Besides its fields, a form says how its synthesis counts a late report's days late
(``days_late``): calendar days, as by default, or working days, as the many Vietnamese
administrative time limits written in working days count them."""

from shared.contracts.forms import (
    CHOOSING,
    DEFAULT_AGGREGATION,
    MAX_ATTACHMENT_BYTES,
    NUMERIC,
    Aggregation,
    Choice,
    DaysLate,
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
    "DaysLate",
    "FieldType",
    "Form",
    "FormField",
]
