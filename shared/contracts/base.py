"""Building blocks of every contract: frozen models, ASCII ids, NFC text."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from shared.slugs import SLUG_PATTERN

SCHEMA_VERSION: Literal[1] = 1


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


# Vietnamese text as people read it, always stored in NFC so that equal words compare equal.
Text = Annotated[str, AfterValidator(_nfc)]
# An ASCII identifier that may appear in a NATS subject, a header or a KV key.
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]


class Contract(BaseModel):
    """Immutable, strict about unknown fields, serialised by alias (``schema``)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )
