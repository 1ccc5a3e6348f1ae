"""CSRF protection of every form that changes state: asgi-csrf's double-submit token (a
signed ``csrftoken`` cookie, echoed by the form's first field or an ``x-csrftoken``
header). Requests without cookies, or with ``Authorization: Bearer``, carry no ambient
credential a foreign page could borrow, so asgi-csrf lets them through; the sign-in
routes are checked even without cookies (``always_protect``), against login CSRF.

One fix at the library boundary: asgi-csrf 0.11 hands python-multipart's ``FormParser``
a ``FileClass`` argument that python-multipart 0.0.2x no longer takes, so every
multipart form (the unit's report with its files) would fail inside the middleware.
``MultipartTokenParser`` is the part asgi-csrf needs, on python-multipart's streaming
``MultipartParser``: report each plain field, and refuse a file that comes before the
token (so a body is never buffered whole to find it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asgi_csrf
from fastapi import FastAPI
from python_multipart.multipart import MultipartParser, parse_options_header

from shared.settings import Settings
from shared.web import csrf_failed


class _Field:
    def __init__(self, name: bytes, value: bytes) -> None:
        self.field_name, self.value = name, value


class MultipartTokenParser:
    """What ``asgi_csrf._parse_multipart_form_data`` calls ``FormParser``."""

    def __init__(
        self,
        content_type: str,
        on_field: Callable[[Any], None],
        on_file: Any = None,
        boundary: bytes | str | None = None,
        FileClass: Any = None,  # asgi-csrf's keyword
        **_: Any,
    ) -> None:
        self._on_field = on_field
        self._header_name = b""
        self._headers: dict[bytes, bytes] = {}
        self._data: list[bytes] = []
        self._name: bytes | None = None
        self._parser = MultipartParser(
            boundary or b"",
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._end,
            },
        )

    def _begin(self) -> None:
        self._headers, self._data, self._name = {}, [], None

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name = data[start:end].lower()

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._headers[self._header_name] = (
            self._headers.get(self._header_name, b"") + data[start:end]
        )

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if b"filename" in options:
            raise asgi_csrf.FileBeforeToken()
        self._name = options.get(b"name", b"")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data.append(data[start:end])

    def _end(self) -> None:
        if self._name is not None:
            self._on_field(_Field(self._name, b"".join(self._data)))

    def write(self, data: bytes) -> int:
        return self._parser.write(data)


def install(app: FastAPI, settings: Settings, protect: set[str]) -> None:
    asgi_csrf.FormParser = MultipartTokenParser
    app.add_middleware(
        asgi_csrf.asgi_csrf,
        # the same on every service and replica: a page of one, a form posted to another
        signing_secret=settings.session_secrets[0].get_secret_value(),
        signing_namespace="chidao.csrf",
        cookie_secure=settings.cookie_secure,
        cookie_samesite="Lax",
        always_protect=protect,
        send_csrf_failed=csrf_failed,
    )
