"""Signed submission links: one unit, one requirement, one directive, until a deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import SecretStr, ValidationError

from shared.clock import Clock
from shared.links import LinkError, Links
from shared.settings import DEVELOPMENT_LINK_SECRET, Settings

DUE = datetime.fromisoformat("2024-12-10T00:00:00+07:00")
ISSUED = datetime.fromisoformat("2024-06-19T08:00:00+07:00")


def _clock_at(instant: datetime) -> Clock:
    return Clock(start=instant, factor=1.0)


def _long(name: str) -> str:
    """A distinct secret per name, long enough to be accepted (32 bytes at least)."""
    return f"{name}-secret-made-long-enough-for-the-check"


def _links(at: datetime, secrets=("current",), grace_days=30.0) -> Links:
    settings = Settings(
        link_secrets=[SecretStr(_long(s)) for s in secrets],
        link_grace_days=grace_days,
        public_url="https://chidao.example.org/",
    )
    return Links(settings, _clock_at(at))


def test_a_link_opens_the_units_own_requirement_of_its_directive():
    links = _links(at=DUE - timedelta(days=3))
    url = links.url("101-kh-du--du-snv", "cb-vp", "r1", DUE, ISSUED)
    assert url.startswith("https://chidao.example.org/r/") and url.isascii()
    claims = links.verify(url.rsplit("/", 1)[1])
    assert (claims.directive_id, claims.unit_id, claims.requirement_id) == (
        "101-kh-du--du-snv",
        "cb-vp",
        "r1",
    )
    assert claims.expires_at == DUE + timedelta(days=30)


def test_changing_any_character_of_the_token_makes_it_invalid():
    links = _links(at=ISSUED)
    token = links.token("d1", "cb-vp", "r1", DUE, ISSUED)
    for i in range(len(token)):
        replacement = "A" if token[i] != "A" else "B"
        tampered = token[:i] + replacement + token[i + 1 :]
        with pytest.raises(LinkError) as refused:
            links.verify(tampered)
        assert refused.value.reason == "invalid"


def test_a_token_for_another_unit_cannot_be_made_by_editing_the_claims():
    import base64
    import json

    links = _links(at=ISSUED)
    token = links.token("d1", "cb-vp", "r1", DUE, ISSUED)
    payload, _, signature = token.partition(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["u"] = "cb-other"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(LinkError, match="invalid"):
        links.verify(f"{forged}.{signature}")


def test_a_link_expires_once_the_deadline_and_the_grace_period_are_over():
    token = _links(at=ISSUED, grace_days=2).token("d1", "cb-vp", "r1", DUE, ISSUED)
    assert _links(at=DUE + timedelta(days=2) - timedelta(minutes=1), grace_days=2).verify(token)
    with pytest.raises(LinkError) as refused:
        _links(at=DUE + timedelta(days=2), grace_days=2).verify(token)
    assert refused.value.reason == "expired"


def test_a_link_made_after_its_deadline_still_lasts_the_grace_from_when_it_was_made():
    """A directive issued past its deadline (the operator's --allow-past): its links are
    not dead on arrival."""
    late = DUE + timedelta(days=700)
    token = _links(at=late, grace_days=30).token("d1", "cb-vp", "r1", DUE, late)
    assert _links(at=late + timedelta(days=29), grace_days=30).verify(token)
    with pytest.raises(LinkError):
        _links(at=late + timedelta(days=30, minutes=1), grace_days=30).verify(token)


def test_a_rotated_key_keeps_old_links_working_and_signs_new_ones():
    old = _links(at=ISSUED, secrets=("old",)).token("d1", "cb-vp", "r1", DUE, ISSUED)
    rotated = _links(at=ISSUED, secrets=("new", "old"))
    assert rotated.verify(old).unit_id == "cb-vp"
    fresh = rotated.token("d1", "cb-vp", "r1", DUE, ISSUED)
    assert _links(at=ISSUED, secrets=("new",)).verify(fresh).unit_id == "cb-vp"
    with pytest.raises(LinkError, match="invalid"):
        _links(at=ISSUED, secrets=("old",)).verify(fresh)
    with pytest.raises(LinkError, match="invalid"):
        _links(at=ISSUED, secrets=("new",)).verify(old)  # once the old key is dropped


def test_the_secrets_and_reminder_days_read_from_comma_separated_variables(monkeypatch):
    monkeypatch.setenv("CHIDAO_LINK_SECRETS", f"{_long('new')}, {_long('old')}")
    monkeypatch.setenv("CHIDAO_REMINDER_DAYS", "10,5,1")
    settings = Settings()
    assert [s.get_secret_value() for s in settings.link_secrets] == [_long("new"), _long("old")]
    assert settings.reminder_days == ["10", "5", "1"]


@pytest.mark.parametrize(
    ("variable", "complaint"),
    [
        (",", "empty"),
        ("", "empty"),
        ("x", "secret number 1 is 1 bytes long"),
        (f"{_long('new')},short", "secret number 2 is 5 bytes long"),
    ],
)
def test_empty_or_short_link_secrets_are_refused_at_start(monkeypatch, variable, complaint):
    # Before the check, CHIDAO_LINK_SECRETS="," started and failed at the first signing,
    # and a one-character secret signed links anyone could forge.
    monkeypatch.setenv("CHIDAO_LINK_SECRETS", variable)
    with pytest.raises(ValidationError, match=complaint):
        Settings()


def test_the_development_secret_itself_passes_the_check():
    assert Settings().link_secrets[0].get_secret_value() == DEVELOPMENT_LINK_SECRET
