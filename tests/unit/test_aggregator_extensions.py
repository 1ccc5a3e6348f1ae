"""Requests for more time (xin gia hạn) in the aggregator, without a network: a node keeps
the newest story of them whatever order they come in, a unit is judged by the deadline in
force (the badges, the ranking, the totals' overdue and pending), and the synthesis lists
the units granted more time with both deadlines and their reason."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import docx

from services.aggregator.console.views import own_badges, progress, subtree_keys
from services.aggregator.documents import docx as docx_renderer
from services.aggregator.documents import html as html_renderer
from services.aggregator.documents import markdown
from services.aggregator.documents.report import build_report
from services.aggregator.domain.nodes import Node
from services.aggregator.domain.synthesis_build import Listing, requirement_synthesis, synthesis_of
from services.aggregator.lateness.ranking import UnitTally
from shared.contracts import (
    Directive,
    DirectiveIssued,
    Extension,
    Extensions,
    ReportingRequirement,
    Totals,
    Unit,
)
from shared.directory import Directory
from shared.forms import DEFAULT_FORM, builtin
from tests.factories import DUE, assignment, submission

FORM = builtin()[DEFAULT_FORM]
ASKED = DUE - timedelta(days=3)
WANTED = DUE + timedelta(days=10)  # 20/12/2024
GRANTED = DUE + timedelta(days=7)  # 17/12/2024: the parent shortened it
BETWEEN = DUE + timedelta(days=2)  # past the deadline assigned, before the one granted
AFTER = GRANTED + timedelta(hours=1)
REASON = "Chi bộ đang tổ chức đại hội, chưa kịp họp."
DIRECTORY = Directory(
    Unit(id=uid, name=name, kind=kind, parent=parent)
    for uid, name, kind, parent in [
        ("du", "Đảng ủy Thử", "grassroots_committee", None),
        ("cb-a", "Chi bộ A", "chi_bo", "du"),
        ("cb-b", "Chi bộ B", "chi_bo", "du"),
    ]
)


def _request(status: str = "pending", number: int = 1, reason: str = REASON, **answer):
    return Extension(
        number=number,
        previous_due=DUE if number == 1 else GRANTED,
        requested_due=WANTED if number == 1 else WANTED + timedelta(days=5),
        reason=reason if number == 1 else "Lại chưa kịp.",
        asked_at=ASKED,
        status=status,
        **answer,
    )


def _granted(number: int = 1, reason: str = REASON) -> Extension:
    return _request(
        "granted", number, reason, granted_due=GRANTED, decided_at=ASKED, decided_by="lđ"
    )


def _story(*requests: Extension, unit: str = "cb-a") -> Extensions:
    return Extensions(
        directive_id="d1",
        unit_id=unit,
        requirement_id="r1",
        original_due=DUE,
        requests=list(requests),
    )


def _node(unit: str = "cb-a") -> Node:
    node = Node(directive_id="d1", requirement_id="r1", unit_id=unit)
    node.apply_assignment(assignment(unit))
    return node


# -- the node keeps the newest story -------------------------------------------------------


def test_a_request_then_its_grant_apply_once_and_a_redelivered_request_goes_not_back():
    node = _node()
    assert node.apply_extension(_story(_request())) is True
    assert node.apply_extension(_story(_request())) is False  # redelivered
    assert node.own is not None and node.own.due == DUE  # asking moves nothing
    assert node.apply_extension(_story(_granted())) is True
    assert node.own.due == GRANTED
    # the request's own event redelivered after its answer: the grant stays
    assert node.apply_extension(_story(_request())) is False
    assert node.apply_extension(_story(_granted())) is False
    assert node.own.extensions is not None and node.own.extensions.current is not None
    assert node.own.extensions.current.status == "granted" and node.own.due == GRANTED


def test_a_second_request_is_newer_and_its_refusal_keeps_the_deadline_granted_before():
    node = _node()
    node.apply_extension(_story(_granted()))
    second = _story(_granted(), _request(number=2))
    assert node.apply_extension(second) is True
    assert node.apply_extension(_story(_granted())) is False  # the shorter story is older
    refused = _request("refused", 2, answer="Không đồng ý.", decided_at=ASKED)
    assert node.apply_extension(_story(_granted(), refused)) is True
    assert node.apply_extension(second) is False  # its pending state, redelivered
    assert node.own is not None and node.own.due == GRANTED and node.own.extended


def test_a_request_before_its_assignment_implies_it_with_the_deadline_assigned():
    node = Node(directive_id="d1", requirement_id="r1", unit_id="cb-a")
    assert node.apply_extension(_story(_granted())) is True
    assert node.apply_assignment(assignment("cb-a")) is False  # same deadline, nothing new
    node.recompute(FORM)
    assert node.own is not None and node.own.due_before == DUE and node.own.due == GRANTED
    assert (node.totals.expected, node.totals.extended) == (1, 1)


def test_applying_the_same_stories_in_any_order_ends_in_the_same_node():
    stories = [_story(_request()), _story(_granted()), _story(_granted(), _request(number=2))]
    ends = []
    for order in (stories, stories[::-1], [stories[1], stories[0], stories[2], stories[0]]):
        node = _node()
        for story in order:
            node.apply_extension(story)
        node.recompute(FORM)
        ends.append(node.model_dump_json())
    assert ends[0] == ends[1] == ends[2]


# -- judged by the deadline in force -----------------------------------------------------


def test_a_unit_granted_more_time_is_not_overdue_before_the_new_deadline():
    granted, plain = _node("cb-a"), _node("cb-b")
    granted.apply_extension(_story(_granted()))
    badges = own_badges(granted.own, DUE, BETWEEN)
    assert badges[0] == ("waiting", "Chưa đến hạn")
    assert ("extended", "Được gia hạn đến trước ngày 17/12/2024") in badges
    assert own_badges(plain.own, DUE, BETWEEN)[0][0] == "overdue"
    assert own_badges(granted.own, DUE, AFTER)[0][0] == "overdue"  # and late after it


def test_a_request_waiting_for_its_answer_shows_the_date_asked_and_moves_nothing():
    node = _node()
    node.apply_extension(_story(_request()))
    badges = own_badges(node.own, DUE, BETWEEN)
    assert badges[0][0] == "overdue"
    assert ("extension", "Xin gia hạn đến trước ngày 20/12/2024") in badges
    assert not any(key == "extended" for key, _ in badges)


def test_the_ranking_counts_a_unit_overdue_only_past_the_deadline_granted():
    node = _node()
    node.apply_extension(_story(_granted()))
    assert node.own is not None
    before, after = UnitTally("cb-a"), UnitTally("cb-a")
    before.add(node.own, BETWEEN)
    after.add(node.own, AFTER)
    assert (before.overdue, before.waiting, before.behind) == (0, 1, 0)
    assert (after.overdue, after.behind) == (1, 1)


def test_a_report_sent_within_the_time_granted_is_not_late_by_days():
    node = _node()
    node.apply_extension(_story(_granted()))
    late = submission("cb-a", 1, True, 2)  # two days past the deadline assigned
    node.apply_submission(late.model_copy(update={"due_before": GRANTED, "on_time": True}))
    node.recompute(FORM)
    t = node.totals
    assert (t.on_time, t.late, t.days_late, t.extended, t.extended_missing) == (1, 0, 0, 1, {})


def test_the_totals_count_the_extensions_up_the_tree_and_split_what_is_missing():
    child_a, child_b = _node("cb-a"), _node("cb-b")
    child_a.apply_extension(_story(_granted()))
    parent = Node(directive_id="d1", requirement_id="r1", unit_id="du")
    for child in (child_a, child_b):
        child.recompute(FORM)
        parent.set_child(child.unit_id, 1, child.totals)
    parent.recompute(FORM)
    t = parent.totals
    assert (t.expected, t.missing, t.extended) == (2, 2, 1)
    assert (t.overdue(DUE, BETWEEN), t.overdue(DUE, AFTER), t.overdue(DUE, ASKED)) == (1, 2, 0)
    assert subtree_keys(t, DUE, BETWEEN) == {"overdue", "waiting", "extended"}
    assert "1 quá hạn chưa nộp, 1 chưa đến hạn" in progress([(t, DUE)], BETWEEN).label
    # old JSON (no extension counters) still reads, and counts what it always did
    old = Totals.model_validate_json('{"expected": 2, "submitted": 0}')
    assert (old.extended, old.overdue(DUE, BETWEEN)) == (0, 2)


# -- the synthesis -------------------------------------------------------------------------


def _synthesis(now: datetime, reason: str = REASON):
    requirement = ReportingRequirement(id="r1", action="báo cáo kết quả", due_before=DUE)
    directive = Directive(
        kind="KH", ref="1-KH/ĐU", issued_on=DUE.date() - timedelta(days=30), place="Hưng Yên",
        issuer_unit="du", issuer="Đảng ủy Thử", title="Triển khai đợt sinh hoạt chính trị",
        requirements=[requirement],
    )  # fmt: skip
    issued = DirectiveIssued(
        event_id="e", occurred_at=now, directive_id="d1", directive=directive, assignment_count=2
    )
    children = [_node("cb-a"), _node("cb-b")]
    children[0].apply_extension(_story(_granted(reason=reason)))
    root = Node(directive_id="d1", requirement_id="r1", unit_id="du")
    listing = Listing(DIRECTORY, FORM)
    for child in children:
        child.recompute(FORM)
        root.set_child(child.unit_id, 1, child.totals)
        listing.add(child)
    root.recompute(FORM)
    section = requirement_synthesis(requirement, FORM, root, listing, False, DIRECTORY, now)
    return synthesis_of(issued, "du", DIRECTORY, now, [section])


def test_the_synthesis_lists_the_unit_granted_more_time_with_both_deadlines_and_its_reason():
    s = _synthesis(BETWEEN)
    [r] = s.requirements
    assert (r.totals.extended, r.totals.pending, r.totals.overdue) == (1, 1, 1)
    assert [(e.name, e.reason) for e in r.extended] == [("Chi bộ A", REASON)]
    line = (
        "Được gia hạn (1): Chi bộ A (hạn ban đầu trước ngày 10/12/2024, gia hạn đến trước "
        "ngày 17/12/2024; lý do: Chi bộ đang tổ chức đại hội, chưa kịp họp)."
    )
    report = build_report(s)
    third = report.blocks.index(next(b for b in report.blocks if "CHƯA BÁO CÁO" in b.text))
    assert line in report.blocks[third + 1].items  # in III, beside the missing and the late
    text = markdown.render(report)
    assert "Được gia hạn (1): Chi bộ A" in text and "17/12/2024" in text and "10/12/2024" in text
    document = docx.Document(io.BytesIO(docx_renderer.render(report)))
    assert f"- {line}" in [p.text for p in document.paragraphs]  # a bullet, as the others
    # section I: what is missing, split by the deadline in force, and the count granted
    assert "chưa báo cáo: 2 (quá hạn 1, còn trong hạn 1). Có 1 đơn vị được gia hạn" in text
    # the JSON reads back the same
    assert type(s).model_validate(s.model_dump(mode="json")) == s


def test_a_synthesis_without_extensions_says_nothing_of_them():
    s = _synthesis(BETWEEN)
    s.requirements[0].extended.clear()
    plain = s.model_copy(deep=True)
    plain.requirements[0].totals.extended = 0
    assert not any("gia hạn" in item for b in build_report(plain).blocks for item in b.items)


def test_the_reason_a_unit_gave_is_escaped_in_the_html_report():
    s = _synthesis(BETWEEN, reason="<script>alert(1)</script> & chưa kịp")
    page = html_renderer.render(build_report(s))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; chưa kịp" in page
