"""Roll-up nodes: every change is "set if newer", so repeats change nothing."""

from __future__ import annotations

from datetime import datetime

from services.aggregator.console.views import own_badges
from services.aggregator.domain.nodes import Node
from shared.contacts import contact_event
from shared.contracts import Totals
from shared.forms import DEFAULT_FORM, builtin
from tests.factories import DUE, assignment, submission

FORM = builtin()[DEFAULT_FORM]


def _node(unit: str = "cb-a") -> Node:
    return Node(directive_id="d1", requirement_id="r1", unit_id=unit)


def test_an_assignment_counts_once_however_often_it_arrives():
    node = _node()
    assert node.apply_assignment(assignment("cb-a")) is True
    assert node.apply_assignment(assignment("cb-a")) is False
    node.recompute(FORM)
    assert (node.totals.expected, node.totals.submitted, node.totals.missing) == (1, 0, 1)


def test_the_latest_version_counts_and_older_or_repeated_ones_change_nothing():
    node = _node()
    node.apply_assignment(assignment("cb-a"))
    assert node.apply_submission(submission("cb-a", 2, False, 5)) is True
    assert node.apply_submission(submission("cb-a", 1, False, 3)) is False  # arrives late
    assert node.apply_submission(submission("cb-a", 2, False, 5)) is False  # redelivered
    node.recompute(FORM)
    assert node.totals == Totals(expected=1, submitted=1, on_time=1, late=0, sums={"sessions": 5})


def test_a_report_before_its_assignment_still_counts_as_expected_once():
    node = _node()
    assert node.apply_submission(submission("cb-a", 1, True, 2)) is True
    assert node.apply_assignment(assignment("cb-a")) is False
    node.recompute(FORM)
    assert (node.totals.expected, node.totals.late, node.totals.missing) == (1, 1, 0)


def test_children_are_replaced_only_by_newer_versions_and_summed_with_own():
    parent = _node("du")
    parent.apply_assignment(assignment("du"))
    assert parent.set_child("cb-a", 3, Totals(expected=2, submitted=1, on_time=1)) is True
    assert parent.set_child("cb-a", 2, Totals(expected=9)) is False  # stale, arrives late
    assert parent.set_child("cb-a", 3, Totals(expected=9)) is False  # same version again
    assert parent.set_child("cb-b", 1, Totals(expected=1, submitted=1, late=1)) is True
    parent.recompute(FORM)
    assert (
        parent.totals.expected,
        parent.totals.submitted,
        parent.totals.on_time,
        parent.totals.late,
        parent.totals.missing,
    ) == (4, 2, 1, 1, 2)


def _contact(how: str, at: str):
    _, event = contact_event(how, "d1", "cb-a", "r1", datetime.fromisoformat(at))
    return event


def test_being_mailed_and_opening_the_link_keep_their_earliest_time_and_count_nothing():
    node = _node()
    assert node.apply_contact(_contact("opened", "2024-06-20T09:00:00+07:00")) is True
    assert node.apply_contact(_contact("opened", "2024-06-21T09:00:00+07:00")) is False  # later
    assert node.apply_contact(_contact("mailed", "2024-06-19T08:05:00+07:00")) is True
    assert node.apply_contact(_contact("mailed", "2024-06-19T08:05:00+07:00")) is False  # again
    assert node.apply_contact(_contact("opened", "2024-06-19T10:00:00+07:00")) is True  # earlier
    assert node.own is not None
    assert (node.own.mailed_at, node.own.opened_at) == (
        datetime.fromisoformat("2024-06-19T08:05:00+07:00"),
        datetime.fromisoformat("2024-06-19T10:00:00+07:00"),
    )
    # the contact came before its assignment: the assignment still brings its deadline
    assert node.apply_assignment(assignment("cb-a")) is True
    assert node.apply_assignment(assignment("cb-a")) is False
    node.recompute(FORM)
    assert node.own.due_before == DUE
    assert (node.totals.expected, node.totals.submitted) == (1, 0)


def test_an_expired_link_tried_shows_until_a_newer_mail_went_and_the_latest_counts():
    node = _node()
    node.apply_assignment(assignment("cb-a"))
    now = datetime.fromisoformat("2024-06-25T09:00:00+07:00")
    assert node.apply_contact(_contact("mailed", "2024-06-19T08:05:00+07:00"))
    assert node.apply_contact(_contact("expired", "2024-06-21T09:00:00+07:00"))
    assert node.apply_contact(_contact("expired", "2024-06-22T09:00:00+07:00"))  # later: kept
    assert not node.apply_contact(_contact("expired", "2024-06-20T09:00:00+07:00"))
    assert ("expired", "Mở đường dẫn đã hết hạn") in own_badges(node.own, DUE, now)
    # the staff resend it: a newer mail, and the unit's row says so no more
    assert node.apply_contact(_contact("mailed", "2024-06-23T10:00:00+07:00"))
    assert node.own is not None and node.own.mailed_at == datetime.fromisoformat(
        "2024-06-19T08:05:00+07:00"
    )  # the first mail is still when it was first reached
    assert [k for k, _ in own_badges(node.own, DUE, now)] == ["waiting", "mailed"]


def test_a_unit_that_confirmed_it_has_the_document_shows_so_until_it_reports():
    node = _node()
    node.apply_assignment(assignment("cb-a"))
    now = datetime.fromisoformat("2024-06-25T09:00:00+07:00")
    node.apply_contact(_contact("mailed", "2024-06-19T08:05:00+07:00"))
    node.apply_contact(_contact("opened", "2024-06-20T09:00:00+07:00"))
    assert node.apply_contact(_contact("received", "2024-06-20T09:01:00+07:00"))
    assert not node.apply_contact(_contact("received", "2024-06-21T09:00:00+07:00"))  # first
    assert own_badges(node.own, DUE, now) == [
        ("waiting", "Chưa đến hạn"),
        ("received", "Đã xác nhận nhận văn bản"),
    ]
