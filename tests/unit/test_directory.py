"""shared/directory.py, the pure parts: the in-memory tree and the YAML file."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from shared.contracts import Unit, UnitSelector
from shared.directory import Directory, DirectoryError, load_file, parse_units

DEMO = Path(__file__).resolve().parents[2] / "chidao" / "demo" / "directory.yaml"
RESERVED_DOMAINS = ("example.org", "example.com", "example.net")
RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost")


def unit(uid: str, parent: str | None = None, kind: str = "chi_bo") -> Unit:
    return Unit(id=uid, name=f"Đơn vị {uid}", kind=kind, parent=parent)


@pytest.fixture
def tree() -> Directory:
    """tinh -> duk -> du -> {cb1, cb2, lanh-dao}; cb1 -> to1."""
    return Directory(
        [
            unit("tinh", kind="provincial_committee"),
            unit("duk", "tinh", kind="bloc_committee"),
            unit("du", "duk", kind="grassroots_committee"),
            unit("cb1", "du"),
            unit("cb2", "du"),
            unit("lanh-dao", "du", kind="standing_office"),
            unit("to1", "cb1"),
        ]
    )


# --- parse_units / load_file ------------------------------------------------------------


def test_nested_children_and_flat_parent_both_load():
    units = parse_units(
        {
            "units": [
                {
                    "id": "du",
                    "name": "Đảng ủy Sở",
                    "kind": "grassroots_committee",
                    "children": [{"id": "cb1", "name": "Chi bộ 1", "kind": "chi_bo"}],
                },
                {"id": "cb2", "name": "Chi bộ 2", "kind": "chi_bo", "parent": "du"},
            ]
        }
    )
    parents = {u.id: u.parent for u in units}
    assert parents == {"du": None, "cb1": "du", "cb2": "du"}
    assert Directory(units).children("du") == ["cb1", "cb2"]


def test_nested_unit_that_names_another_parent_is_refused():
    child = {"id": "b", "name": "B", "kind": "chi_bo", "parent": "c"}
    data = {"units": [{"id": "a", "name": "A", "kind": "chi_bo", "children": [child]}]}
    with pytest.raises(DirectoryError, match=r"\(b\): nested under 'a' but says parent 'c'"):
        parse_units(data)


@pytest.mark.parametrize(
    ("units", "words"),
    [
        (
            [
                {"id": "a", "name": "A", "kind": "chi_bo"},
                {"id": "a", "name": "A2", "kind": "chi_bo"},
            ],
            "unit id 'a' appears 2 times",
        ),
        (
            [{"id": "a", "name": "A", "kind": "chi_bo", "parent": "ghost"}],
            "unit 'a' has parent 'ghost', which is not in the file",
        ),
        (
            [
                {"id": "a", "name": "A", "kind": "chi_bo", "parent": "b"},
                {"id": "b", "name": "B", "kind": "chi_bo", "parent": "a"},
            ],
            "unit '[ab]' is part of a parent cycle",
        ),
        (
            [{"id": "a", "name": "A", "kind": "chi_bo", "parent": "a"}],
            "unit 'a' is part of a parent cycle",
        ),
        ([{"id": "a", "name": "A", "kind": "chibo"}], r"units\[0\] \(a\) kind:"),
        ([{"id": "a", "name": "A", "kind": "chi_bo", "colour": "red"}], r"\(a\) colour:"),
        ([{"id": "Đảng ủy", "name": "A", "kind": "chi_bo"}], r"\(Đảng ủy\) id:"),
    ],
    ids=[
        "duplicate",
        "unknown-parent",
        "cycle",
        "self-parent",
        "bad-kind",
        "unknown-field",
        "bad-id",
    ],
)
def test_wrong_directory_is_refused_naming_the_unit(units, words):
    with pytest.raises(DirectoryError, match=words) as info:
        parse_units({"units": units}, source="org.yaml")
    assert str(info.value).startswith("org.yaml")


@pytest.mark.parametrize(
    ("units", "words"),
    [
        ("not a list", "units: expected a list of units"),
        (["just a string"], r"units\[0\]: expected a mapping"),
        (
            [{"id": "a", "name": "A", "kind": "chi_bo", "children": {"id": "b"}}],
            r"units\[0\].children: expected a list",
        ),
    ],
    ids=["not-a-list", "not-a-mapping", "children-not-a-list"],
)
def test_wrong_shape_is_refused_saying_where(units, words):
    with pytest.raises(DirectoryError, match=words):
        parse_units({"units": units}, source="org.yaml")


def test_wrong_shape_error_names_the_file():
    with pytest.raises(DirectoryError, match=r"^org\.yaml"):
        parse_units({"units": ["just a string"]}, source="org.yaml")


def test_all_problems_are_reported_at_once():
    units = [
        {"id": "a", "name": "A", "kind": "chibo"},
        {"id": "b", "name": "B", "kind": "chi_bo", "parent": "ghost"},
    ]
    with pytest.raises(DirectoryError) as info:
        parse_units({"units": units})
    assert "(a) kind" in str(info.value)
    assert "parent 'ghost'" in str(info.value)


@pytest.mark.parametrize("data", [None, [], {"unit": []}, "units"])
def test_missing_top_level_units_is_refused(data):
    with pytest.raises(DirectoryError, match="top-level 'units' list"):
        parse_units(data, source="org.yaml")


def test_load_file_reads_yaml(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text(
        "units:\n"
        "  - id: du\n"
        "    name: Đảng ủy Sở Nội vụ\n"
        "    kind: grassroots_committee\n"
        "    emails: [vanphong@snv.example.org]\n",
        encoding="utf-8",
    )
    [du] = load_file(path)
    assert (du.id, du.name, du.emails) == ("du", "Đảng ủy Sở Nội vụ", ["vanphong@snv.example.org"])


def test_load_file_refuses_invalid_yaml(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text("units:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="is not valid YAML"):
        load_file(path)


def test_load_file_refuses_unreadable_file(tmp_path):
    with pytest.raises(DirectoryError, match=r"cannot read .*missing\.yaml"):
        load_file(tmp_path / "missing.yaml")


def test_load_file_refuses_a_file_not_in_utf8(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_bytes("units:\n  - id: du\n    name: Đảng ủy\n    kind: chi_bo\n".encode("utf-16"))
    with pytest.raises(DirectoryError, match=r"org\.yaml"):
        load_file(path)


# --- Directory ------------------------------------------------------------------------------


def test_resolve_one_unit(tree):
    assert tree.resolve(UnitSelector(unit="cb2")) == ["cb2"]


def test_resolve_group_of_kinds_takes_direct_children_only(tree):
    assert tree.resolve(UnitSelector(under="du", kinds=["chi_bo"])) == ["cb1", "cb2"]


def test_resolve_group_without_kinds_takes_every_child(tree):
    assert tree.resolve(UnitSelector(under="du")) == ["cb1", "cb2", "lanh-dao"]


def test_resolve_subtree_reaches_every_level(tree):
    found = tree.resolve(UnitSelector(under="duk", kinds=["chi_bo"], depth="subtree"))
    assert sorted(found) == ["cb1", "cb2", "to1"]


def test_resolve_group_matching_nothing_is_empty(tree):
    assert tree.resolve(UnitSelector(under="du", kinds=["mass_organisation"])) == []


@pytest.mark.parametrize(
    "selector", [UnitSelector(unit="ghost"), UnitSelector(under="ghost", kinds=["chi_bo"])]
)
def test_resolve_unknown_unit_raises(tree, selector):
    with pytest.raises(DirectoryError, match="unit 'ghost' is not in the directory"):
        tree.resolve(selector)


def test_resolve_all_is_a_union_in_first_seen_order(tree):
    selectors = [UnitSelector(unit="cb2"), UnitSelector(under="du", kinds=["chi_bo"])]
    assert tree.resolve_all(selectors) == ["cb2", "cb1"]


def test_ancestors_are_nearest_first_up_to_the_root(tree):
    assert tree.ancestors("to1") == ["cb1", "du", "duk", "tinh"]
    assert tree.ancestors("tinh") == []


def test_depth_counts_levels_below_the_root(tree):
    assert [tree.depth(u) for u in ("tinh", "duk", "du", "cb1", "to1")] == [0, 1, 2, 3, 4]


def test_upsert_moving_a_unit_updates_both_parents(tree):
    tree.upsert(unit("cb2", "duk"))
    assert tree.children("du") == ["cb1", "lanh-dao"]
    assert tree.children("duk") == ["du", "cb2"]
    assert tree.ancestors("cb2") == ["duk", "tinh"]
    assert len(tree) == 7


def test_upsert_keeps_a_changed_unit_in_place(tree):
    tree.upsert(Unit(id="cb1", name="Chi bộ Văn phòng", kind="chi_bo", parent="du"))
    assert tree.children("du") == ["cb1", "cb2", "lanh-dao"]
    assert tree.name("cb1") == "Chi bộ Văn phòng"


def test_remove_takes_the_unit_out_of_its_parent(tree):
    tree.remove("cb2")
    assert "cb2" not in tree
    assert tree.get("cb2") is None
    assert tree.children("du") == ["cb1", "lanh-dao"]
    with pytest.raises(DirectoryError):
        tree.resolve(UnitSelector(unit="cb2"))
    tree.remove("cb2")  # removing twice is harmless


def test_require_and_name(tree):
    assert tree.require("du").kind == "grassroots_committee"
    assert tree.name("ghost") == "ghost"
    with pytest.raises(DirectoryError, match="'ghost'"):
        tree.require("ghost")


def test_roots(tree):
    assert tree.roots() == ["tinh"]


# --- the shipped demo directory -----------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Directory:
    return Directory(load_file(DEMO))


def test_demo_directory_loads(demo):
    assert len(demo) > 100
    assert "du-so-noi-vu-hy" in demo


def test_demo_names_are_nfc(demo):
    for u in demo:
        for text in (u.name, *u.aliases):
            assert unicodedata.is_normalized("NFC", text), u.id


def test_demo_units_mail_reserved_example_domains_only(demo):
    for u in demo:
        assert u.emails, f"{u.id} has no e-mail"
        for email in u.emails:
            domain = email.rsplit("@", 1)[1].lower()
            reserved = domain.endswith(RESERVED_TLDS) or any(
                domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS
            )
            assert reserved, f"{u.id}: {email}"


def test_demo_du_so_noi_vu_has_nine_chi_bo(demo):
    chi_bo = demo.resolve(UnitSelector(under="du-so-noi-vu-hy", kinds=["chi_bo"]))
    assert len(chi_bo) == 9
    assert all(demo.require(uid).kind == "chi_bo" for uid in chi_bo)


def test_a_stored_unit_is_read_back_without_checking_its_addresses_again():
    """The bucket holds units validated when they were loaded: reading one back (every
    service's mirror, 300,000 at a start) does not run the e-mail check again, and the
    unit read back is equal to the one loaded, whichever side is compared."""
    from shared.directory import StoredUnit

    loaded = Unit(id="cb-a", name="Chi bộ A", kind="chi_bo", emails=["VanThu@Example.org"])
    stored = StoredUnit.model_validate_json(loaded.model_dump_json())
    assert stored == loaded and loaded == stored
    assert stored != loaded.model_copy(update={"name": "Chi bộ B"})
    kept_as_is = StoredUnit.model_validate_json(
        '{"id": "cb-b", "name": "Chi bộ B", "kind": "chi_bo", "emails": ["not-checked"]}'
    )
    assert kept_as_is.emails == ["not-checked"]
