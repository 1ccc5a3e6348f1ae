"""Where forms come from: the built-in ones shipped in ``shared/forms/builtin/``, and
the organisation's own loaded with ``chidao forms load FILE`` into the ``chidao_forms``
bucket (which win over a built-in form of the same id)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError
from pydantic import ValidationError

from shared.contracts.directives import ReportingRequirement
from shared.contracts.events import DirectiveIssued
from shared.forms.model import Form
from shared.kv import get_value
from shared.topology import FORMS

BUILTIN = Path(__file__).parent / "builtin"
DEFAULT_FORM = "sinh-hoat-chinh-tri"
PLAN_FORM = "van-ban-trien-khai"


class FormError(ValueError):
    pass


def default_form_for(requirement: ReportingRequirement) -> str:
    """The built-in form a requirement gets when its directive names none."""
    return PLAN_FORM if requirement.asks_for_a_plan else DEFAULT_FORM


def issued_form(issued: DirectiveIssued, requirement: ReportingRequirement) -> Form:
    """The form a requirement went out with (or, for a directive issued before forms,
    the built-in form its action calls for): what the unit's page asks for, what its
    mail announces and how its values add up."""
    return issued.form_of(requirement.id) or builtin()[default_form_for(requirement)]


def read_forms(path: Path) -> list[Form]:
    """One form, or ``forms: [...]``, from a YAML file; clear errors for bad ones."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FormError(f"cannot read {path}: {exc}") from exc
    items = data.get("forms", [data]) if isinstance(data, dict) else None
    if not items:
        raise FormError(f"{path} holds no form (expected 'id', 'title', 'fields')")
    forms = []
    for index, item in enumerate(items, start=1):
        try:
            forms.append(Form.model_validate(item))
        except ValidationError as exc:
            where = item.get("id", f"#{index}") if isinstance(item, dict) else f"#{index}"
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()
            )
            raise FormError(f"form {where} in {path.name} is not valid: {problems}") from exc
    return forms


@cache
def builtin() -> dict[str, Form]:
    forms: dict[str, Form] = {}
    for path in sorted(BUILTIN.glob("*.yaml")):
        for form in read_forms(path):
            forms[form.id] = form
    return forms


def _key(form_id: str) -> str:
    return f"form.{form_id}"


async def store_forms(js: JetStreamContext, forms: list[Form]) -> None:
    kv = await js.key_value(FORMS.name)
    for form in forms:
        await kv.put(_key(form.id), form.model_dump_json().encode())


async def resolve(js: JetStreamContext | None, form_ids: set[str]) -> dict[str, Form]:
    """The forms named, the organisation's own first; FormError names the unknown ones."""
    found: dict[str, Form] = {}
    kv = None
    if js is not None:
        try:
            kv = await js.key_value(FORMS.name)
        except BucketNotFoundError:
            kv = None
    for form_id in sorted(form_ids):
        value = await get_value(kv, _key(form_id)) if kv is not None else None
        if value:
            found[form_id] = Form.model_validate_json(value)
        elif form_id in builtin():
            found[form_id] = builtin()[form_id]
    unknown = sorted(form_ids - set(found))
    if unknown:
        known = sorted(set(builtin()))
        raise FormError(
            f"unknown report form {', '.join(repr(u) for u in unknown)}; built-in forms: "
            f"{', '.join(known)} (load others with chidao forms load FILE)"
        )
    return found
