"""The staff's session: a cookie holding the account's name and how it signed in,
signed with HMAC (itsdangerous, key rotation as for the signed links) and dated, so that
it expires after ``session_hours`` whatever the browser keeps. HttpOnly (no script reads
it), SameSite=Lax (another site's form does not carry it), Secure where configured
(always in production). Nothing else is kept server-side: disabling an account, or
"log out everywhere", moves its ``valid_after`` past the session's date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from shared.settings import Settings

COOKIE = "chidao_session"
SALT = "chidao.session.v1"
MAX_COOKIE_CHARS = 4096


@dataclass(frozen=True)
class SessionClaims:
    username: str
    via: str  # "password" or "oidc"
    issued_at: datetime
    # from the provider's claims, when the account is not one of chidao's own
    unit_id: str | None = None
    roles: tuple[str, ...] = ()
    display_name: str | None = None


class Sessions:
    def __init__(self, settings: Settings) -> None:
        keys = [s.get_secret_value() for s in settings.session_secrets]
        self._serializer = URLSafeTimedSerializer(list(reversed(keys)), salt=SALT)
        self.max_age = int(settings.session_hours * 3600)
        self.secure = settings.cookie_secure

    def start(self, response: Response, claims: SessionClaims) -> None:
        value = self._serializer.dumps(
            {
                "u": claims.username,
                "v": claims.via,
                "unit": claims.unit_id,
                "roles": list(claims.roles),
                "name": claims.display_name,
            }
        )
        response.set_cookie(
            COOKIE,
            value,
            max_age=self.max_age,
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/",
        )

    def end(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure)

    def read(self, cookie: str | None) -> SessionClaims | None:
        if not cookie or len(cookie) > MAX_COOKIE_CHARS:
            return None
        try:
            data, signed_at = self._serializer.loads(
                cookie, max_age=self.max_age, return_timestamp=True
            )
            return SessionClaims(
                username=str(data["u"]),
                via=str(data["v"]),
                issued_at=signed_at.astimezone(UTC)
                if signed_at.tzinfo
                else signed_at.replace(tzinfo=UTC),
                unit_id=data.get("unit"),
                roles=tuple(str(r) for r in data.get("roles") or ()),
                display_name=data.get("name"),
            )
        except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
            return None


def now() -> datetime:
    # Sessions and tokens run on the real clock, never on a simulated one: the demo's
    # four days a second must not expire a staff member's session in two seconds.
    return datetime.now(UTC)
