"""Report forms: what a reporting requirement asks each unit for, how it is checked, and
how it adds up the hierarchy (see model.py)."""

from shared.forms.model import (
    Aggregation,
    Choice,
    DaysLate,
    FieldType,
    Form,
    FormField,
)
from shared.forms.registry import (
    DEFAULT_FORM,
    PLAN_FORM,
    FormError,
    builtin,
    default_form_for,
    issued_form,
    read_forms,
    resolve,
    store_forms,
)
from shared.forms.values import Checked, Upload, check, computed

__all__ = [
    "DEFAULT_FORM",
    "PLAN_FORM",
    "Aggregation",
    "Checked",
    "Choice",
    "DaysLate",
    "FieldType",
    "Form",
    "FormError",
    "FormField",
    "Upload",
    "builtin",
    "check",
    "computed",
    "default_form_for",
    "issued_form",
    "read_forms",
    "resolve",
    "store_forms",
]
