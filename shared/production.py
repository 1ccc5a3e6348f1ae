"""What a service refuses to start with when ``CHIDAO_ENV=production``.

Every default of ``shared.settings`` is chosen so that the embedded runtime and the tests
run with no configuration at all; several of them would open a real deployment to
anyone (a link secret printed in this repository signs links for every unit, a session
secret anyone can read forges any staff session). In production a forgotten variable
must stop the service with a sentence saying what to set, never start it open.

``shared.service.Service`` calls ``refuse_unsafe`` before it connects or listens;
``chidao serve`` prints the problems and exits with code 2."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from shared.settings import (
    DEVELOPMENT_LINK_SECRET,
    DEVELOPMENT_ORIGINALS_SECRET,
    DEVELOPMENT_SESSION_SECRET,
    MIN_LINK_SECRET_BYTES,
    Settings,
    split_servers,
)

MAKE_ONE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))' makes one"
# What deploy/kubernetes/base/secret.template.yaml puts where each real secret goes: a
# template applied as it is would otherwise pass, its values being long enough.
PLACEHOLDER = "CHANGE-ME"


class UnsafeSettings(ValueError):
    """The settings are unsafe for production; ``problems`` says each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _values(*secrets: SecretStr | list[SecretStr] | None) -> list[str]:
    flat: list[SecretStr] = []
    for secret in secrets:
        flat.extend(secret if isinstance(secret, list) else [secret] if secret else [])
    return [s.get_secret_value() for s in flat]


def _nats_passwords(nats_url: str) -> list[str]:
    return [
        unquote(parts.password)
        for parts in map(urlsplit, split_servers(nats_url))
        if parts.password is not None
    ]


def unsafe_settings(settings: Settings, service: str | None = None) -> list[str]:
    """Each problem as one sentence naming the variable to set and how; [] when safe.
    Whatever ``CHIDAO_ENV`` says: ``refuse_unsafe`` decides when it matters. ``service``:
    the one that starts, for the settings only it uses (the issuer's originals secret)."""
    problems = _own(settings, service)
    if DEVELOPMENT_LINK_SECRET in _values(settings.link_secrets):
        problems.append(
            "CHIDAO_LINK_SECRETS holds the development link secret, which anyone can read "
            f"in the source: set your own secret of {MIN_LINK_SECRET_BYTES} bytes or more "
            f"({MAKE_ONE})."
        )
    if DEVELOPMENT_SESSION_SECRET in _values(settings.session_secrets):
        problems.append(
            "CHIDAO_SESSION_SECRETS holds the development session secret, with which anyone "
            f"could forge a staff session: set your own secret of {MIN_LINK_SECRET_BYTES} "
            f"bytes or more ({MAKE_ONE})."
        )
    if not settings.cookie_secure:
        problems.append(
            "CHIDAO_COOKIE_SECURE is false, so session cookies would also travel over plain "
            "HTTP: set CHIDAO_COOKIE_SECURE=true and serve the staff site over HTTPS."
        )
    if settings.oidc_issuer is not None:
        if urlsplit(settings.oidc_issuer).scheme != "https":
            problems.append(
                f"CHIDAO_OIDC_ISSUER is {settings.oidc_issuer!r}, not an https:// address: "
                "set the OpenID provider's https:// issuer URL (tokens and the sign-in must "
                "not travel in clear)."
            )
        if not "".join(_values(settings.oidc_client_secret)):
            problems.append(
                "CHIDAO_OIDC_CLIENT_SECRET is not set while CHIDAO_OIDC_ISSUER is: set the "
                "client secret the OpenID provider gave chidao's client."
            )
    if settings.operator_token is not None:
        size = len(settings.operator_token.get_secret_value().encode("utf-8"))
        if size < MIN_LINK_SECRET_BYTES:
            problems.append(
                f"CHIDAO_OPERATOR_TOKEN is {size} bytes long: set one of "
                f"{MIN_LINK_SECRET_BYTES} bytes or more ({MAKE_ONE}), or unset it to accept "
                "no operator token."
            )
    placeholders = {
        "CHIDAO_LINK_SECRETS": _values(settings.link_secrets),
        "CHIDAO_SESSION_SECRETS": _values(settings.session_secrets),
        "CHIDAO_OPERATOR_TOKEN": _values(settings.operator_token),
        "CHIDAO_SMTP_PASSWORD": [settings.smtp_password_value or ""],
        "CHIDAO_OIDC_CLIENT_SECRET": _values(settings.oidc_client_secret),
        "CHIDAO_NATS_URL": _nats_passwords(settings.nats_url),
    }
    for variable, values in placeholders.items():
        if any(PLACEHOLDER in value for value in values):
            problems.append(
                f"{variable} still holds the template's {PLACEHOLDER} placeholder "
                "(deploy/kubernetes/base/secret.template.yaml): set the real value."
            )
    return problems


def _own(settings: Settings, service: str | None) -> list[str]:
    if service != "issuer":
        return []
    secret = settings.originals_secret.get_secret_value()
    if PLACEHOLDER in secret:
        return [
            f"CHIDAO_ORIGINALS_SECRET still holds the template's {PLACEHOLDER} placeholder "
            "(deploy/kubernetes/base/secret.template.yaml): set the real value."
        ]
    if secret == DEVELOPMENT_ORIGINALS_SECRET:
        return [
            "CHIDAO_ORIGINALS_SECRET holds the development secret, with which anyone could "
            "open the sealed originals of secret directives: set your own secret of "
            f"{MIN_LINK_SECRET_BYTES} bytes or more ({MAKE_ONE})."
        ]
    if len(secret.encode("utf-8")) < MIN_LINK_SECRET_BYTES:
        return [
            f"CHIDAO_ORIGINALS_SECRET is shorter than {MIN_LINK_SECRET_BYTES} bytes: set one "
            f"of {MIN_LINK_SECRET_BYTES} bytes or more ({MAKE_ONE})."
        ]
    return []


def refuse_unsafe(settings: Settings, service: str | None = None) -> None:
    """Raise ``UnsafeSettings`` with every problem when ``CHIDAO_ENV=production``."""
    if settings.env != "production":
        return
    problems = unsafe_settings(settings, service)
    if problems:
        raise UnsafeSettings(problems)
