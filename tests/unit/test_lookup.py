"""A clerk names a directive by its number-symbol and a unit by its name; a typo gets the
nearest names, several matches are listed (services/issuer/handlers/lookup.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.issuer.domain.records import DirectiveRecord, FanOutStatus
from services.issuer.handlers.lookup import find_directive, find_unit
from shared.contracts import Directive
from shared.directory import Directory, load_file
from shared.errors import Conflict, NotFound

DIRECTORY = Directory(load_file(Path(__file__).parents[2] / "chidao/demo/directory.yaml"))


def record(ref: str, issuer_unit: str) -> DirectiveRecord:
    directive = Directive(
        kind="KH",
        ref=ref,
        issued_on="2024-06-19",
        issuer_unit=issuer_unit,
        issuer=DIRECTORY.name(issuer_unit),
        title="Kế hoạch thử",
    )
    return DirectiveRecord(
        directive=directive,
        fingerprint="x",
        status=FanOutStatus.ISSUED,
        issued_at=datetime(2024, 6, 19, tzinfo=UTC),
        assignment_count=0,
        notices=[],
        warnings=[],
    )


RECORDS = [
    record("101-KH/ĐU", "du-so-noi-vu-hy"),
    record("153-KH/ĐUK", "duk-cqdn-hung-yen"),
    record("01-KH", "du-so-noi-vu-hy"),
    record("01-KH", "duk-cqdn-hung-yen"),
]


@pytest.mark.parametrize("typed", ["101-KH/ĐU", "101-kh/du", " 101 KH/ĐU", "101-kh-du"])
def test_a_number_symbol_as_clerks_type_it_names_the_directive(typed):
    assert find_directive(RECORDS, typed).directive.id == "101-kh-du--du-so-noi-vu-hy"


def test_an_id_still_names_the_directive():
    assert find_directive(RECORDS, "153-kh-duk--duk-cqdn-hung-yen").directive.ref == "153-KH/ĐUK"


def test_a_number_two_units_used_lists_both_and_the_issuer_chooses():
    with pytest.raises(Conflict) as refused:
        find_directive(RECORDS, "01-KH")
    assert "Có 2 văn bản số “01-KH”" in refused.value.message
    assert "--issuer" in refused.value.message
    chosen = find_directive(RECORDS, "01-KH", DIRECTORY.require("duk-cqdn-hung-yen"))
    assert chosen.directive.id == "01-kh--duk-cqdn-hung-yen"


def test_a_mistyped_number_is_refused_with_the_nearest():
    with pytest.raises(NotFound) as refused:
        find_directive(RECORDS, "101-KH/ĐUK")
    assert refused.value.message.startswith("Không có văn bản nào số “101-KH/ĐUK”")
    assert "Có phải: 101-KH/ĐU (Đảng ủy Sở Nội vụ)" in refused.value.message


@pytest.mark.parametrize(
    "typed", ["cb-snv-van-phong", "Chi bộ Văn phòng Sở", "chi bo van phong so", "van phong so noi"]
)
def test_a_unit_is_named_by_id_name_or_words_of_its_name(typed):
    assert find_unit(DIRECTORY, typed).id == "cb-snv-van-phong"


def test_words_that_fit_several_units_list_them():
    with pytest.raises(Conflict) as refused:
        find_unit(DIRECTORY, "Văn phòng Sở")  # of Nội vụ, of Kế hoạch và Đầu tư, ...
    assert "Chi bộ Văn phòng Sở (cb-snv-van-phong)" in refused.value.message
    assert "Chi bộ Văn phòng Sở Kế hoạch và Đầu tư (cb-skhdt-van-phong)" in refused.value.message
    assert refused.value.message.endswith("Ghi rõ tên hoặc mã đơn vị.")


def test_a_mistyped_unit_gets_suggestions():
    with pytest.raises(NotFound) as refused:
        find_unit(DIRECTORY, "Chi bộ Thanh tar Sở")
    assert "Có phải: Chi bộ Thanh tra Sở (cb-snv-thanh-tra)" in refused.value.message
    with pytest.raises(NotFound) as nothing:
        find_unit(DIRECTORY, "zzzz")
    assert nothing.value.message == "Không có đơn vị nào tên hoặc mã “zzzz”."
