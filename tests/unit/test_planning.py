"""services/issuer/planning.py: who a directive reaches, as a pure function of the directory."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from services.issuer.documents.ingest import build_directive, resolve_document
from services.issuer.documents.parse import parse_file
from services.issuer.domain.planning import PlanError, plan_issue
from shared.contracts import Directive, Recipient, ReportingRequirement, Unit, UnitSelector
from shared.directory import Directory, load_file

DEMO = Path(__file__).resolve().parents[2] / "chidao" / "demo"
DUE = datetime.fromisoformat("2024-12-10T00:00:00+07:00")
CHI_BO = ["cb1", "cb2", "cb3"]
CHI_BO_GROUP = UnitSelector(under="du", kinds=["chi_bo"])


@pytest.fixture
def directory() -> Directory:
    """duk (superior) -> du (issuer) -> cb1, cb2, cb3 (chi_bo), lanh-dao; duk -> btg (info)."""
    units = [
        ("duk", None, "bloc_committee"),
        ("btg", "duk", "bloc_board"),
        ("du", "duk", "grassroots_committee"),
        ("cb1", "du", "chi_bo"),
        ("cb2", "du", "chi_bo"),
        ("cb3", "du", "chi_bo"),
        ("lanh-dao", "du", "standing_office"),
    ]
    return Directory(Unit(id=i, name=f"Đơn vị {i}", kind=k, parent=p) for i, p, k in units)


def requirement(rid: str = "r1", **kw) -> ReportingRequirement:
    return ReportingRequirement(id=rid, action=f"báo cáo {rid}", due_before=DUE, **kw)


def directive(**kw) -> Directive:
    fields = {
        "kind": "KH",
        "ref": "101-KH/ĐU",
        "issued_on": date(2024, 6, 19),
        "issuer_unit": "du",
        "issuer": "Đảng ủy Sở Nội vụ",
        "title": "Triển khai đợt sinh hoạt chính trị",
        "recipients": [
            Recipient(text="Đảng ủy Khối", role="report", units=[UnitSelector(unit="duk")]),
            Recipient(text="Các chi bộ trực thuộc", role="action", units=[CHI_BO_GROUP]),
            Recipient(text="Ban Tuyên giáo", role="info", units=[UnitSelector(unit="btg")]),
        ],
        "requirements": [requirement("r1"), requirement("r2")],
    }
    return Directive(**(fields | kw))


def roles(plan) -> dict[str, str]:
    return {n.unit_id: n.role.value for n in plan.notices}


def test_action_group_becomes_the_assignees_of_every_requirement(directory):
    plan = plan_issue(directive(), directory)
    assert plan.assignees == {"r1": CHI_BO, "r2": CHI_BO}
    assert plan.assignment_count == 6
    assert plan.warnings == []


def test_report_and_info_recipients_get_notices(directory):
    plan = plan_issue(directive(), directory)
    assert roles(plan) == {"duk": "report", "btg": "info"}


def test_assigned_unit_never_gets_a_notice(directory):
    d = directive()
    extra = [
        Recipient(text="Chi bộ 1 (để biết)", role="info", units=[UnitSelector(unit="cb1")]),
        Recipient(text="Như trên", role="same_as_above", units=[UnitSelector(unit="cb2")]),
    ]
    plan = plan_issue(d.model_copy(update={"recipients": [*d.recipients, *extra]}), directory)
    assert roles(plan) == {"duk": "report", "btg": "info"}
    assert not plan.assigned_units & set(roles(plan))


def test_recipient_without_units_is_a_warning_quoting_its_text(directory):
    d = directive()
    unlinked = Recipient(text="Các đồng chí Ủy viên Ban Chấp hành", role="info")
    plan = plan_issue(d.model_copy(update={"recipients": [*d.recipients, unlinked]}), directory)
    assert len(plan.warnings) == 1
    assert "'Các đồng chí Ủy viên Ban Chấp hành'" in plan.warnings[0]
    assert roles(plan) == {"duk": "report", "btg": "info"}


def test_addressee_without_a_requirement_gets_an_action_notice(directory):
    d = directive(
        addressees=[UnitSelector(unit="lanh-dao")],
        requirements=[requirement("r1", assignees=[CHI_BO_GROUP])],
    )
    plan = plan_issue(d, directory)
    assert plan.assignees == {"r1": CHI_BO}
    assert roles(plan) == {"duk": "report", "btg": "info", "lanh-dao": "action"}


def test_directive_without_requirements_notifies_its_addressees_as_action(directory):
    plan = plan_issue(directive(requirements=[]), directory)
    assert plan.assignment_count == 0
    assert {uid for uid, role in roles(plan).items() if role == "action"} == set(CHI_BO)


def test_requirement_assignees_override_the_addressees(directory):
    d = directive(
        requirements=[
            requirement("r1"),
            requirement("r2", assignees=[UnitSelector(unit="lanh-dao")]),
        ]
    )
    plan = plan_issue(d, directory)
    assert plan.assignees == {"r1": CHI_BO, "r2": ["lanh-dao"]}


def test_unknown_units_are_all_reported_in_one_plan_error(directory):
    d = directive(
        issuer_unit="ghost-issuer",
        addressees=[UnitSelector(unit="ghost-addressee")],
        requirements=[requirement("r1", to_unit="ghost-superior")],
    )
    with pytest.raises(PlanError) as info:
        plan_issue(d, directory)
    problems = info.value.problems
    assert any("issuer_unit" in p and "'ghost-issuer'" in p for p in problems)
    assert any("addressees" in p and "'ghost-addressee'" in p for p in problems)
    assert any("'r1'" in p and "to_unit 'ghost-superior'" in p for p in problems)
    assert str(info.value) == "; ".join(problems)


def test_unknown_unit_in_a_recipient_is_a_plan_error(directory):
    d = directive()
    bad = Recipient(text="Ban Dân vận", role="info", units=[UnitSelector(unit="ghost")])
    with pytest.raises(PlanError) as info:
        plan_issue(d.model_copy(update={"recipients": [*d.recipients, bad]}), directory)
    assert any("'Ban Dân vận'" in p and "'ghost'" in p for p in info.value.problems)


def test_requirement_assigned_to_nobody_is_a_plan_error(directory):
    d = directive(recipients=[], requirements=[requirement("r1")])
    with pytest.raises(PlanError) as info:
        plan_issue(d, directory)
    assert any("'r1'" in p and "assigned to no unit" in p for p in info.value.problems)


def test_group_matching_nobody_is_a_warning_not_an_error(directory):
    nobody = UnitSelector(under="du", kinds=["mass_organisation"])
    plan = plan_issue(directive(addressees=[nobody]), directory)
    assert plan.assignees == {"r1": CHI_BO, "r2": CHI_BO}
    assert len(plan.warnings) == 1
    assert "mass_organisation" in plan.warnings[0]
    assert "no unit matches" in plan.warnings[0]


def test_plan_is_the_same_when_repeated(directory):
    first, second = plan_issue(directive(), directory), plan_issue(directive(), directory)
    assert (first.assignees, first.notices) == (second.assignees, second.notices)


def test_the_plan_read_from_seed_003_reaches_the_nine_chi_bo():
    directory = Directory(load_file(DEMO / "directory.yaml"))
    document = parse_file(DEMO / "seeds" / "003_e88aeaad7985e01b.txt")
    d = build_directive(resolve_document(document, directory))
    plan = plan_issue(d, directory)
    assert d.requirements
    for requirement_id, units in plan.assignees.items():
        assert len(units) == 9, requirement_id
        assert all(directory.require(u).kind == "chi_bo" for u in units)
    assert roles(plan)["duk-cqdn-hung-yen"] == "report"
