"""What must never reach a log line: passwords in URLs, signed-link tokens, the
configured secrets (the campaign-wide check is tests/e2e/test_log_secrets.py)."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import SecretStr

from shared.settings import Settings
from shared.telemetry import Redactor, configure_logging

LINK_SECRET = "a-link-secret-that-is-at-least-32-bytes-long"
NATS_PASSWORD = "s3cret-nats-password"
SMTP_PASSWORD = "smtp-pass-word"
TOKEN = "eyJkIjoiMTAxLWtoLWR1LS1kdS1zby1ub2ktdnUtaHkiLCJ1IjoiY2IifQ.k2Vq5mQ3yK-8d0"


def _settings() -> Settings:
    return Settings(
        nats_url=f"nats://reporter:{NATS_PASSWORD}@nats-1:4222,nats://nats-2:4222",
        link_secrets=[SecretStr(LINK_SECRET)],
        smtp_password=SecretStr(SMTP_PASSWORD),
    )


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (f"connecting to nats://reporter:{NATS_PASSWORD}@nats-1:4222", "nats://reporter:***@"),
        (f'127.0.0.1:5312 - "GET /r/{TOKEN} HTTP/1.1" 200', '"GET /r/*** HTTP/1.1" 200'),
        (f"POST http://chidao.example.org/r/{TOKEN}?x=1", "/r/***?x=1"),
        (f"hmac key was {LINK_SECRET}!", "hmac key was ***!"),
        (f"535 auth failed for {SMTP_PASSWORD}", "auth failed for ***"),
        ("smtp://mailer:other-password@mail.example.org:587", "smtp://mailer:***@mail"),
    ],
)
def test_the_redactor_masks_each_kind_of_secret(line, kept):
    scrubbed = Redactor(_settings()).scrub(line)
    assert kept in scrubbed
    for secret in (NATS_PASSWORD, TOKEN, LINK_SECRET, SMTP_PASSWORD, "other-password"):
        assert secret not in scrubbed


def test_nothing_else_is_touched():
    line = "mail sent to cb-snv-van-phong for 101-kh-du--du-so-noi-vu-hy /reports/d/u/r1"
    assert Redactor(_settings()).scrub(line) == line


@pytest.fixture
def restored_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_every_rendered_line_is_scrubbed_extras_and_tracebacks_included(capsys, restored_logging):
    configure_logging(_settings(), "reporter")
    log = logging.getLogger("tests.redaction")
    # what uvicorn's access logger does: the path in the record's arguments
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "POST", f"/r/{TOKEN}", "1.1", 201
    )
    log.info("started", extra={"nats": f"nats://reporter:{NATS_PASSWORD}@nats-1:4222"})
    try:
        raise RuntimeError(f"could not sign with {LINK_SECRET}")
    except RuntimeError:
        log.exception("failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 3
    text = json.dumps(lines, ensure_ascii=False)
    for secret in (NATS_PASSWORD, TOKEN, LINK_SECRET):
        assert secret not in text
    assert lines[0]["event"].startswith('127.0.0.1:1 - "POST /r/*** HTTP/1.1"')
    assert lines[1]["nats"] == "nats://reporter:***@nats-1:4222"
    assert "could not sign with ***" in lines[2]["exception"]
