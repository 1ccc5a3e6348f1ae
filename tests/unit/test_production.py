"""shared.production: with CHIDAO_ENV=production a service refuses each unsafe default,
says which variable to set, and accepts settings that are safe."""

from __future__ import annotations

import pytest

from shared import production
from shared.settings import DEVELOPMENT_LINK_SECRET, DEVELOPMENT_SESSION_SECRET, Settings

STRONG = "a-real-secret-of-more-than-32-bytes-0123456789"
OTHER = "another-real-secret-of-more-than-32-bytes-9876"


def safe(**changes: object) -> Settings:
    """Settings that production accepts, with ``changes`` on top."""
    values: dict[str, object] = {
        "env": "production",
        "link_secrets": STRONG,
        "session_secrets": OTHER,
        "cookie_secure": True,
        "nats_url": "tls://issuer:s3cret-password@nats:4222",
        **changes,
    }
    return Settings(**values)  # type: ignore[arg-type]


def problems(**changes: object) -> list[str]:
    return production.unsafe_settings(safe(**changes))


def only(found: list[str], variable: str) -> str:
    assert len(found) == 1, found
    assert variable in found[0], found
    return found[0]


def test_safe_settings_start():
    assert problems() == []
    production.refuse_unsafe(safe())
    production.refuse_unsafe(
        safe(
            oidc_issuer="https://sso.example.org/realms/chidao",
            oidc_client_secret="client-secret",
            operator_token=STRONG,
        )
    )


def test_the_development_link_secret_is_refused_even_beside_a_real_one():
    message = only(problems(link_secrets=f"{STRONG},{DEVELOPMENT_LINK_SECRET}"), "LINK_SECRETS")
    assert "CHIDAO_LINK_SECRETS" in message and "32 bytes" in message


def test_the_development_session_secret_is_refused():
    only(problems(session_secrets=DEVELOPMENT_SESSION_SECRET), "CHIDAO_SESSION_SECRETS")


def test_cookies_without_secure_are_refused():
    message = only(problems(cookie_secure=False), "CHIDAO_COOKIE_SECURE")
    assert "CHIDAO_COOKIE_SECURE=true" in message


def test_oidc_without_tls_is_refused():
    message = only(
        problems(oidc_issuer="http://sso.example.org/realms/chidao", oidc_client_secret="x"),
        "CHIDAO_OIDC_ISSUER",
    )
    assert "https://" in message


def test_oidc_without_a_client_secret_is_refused():
    only(problems(oidc_issuer="https://sso.example.org/realms/chidao"), "CHIDAO_OIDC_CLIENT_SECRET")


@pytest.mark.parametrize("token", ["short", "x" * 31])
def test_a_short_operator_token_is_refused(token):
    message = only(problems(operator_token=token), "CHIDAO_OPERATOR_TOKEN")
    assert f"{len(token)} bytes" in message


def test_no_operator_token_is_fine():
    assert problems(operator_token=None) == []


@pytest.mark.parametrize(
    ("variable", "change"),
    [
        ("CHIDAO_LINK_SECRETS", {"link_secrets": "CHANGE-ME-newest-link-secret-of-32-bytes"}),
        ("CHIDAO_SESSION_SECRETS", {"session_secrets": "CHANGE-ME-session-secret-of-32-bytes"}),
        ("CHIDAO_OPERATOR_TOKEN", {"operator_token": "CHANGE-ME-operator-token-of-32-bytes"}),
        ("CHIDAO_SMTP_PASSWORD", {"smtp_password": "CHANGE-ME"}),
        ("CHIDAO_NATS_URL", {"nats_url": "tls://issuer:CHANGE-ME-issuer@nats:4222"}),
    ],
)
def test_the_secret_templates_placeholders_are_refused(variable, change):
    only(problems(**change), variable)


def test_development_refuses_nothing():
    production.refuse_unsafe(Settings(env="development"))


def test_production_with_the_defaults_names_every_variable_to_set():
    with pytest.raises(production.UnsafeSettings) as refused:
        production.refuse_unsafe(Settings(env="production"))
    text = str(refused.value)
    for variable in ("CHIDAO_LINK_SECRETS", "CHIDAO_SESSION_SECRETS", "CHIDAO_COOKIE_SECURE"):
        assert variable in text
    assert len(refused.value.problems) == 3
    assert isinstance(refused.value, ValueError)


def test_the_issuer_alone_needs_its_own_originals_secret():
    """The issuer seals secret directives' originals: the development secret, a short one
    or the template's placeholder stop it; the other services never read the variable."""
    issuer = production.unsafe_settings(safe(), "issuer")
    assert "CHIDAO_ORIGINALS_SECRET" in only(issuer, "CHIDAO_ORIGINALS_SECRET")
    assert production.unsafe_settings(safe(), "notifier") == []
    short = production.unsafe_settings(safe(originals_secret="short"), "issuer")
    assert "32 bytes" in only(short, "CHIDAO_ORIGINALS_SECRET")
    template = production.unsafe_settings(safe(originals_secret="CHANGE-ME-x" * 4), "issuer")
    assert "CHANGE-ME" in only(template, "CHIDAO_ORIGINALS_SECRET")
    assert production.unsafe_settings(safe(originals_secret=STRONG + "x"), "issuer") == []
    with pytest.raises(production.UnsafeSettings):
        production.refuse_unsafe(safe(), "issuer")
