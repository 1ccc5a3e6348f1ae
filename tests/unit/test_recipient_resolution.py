"""Names in "Kính gửi" and "Nơi nhận" matched against the demo unit directory
(resolve.Resolver, ingest.resolve_document): abbreviations, names written without accents,
aliases, groups expanded to the child units of their kind, persons to their unit, superiors as
`report` recipients, "Như trên" as the addressees, and whatever matches nothing as a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.issuer.documents.ingest import resolve_document
from services.issuer.documents.parse import parse_lines
from services.issuer.documents.resolve import Resolver
from shared.contracts import RecipientRole, UnitKind
from shared.directory import Directory, load_file

ROOT = Path(__file__).parents[2]
DIRECTORY = Directory(load_file(ROOT / "chidao" / "demo" / "directory.yaml"))
RESOLVER = Resolver(DIRECTORY)


def units(text: str, issuer: str, ocr: bool = False) -> list[str]:
    return RESOLVER.match(text, issuer, ocr).unit_ids


def children(parent: str, *kinds: UnitKind) -> list[str]:
    return [c for c in DIRECTORY.children(parent) if DIRECTORY.require(c).kind in set(kinds)]


# -- abbreviations offices use -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "issuer", "expected"),
    [
        pytest.param("BTG Tỉnh ủy Lai Châu", "tu-lai-chau", "btg-tu-lai-chau", id="BTG"),
        pytest.param("Ban Tuyên giáo TU Lai Châu", "tu-lai-chau", "btg-tu-lai-chau", id="TU"),
        pytest.param("Ban Thường vụ HU Lâm Hà", "tu-lam-dong", "hu-lam-ha", id="HU"),
        pytest.param("Ban Thường vụ ĐU Sở Nội vụ", "duk-cqdn-hung-yen", "du-so-noi-vu-hy", id="ĐU"),
        pytest.param("Văn phòng ĐUK", "du-so-noi-vu-hy", "vp-duk-hung-yen", id="ĐUK"),
        pytest.param("ĐUK CQ-DN tỉnh Hưng Yên", "du-so-noi-vu-hy", "duk-cqdn-hung-yen", id="CQ-DN"),
        pytest.param(
            "Các đồng chí Ủy viên Ban Chấp hành Đảng bộ Khối",  # directory: "Các đ/c UVBCH ..."
            "btg-duk-dcd-can-tho",
            "bch-db-khoi-can-tho",
            id="UVBCH",
        ),
        pytest.param(
            "Ủy ban MTTQ Việt Nam tỉnh Lai Châu", "tu-lai-chau", "mttq-lai-chau", id="MTTQ"
        ),
        pytest.param("VPTU Lai Châu", "tu-lai-chau", "vptu-lai-chau", id="VPTU"),
        pytest.param("VPTU", "tu-lai-chau", "vptu-lai-chau", id="VPTU-bare"),
        pytest.param("Đài PT-TH tỉnh Lai Châu", "tu-lai-chau", "dai-ptth-lai-chau", id="PT-TH"),
        pytest.param("UBKT Thành ủy Cần Thơ", "btg-duk-dcd-can-tho", "ubkt-thu-can-tho", id="UBKT"),
        pytest.param("BTV Huyện ủy Lâm Hà", "tu-lam-dong", "hu-lam-ha", id="BTV"),
        pytest.param("Đảng đoàn HĐND tỉnh Lai Châu", "tu-lai-chau", "dd-hdnd-lai-chau", id="HĐND"),
        pytest.param(
            "Ban cán sự đảng UBND tỉnh Lai Châu", "tu-lai-chau", "bcsd-ubnd-lai-chau", id="UBND"
        ),
        pytest.param(
            "BCĐ công tác thông tin đối ngoại tỉnh Lai Châu",
            "tu-lai-chau",
            "bcd-ttdn-lai-chau",
            id="BCĐ",
        ),
        pytest.param("Hội CCB tỉnh Lai Châu", "tu-lai-chau", "hccb-lai-chau", id="CCB"),
        pytest.param(
            "Ban Tuyên giáo Đảng ủy Khối cơ quan Dân Chính Đảng TP Cần Thơ",
            "duk-dcd-can-tho",
            "btg-duk-dcd-can-tho",
            id="TP",
        ),
        pytest.param("Ban Chấp hành TW Đảng", "tu-lai-chau", "bch-tw", id="TW"),
        pytest.param(
            "Ban Tuyên giáo TƯ",
            "tu-lai-chau",
            "btgtw",
            id="TƯ",
        ),
    ],
)
def test_an_abbreviation_resolves_to_its_unit(text, issuer, expected):
    assert units(text, issuer) == [expected]


# -- accents, case and aliases ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "issuer", "expected"),
    [
        ("Ban Tuyen giao Tinh uy Lai Chau", "tu-lai-chau", "btg-tu-lai-chau"),
        ("Huyen uy Duc Trong", "btg-tu-lam-dong", "hu-duc-trong"),
        ("Thuong truc Tinh uy", "btg-tu-lam-dong", "tt-tu-lam-dong"),
        ("BAN TUYÊN GIÁO TỈNH ỦY LAI CHÂU", "tu-lai-chau", "btg-tu-lai-chau"),
    ],
)
def test_names_match_without_diacritics_or_case(text, issuer, expected):
    assert units(text, issuer) == [expected]


@pytest.mark.parametrize(
    ("text", "issuer", "expected"),
    [
        ("Tỉnh đoàn Lai Châu", "tu-lai-chau", "btv-tinh-doan-lai-chau"),
        ("BTGĐUK", "duk-dcd-can-tho", "btg-duk-dcd-can-tho"),
        ("Lãnh đạo Sở", "du-so-noi-vu-hy", "lanh-dao-snv-hy"),
        # The same bare alias is a different unit in each province: the issuer's own.
        ("Ban Tuyên giáo Tỉnh ủy", "tu-lai-chau", "btg-tu-lai-chau"),
        ("Ban Tuyên giáo Tỉnh ủy", "tu-lam-dong", "btg-tu-lam-dong"),
        ("Ban Tuyên giáo Tỉnh ủy", "du-so-noi-vu-hy", "btg-tu-hung-yen"),
    ],
)
def test_an_alias_resolves_within_the_issuers_province(text, issuer, expected):
    assert units(text, issuer) == [expected]


# -- groups ---------------------------------------------------------------------------------

GRASSROOTS = (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CHI_BO)
DISTRICTS_AND_BLOCS = (UnitKind.DISTRICT_COMMITTEE, UnitKind.BLOC_COMMITTEE)


@pytest.mark.parametrize(
    ("text", "issuer", "owner", "kinds", "ocr"),
    [
        pytest.param(
            "Cấp ủy các chi, đảng bộ cơ sở",
            "duk-cqdn-son-ha",
            "duk-cqdn-son-ha",
            GRASSROOTS,
            False,
            id="cap-uy-cac-chi-dang-bo-co-so",
        ),
        pytest.param(
            "Các huyện ủy, thành ủy, đảng ủy trực thuộc",
            "tu-lai-chau",
            "tu-lai-chau",
            DISTRICTS_AND_BLOCS,
            False,
            id="cac-huyen-uy-thanh-uy-dang-uy-truc-thuoc",
        ),
        pytest.param(
            "Thành ủy, huyện ủy, đảng ủy trực thuộc",  # sent by a board of the Tỉnh ủy
            "btg-tu-lam-dong",
            "tu-lam-dong",
            DISTRICTS_AND_BLOCS,
            False,
            id="from-a-board",
        ),
        pytest.param(
            "Cấp ủy các TCCSĐ trực thuộc",
            "btg-duk-dcd-can-tho",
            "duk-dcd-can-tho",
            GRASSROOTS,
            False,
            id="TCCSĐ",
        ),
        pytest.param(
            "Các chi bộ trực thuộc",
            "du-so-noi-vu-hy",
            "du-so-noi-vu-hy",
            (UnitKind.CHI_BO, UnitKind.GRASSROOTS_CHI_BO),
            False,
            id="cac-chi-bo-truc-thuoc",
        ),
        pytest.param(
            "Thanh uy, huyen uy, dang uy truc thuoc",
            "btg-tu-lam-dong",
            "tu-lam-dong",
            DISTRICTS_AND_BLOCS,
            True,
            id="ocr",
        ),
        pytest.param(
            "Thanh ay, huyén uy, dang uy truc thudc",  # seed 001, as OCR wrote it
            "btg-tu-lam-dong",
            "tu-lam-dong",
            DISTRICTS_AND_BLOCS,
            True,
            id="ocr-misread-thuoc",
        ),
    ],
)
def test_a_group_is_exactly_the_child_units_of_its_kinds(text, issuer, owner, kinds, ocr):
    match = RESOLVER.match(text, issuer, ocr)
    expected = children(owner, *kinds)
    assert expected  # the demo directory has such units
    assert sorted(match.unit_ids) == sorted(expected)
    assert match.groups == 1 and match.unmatched == []
    assert RESOLVER.role(issuer, match) == "action"


# -- persons -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Đ/c Trịnh Minh Thắng, UVBTV",
        "Đ/c Trịnh Minh Thắng, UVBTV, Chủ nhiệm Ủy ban Kiểm tra Thành ủy",
        "D/c Trinh Minh Thang, UVBTV",
    ],
)
def test_a_person_resolves_to_the_mailbox_of_their_unit(text):
    issuer = "btg-duk-dcd-can-tho"
    match = RESOLVER.match(text, issuer)
    assert match.unit_ids == ["ubkt-thu-can-tho"]
    assert match.unmatched == []
    assert DIRECTORY.require("ubkt-thu-can-tho").emails  # where the person's copy goes
    assert RESOLVER.role(issuer, match) == "report"  # a member of the Ban Thường vụ above


# -- roles decided by the tree ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "issuer", "unit"),
    [
        ("Ban Tuyên giáo Thành ủy", "btg-duk-dcd-can-tho", "btg-thu-can-tho"),
        ("Đảng ủy Khối", "btg-duk-dcd-can-tho", "duk-dcd-can-tho"),
        ("Thường trực Tỉnh ủy", "duk-cqdn-son-ha", "tt-tu-son-ha"),
        ("Đảng ủy Khối CQ-DN tỉnh", "du-so-noi-vu-hy", "duk-cqdn-hung-yen"),
        ("Ban Tuyên giáo Trung ương", "tu-lai-chau", "btgtw"),
    ],
)
def test_a_superior_is_a_report_recipient(text, issuer, unit):
    match = RESOLVER.match(text, issuer)
    assert match.unit_ids == [unit]
    assert RESOLVER.role(issuer, match) == "report"


@pytest.mark.parametrize(
    ("text", "issuer", "role"),
    [
        ("Ban Tổ chức Đảng ủy Khối", "btg-duk-dcd-can-tho", "info"),  # a peer board
        ("Ban Thường vụ HU Lâm Hà", "tu-lam-dong", "action"),  # a subordinate committee
        ("Đài PT-TH tỉnh Lai Châu", "tu-lai-chau", "info"),  # a state body
    ],
)
def test_peers_subordinates_and_others_are_not_report_recipients(text, issuer, role):
    assert RESOLVER.role(issuer, RESOLVER.match(text, issuer)) == role


# -- a whole document: "Như trên", unmarked roles, unknown entries ------------------------------

LETTER = [
    "TỈNH ỦY LAI CHÂU\tĐẢNG CỘNG SẢN VIỆT NAM",
    "*\tLai Châu, ngày 10 tháng 5 năm 2024",
    "Số 1900-CV/TU",
    "V/v báo cáo sơ kết công tác tuyên giáo",
    "Kính gửi:",
    "- Các ban đảng,",
    "- Các huyện ủy, thành ủy, đảng ủy trực thuộc,",
    "- Hợp tác xã Bình Minh.",
    "Ban Thường vụ Tỉnh ủy đề nghị các cơ quan, đơn vị báo cáo kết quả về Ban Thường vụ Tỉnh ủy",
    "(qua Ban Tuyên giáo Tỉnh ủy) trước ngày 15/6/2024.",
    "Nơi nhận:\tT/M BAN THƯỜNG VỤ",
    "- Như trên,\tPHÓ BÍ THƯ",
    "- Ban Tuyên giáo TW,",
    "- Đài PT-TH tỉnh (để biết),",
    "- Công ty TNHH Ánh Dương,",
    "- Lưu VPTU.\tVũ Mạnh Hà",
]


@pytest.fixture(scope="module")
def letter():
    return resolve_document(parse_lines(LETTER), DIRECTORY)


def test_like_above_gets_the_units_of_the_addressees(letter):
    assert letter.issuer_unit == "tu-lai-chau"
    same_as_above = letter.recipients[0]
    assert (same_as_above.text, same_as_above.role) == ("Như trên", RecipientRole.SAME_AS_ABOVE)
    assert same_as_above.units == letter.addressees
    assert sorted(DIRECTORY.resolve_all(same_as_above.units)) == sorted(
        children("tu-lai-chau", UnitKind.PROVINCIAL_BOARD)
        + children("tu-lai-chau", *DISTRICTS_AND_BLOCS)
    )


def test_roles_come_from_the_marks_and_else_from_the_tree(letter):
    assert [(r.text, r.role) for r in letter.document.recipients] == [
        ("Như trên", "same_as_above"),
        ("Ban Tuyên giáo TW", "report"),  # no mark: a superior
        ("Đài PT-TH tỉnh", "info"),  # "(để biết)"
        ("Công ty TNHH Ánh Dương", "info"),
    ]
    assert DIRECTORY.resolve_all(letter.recipients[1].units) == ["btgtw"]
    assert DIRECTORY.resolve_all(letter.recipients[2].units) == ["dai-ptth-lai-chau"]


def test_an_entry_that_matches_nothing_is_kept_and_warned_about(letter):
    unknown = letter.recipients[3]
    assert unknown.text == "Công ty TNHH Ánh Dương" and unknown.units == []
    assert any(
        '"Nơi nhận" entry "Công ty TNHH Ánh Dương"' in w and "matches no unit" in w
        for w in letter.document.warnings
    )
    assert any(
        '"Kính gửi" entry "Hợp tác xã Bình Minh"' in w and "matches no unit" in w
        for w in letter.document.warnings
    )
    # The deadline goes to the desk named after "qua".
    assert [r.to_unit for r in letter.requirements] == ["btg-tu-lai-chau"]


def test_without_a_directory_only_the_documents_own_marks_count():
    reading = resolve_document(parse_lines(LETTER), None)
    assert [r.role for r in reading.document.recipients] == [
        "same_as_above",
        None,
        "info",
        None,
    ]
    assert any("no unit directory" in w for w in reading.document.warnings)


# -- parts of an entry are never dropped ------------------------------------------------------


def test_an_unknown_name_listed_with_a_group_is_warned_about():
    match = RESOLVER.match(
        "Các huyện ủy, thành ủy, đảng ủy trực thuộc, Công ty TNHH Ánh Dương", "tu-lai-chau"
    )
    assert match.unmatched == ["Công ty TNHH Ánh Dương"]


def test_a_unit_listed_with_a_group_is_kept():
    found = units(
        "Các ban đảng, ban cán sự đảng, đảng đoàn, Ban Thường vụ Tỉnh đoàn", "tu-lai-chau"
    )
    assert "btv-tinh-doan-lai-chau" in found
    assert set(children("tu-lai-chau", UnitKind.PARTY_DELEGATION)) <= set(found)


def test_each_name_of_a_list_is_resolved():
    assert sorted(units("Báo Lai Châu, Đài PT-TH tỉnh", "tu-lai-chau")) == [
        "bao-lai-chau",
        "dai-ptth-lai-chau",
    ]
