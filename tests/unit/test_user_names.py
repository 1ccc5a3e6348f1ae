"""What a user name may be: what a person types to sign in, and the key of the account in
its KV bucket, which NATS refuses when it ends with '.' or holds '..'."""

from __future__ import annotations

import pytest

from shared.auth.accounts import account_key, is_username


@pytest.mark.parametrize(
    "name", ["vanthu.snv", "chuyenvien.duk", "an.nguyen@snv", "cb-01_vp", "ab", "a" * 64]
)
def test_a_user_name_of_letters_and_digits_with_single_separators_is_taken(name):
    assert is_username(name)
    assert not account_key(name).endswith(".") and ".." not in account_key(name)


@pytest.mark.parametrize(
    "name", ["0_.", "van..thu", "vanthu.", ".vanthu", "a", "a" * 65, "Vanthu", "văn.thư", "a b"]
)
def test_a_user_name_nats_could_not_key_or_a_person_could_mistype_is_refused(name):
    assert not is_username(name)
