"""A requirement whose form counts days late in working days: its roll-up node counts
them on the calendar it is given, and the báo cáo tổng hợp and the status page say
"ngày làm việc" where a calendar-day form's say "ngày"."""

from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from services.aggregator.documents import markdown
from services.aggregator.documents.report import build_report
from services.aggregator.domain.nodes import Node, Own
from services.aggregator.domain.synthesis import Synthesis
from services.aggregator.domain.synthesis_build import Listing, requirement_synthesis
from services.aggregator.status import page
from shared.contracts import ReportingRequirement
from shared.directory import Directory
from shared.forms import DEFAULT_FORM, builtin
from shared.workdays import WorkCalendar

FIXTURE = Path(__file__).parents[1] / "fixtures" / "synthesis" / "chi-bo-level.json"
CALENDAR_FORM = builtin()[DEFAULT_FORM]
WORKING_FORM = CALENDAR_FORM.model_copy(update={"days_late": "working"})
DUE = datetime.fromisoformat("2025-01-25T00:00:00+07:00")  # by the end of Friday 24/01/2025
RECEIVED = datetime.fromisoformat("2025-02-04T10:00:00+07:00")  # Tuesday after Tết
LATE_UNIT = "cb-snv-thanh-tra"


def _node(received: datetime = RECEIVED) -> Node:
    own = Own(due_before=DUE, version=1, on_time=False, received_at=received,
              first_received_at=received)  # fmt: skip
    return Node(directive_id="d", requirement_id="r1", unit_id="cb", own=own)


def test_the_node_counts_days_late_as_its_form_says():
    node = _node()
    node.recompute(CALENDAR_FORM)
    assert node.totals.days_late == 11
    node.recompute(WORKING_FORM)  # Monday 03/02 whole, Tuesday started
    assert node.totals.days_late == 2
    # on the operator's calendar, passed in: Monday 03/02 given off
    announced = WorkCalendar(days_off={date(2025, 2, 3): "Nghỉ bù"})
    node.recompute(WORKING_FORM, announced)
    assert node.totals.days_late == 1
    again = node.model_copy(deep=True)
    again.recompute(WORKING_FORM, announced)
    assert again == node


def test_the_listing_names_each_late_unit_with_its_working_days():
    directory = Directory([])
    listing = Listing(directory, WORKING_FORM)
    listing.add(_node())
    assert [e.days_late for e in listing.late] == [2]
    requirement = ReportingRequirement(
        id="r1", action="báo cáo kết quả", due_before=DUE, form=DEFAULT_FORM
    )
    section = requirement_synthesis(requirement, WORKING_FORM, _node(), listing, False, directory)
    assert section.form is not None and section.form.days_late == "working"
    assert section.day_word == "ngày làm việc"


@pytest.fixture
def synthesis() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _one_late(s: dict, working: bool) -> dict:
    """The fixture with Chi bộ Thanh tra Sở 2 days late, under a form counting working
    days or calendar days."""
    s = copy.deepcopy(s)
    r = s["requirements"][0]
    if working:
        r["form"]["days_late"] = "working"
    child = next(c for c in r["children"] if c["unit_id"] == LATE_UNIT)
    child.update(on_time=0, late=1, days_late=2)
    r["totals"].update(on_time=2, late=1, days_late=2, average_days_late=2.0)
    r["on_time"] = [e for e in r["on_time"] if e["unit_id"] != LATE_UNIT]
    late = {"unit_id": LATE_UNIT, "name": "Chi bộ Thanh tra Sở", "received_at": None}
    r["late"] = [{**late, "days_late": 2}]
    return s


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_synthesis_says_it_counts_working_days_and_reads_back_the_same(synthesis):
    working = _one_late(synthesis, working=True)
    assert Synthesis.model_validate(working).model_dump(mode="json") == working
    plain = _one_late(synthesis, working=False)
    [section] = Synthesis.model_validate(plain).model_dump(mode="json")["requirements"]
    assert "days_late" not in section["form"]


def test_the_report_words_working_days(synthesis):
    text = markdown.render(build_report(_one_late(synthesis, working=True)))
    assert "Chi bộ Thanh tra Sở (muộn 2 ngày làm việc)" in text
    assert "(bình quân muộn 2 ngày làm việc)" in text
    assert "Muộn 2 ngày làm việc" in text  # the unit's row in the table


def test_a_calendar_day_report_reads_as_before(synthesis):
    text = markdown.render(build_report(_one_late(synthesis, working=False)))
    assert "Chi bộ Thanh tra Sở (muộn 2 ngày)" in text
    assert "(bình quân muộn 2 ngày)" in text and "Muộn 2 ngày" in text
    assert "ngày làm việc" not in text


def test_the_status_page_words_working_days(synthesis):
    text = _text(page.render(_one_late(synthesis, working=True), "http://127.0.0.1:8080"))
    assert "Chi bộ Thanh tra Sở — muộn 2 ngày làm việc" in text
    assert "bình quân muộn 2 ngày làm việc" in text
    assert "Muộn 2 ngày làm việc" in text
    plain = _text(page.render(_one_late(synthesis, working=False), "http://127.0.0.1:8080"))
    assert "Chi bộ Thanh tra Sở — muộn 2 ngày" in plain and "ngày làm việc" not in plain
