"""A file a unit chose in its form is kept when the form comes back for another field's
error: stored at once (by content hash, as a report's files are), shown as attached, and
named in the form by a signed reference, so the next send uses it without choosing it
again. The reference is bound to the unit's own link (directive, unit, requirement,
field): it cannot bring another unit's file into a report."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from services.reporter.deps import Deps
from shared.contracts import AttachedFile
from shared.forms import FieldType, Form, Upload
from shared.links import LinkClaims
from shared.objects import describe
from shared.settings import Settings

SALT = "chidao-kept-file"
FIELD = "kept-{name}"  # the hidden input that carries a kept file's reference


def _serializer(settings: Settings) -> URLSafeSerializer:
    secrets = [s.get_secret_value() for s in settings.link_secrets]
    return URLSafeSerializer(list(reversed(secrets)), salt=SALT)


def _ids(claims: LinkClaims, field: str) -> list[str]:
    return [claims.directive_id, claims.unit_id, claims.requirement_id, field]


async def keep(
    deps: Deps, claims: LinkClaims, form: Form, raw: dict[str, Any], problems: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """Each valid file of ``raw`` stored, by field: (its signed reference, its name)."""
    kept = {}
    for f in form.inputs:
        upload = raw.get(f.name)
        if f.type is not FieldType.ATTACHMENT or not isinstance(upload, Upload):
            continue
        if f.name in problems:
            continue  # the file itself was refused: nothing worth keeping
        attached = describe(upload.data, upload.filename, upload.content_type)
        await deps.attachments.store(attached, upload.data)
        signed = _serializer(deps.settings).dumps(
            {"k": _ids(claims, f.name), "a": attached.model_dump(mode="json")}
        )
        kept[f.name] = (signed, attached.filename)
    return kept


async def kept_uploads(
    deps: Deps, claims: LinkClaims, form: Form, posted: Any
) -> dict[str, tuple[Upload, str]]:
    """The files a form sent back names by reference (for the fields it sent no new file
    in): each as the upload it was, with its reference to keep naming it."""
    found = {}
    for f in form.inputs:
        signed = posted.get(FIELD.format(name=f.name))
        if f.type is not FieldType.ATTACHMENT or not isinstance(signed, str) or not signed:
            continue
        try:
            data = _serializer(deps.settings).loads(signed)
            if data.get("k") != _ids(claims, f.name):
                continue  # another unit's, another field's: ignored
            attached = AttachedFile.model_validate(data["a"])
        except (BadSignature, KeyError, TypeError, ValueError):
            continue
        content = await deps.attachments.fetch(attached)
        if content is not None:
            upload = Upload(attached.filename, attached.content_type, content)
            found[f.name] = (upload, signed)
    return found
