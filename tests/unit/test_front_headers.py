"""What the front tells a service about the request it forwards: the browser's own Host
(a service builds its absolute URLs, the OpenID callback's, from it), and the client's
address set by the front itself, whatever the client claimed."""

from __future__ import annotations

from starlette.requests import Request

from chidao.runtime.front import _forwarded_headers


def _request(headers: dict[str, str]) -> Request:
    return Request({
        "type": "http", "method": "GET", "path": "/", "scheme": "http",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("203.0.113.7", 50000), "server": ("127.0.0.1", 8080),
    })  # fmt: skip


def test_the_browsers_host_is_forwarded_and_its_claimed_address_is_not():
    claimed = {
        "host": "chidao.tinhuy.example.vn", "x-forwarded-for": "10.0.0.1",
        "connection": "keep-alive", "cookie": "chidao_session=abc",
    }  # fmt: skip
    sent = _forwarded_headers(_request(claimed))
    assert ("host", "chidao.tinhuy.example.vn") in sent
    assert [v for k, v in sent if k == "x-forwarded-for"] == ["203.0.113.7"]
    assert ("cookie", "chidao_session=abc") in sent
    assert not [k for k, _ in sent if k == "connection"]
