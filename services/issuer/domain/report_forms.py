"""Which report form each requirement of a directive names."""

from __future__ import annotations

from shared.contracts import Directive
from shared.forms import DEFAULT_FORM, default_form_for


def with_forms(directive: Directive, results_form: str | None = None) -> Directive:
    """Every requirement names its report form: the one it names, else ``results_form``
    for a requirement to report results, else the form its action calls for (a plan to
    issue, or results to report)."""
    requirements = []
    for r in directive.requirements:
        if r.form is None:
            form = default_form_for(r)
            if results_form and form == DEFAULT_FORM:
                form = results_form
            r = r.model_copy(update={"form": form})
        requirements.append(r)
    return directive.model_copy(update={"requirements": requirements})
