"""shared/slugs.py and shared/subjects.py: Vietnamese names become ASCII before any subject."""

from __future__ import annotations

import unicodedata

import pytest

from shared import subjects
from shared.contracts import directive_id
from shared.slugs import fold, is_slug, slugify


def test_slugify_document_ref():
    assert slugify("101-KH/ĐU") == "101-kh-du"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Đảng ủy Sở Nội vụ", "dang-uy-so-noi-vu"),
        ("đường", "duong"),
        ("Ư ư Ơ ơ Ă ă Â â Ê ê Ô ô", "u-u-o-o-a-a-a-a-e-e-o-o"),
        ("Thường trực Tỉnh ủy Hưng Yên", "thuong-truc-tinh-uy-hung-yen"),
        ("  --Chi bộ 3--  ", "chi-bo-3"),
    ],
)
def test_slugify_folds_vietnamese_letters(text, slug):
    assert slugify(text) == slug


def test_slugify_folds_decomposed_input_the_same():
    composed = "Đảng ủy Khối"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert slugify(decomposed) == slugify(composed) == "dang-uy-khoi"


def test_fold_keeps_spaces_and_lowercases():
    assert fold("Đảng ủy Khối") == "dang uy khoi"


@pytest.mark.parametrize("text", ["!!!", "", "   ", "—/–"])
def test_slugify_refuses_text_without_letters_or_digits(text):
    with pytest.raises(ValueError, match="no letters or digits"):
        slugify(text)


def test_slugify_output_is_always_a_valid_slug_even_when_long():
    slug = slugify("Ban Tuyên giáo " * 30)
    assert len(slug) <= 128
    assert is_slug(slug)


@pytest.mark.parametrize("text", ["du-so-noi-vu-hy", "r1", "chi_bo-3", "a"])
def test_is_slug_accepts_ascii_ids(text):
    assert is_slug(text)


@pytest.mark.parametrize("text", ["Đảng-ủy", "a.b", "a b", "Abc", "-a", "a-", "", "a*", "a>"])
def test_is_slug_refuses_the_rest(text):
    assert not is_slug(text)


def test_directive_id_joins_ref_slug_and_issuer():
    assert directive_id("101-KH/ĐU", "du-so-noi-vu-hy") == "101-kh-du--du-so-noi-vu-hy"


def test_subject_builders_produce_ascii_subjects():
    built = [
        subjects.directive_issued("101-kh-du--du-so-noi-vu-hy"),
        subjects.assignment_created("101-kh-du--du-so-noi-vu-hy", "cb-snv-van-phong", "r1"),
        subjects.report_submitted("101-kh-du--du-so-noi-vu-hy", "cb-snv-van-phong", "r1"),
        subjects.synthesis_updated("101-kh-du--du-so-noi-vu-hy", "cb-snv-van-phong", "r1"),
    ]
    assert built == [
        "chidao.directive.issued.101-kh-du--du-so-noi-vu-hy",
        "chidao.assignment.created.101-kh-du--du-so-noi-vu-hy.cb-snv-van-phong.r1",
        "chidao.report.submitted.101-kh-du--du-so-noi-vu-hy.cb-snv-van-phong.r1",
        "chidao.synthesis.updated.101-kh-du--du-so-noi-vu-hy.cb-snv-van-phong.r1",
    ]
    assert all(subject.isascii() for subject in built)


@pytest.mark.parametrize("bad", ["Đảng ủy Sở Nội vụ", "101-KH/ĐU", "cb.van-phong", "chi bo", "CB1"])
def test_subject_builders_refuse_non_slug_ids(bad):
    with pytest.raises(ValueError, match="not an ASCII slug"):
        subjects.directive_issued(bad)
    with pytest.raises(ValueError, match="not an ASCII slug"):
        subjects.assignment_created("d1", bad, "r1")
    with pytest.raises(ValueError, match="not an ASCII slug"):
        subjects.report_submitted("d1", "u1", bad)
    with pytest.raises(ValueError, match="not an ASCII slug"):
        subjects.synthesis_updated(bad, "u1", "r1")


def test_all_of_is_a_wildcard_under_the_prefix():
    assert subjects.all_of(subjects.REPORT_SUBMITTED) == "chidao.report.submitted.>"
