"""The rules of one unit's report on one requirement (ReportThread), without NATS: each
decision is made on a thread rebuilt from the events already stored."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.reporter.domain.refusals import (
    AlreadyAccepted,
    NotReported,
    ReasonMissing,
    TooManyVersions,
)
from services.reporter.domain.report_thread import ReportThread, ReviewDecision
from shared.clock import VN_TZ
from shared.contracts import AttachedFile, ReportReviewed, ReportSubmitted
from shared.errors import Conflict, Invalid, NotFound

DUE = datetime(2024, 7, 1, tzinfo=VN_TZ)
BEFORE, AFTER = DUE - timedelta(days=2), DUE + timedelta(days=3)
FILE = AttachedFile(
    filename="bao-cao.pdf", object_name="ab" * 32 + ".pdf", content_type="application/pdf", size=3
)


def empty() -> ReportThread:
    return ReportThread("kh-101", "cb-a", "r1")


def submit(thread: ReportThread, values: dict, at: datetime = BEFORE, **kw) -> ReportThread:
    """``thread`` once the version ``values`` make is stored (the next sequence)."""
    outcome = thread.submit(
        values, kw.pop("narrative", ""), at=at, due_before=DUE, max_versions=kw.pop("limit", 5),
        issuer="Đảng ủy Sở Nội vụ", **kw,
    )  # fmt: skip
    assert outcome.new
    return thread.after(outcome.event, thread.latest_seq + thread.review_seq + 1)


def review(
    thread: ReportThread, decision: ReviewDecision, reason: str = "", at: datetime = AFTER
) -> ReportThread:
    outcome = thread.review(decision, reason, at=at)
    assert outcome.new
    return thread.after(outcome.event, thread.latest_seq + thread.review_seq + 1)


def test_the_first_version_is_stamped_and_judged_on_time():
    thread = submit(empty(), {"so_dang_vien": 12})
    s = thread.current
    assert s is not None
    assert (s.version, s.received_at, s.first_received_at, s.on_time) == (1, BEFORE, BEFORE, True)
    assert thread.latest is not None
    assert thread.latest.event_id == "report-submitted.kh-101.cb-a.r1.v1"


def test_a_late_first_version_is_late():
    thread = submit(empty(), {"so_dang_vien": 12}, at=AFTER)
    assert thread.current is not None and thread.current.on_time is False


def test_a_correction_keeps_the_first_versions_timeliness_and_the_latest_counts():
    thread = submit(submit(empty(), {"so_dang_vien": 12}), {"so_dang_vien": 13}, at=AFTER)
    s = thread.current
    assert s is not None
    assert (s.version, s.values, s.received_at) == (2, {"so_dang_vien": 13}, AFTER)
    assert (s.first_received_at, s.on_time) == (BEFORE, True)


def test_the_same_report_again_is_no_new_version():
    thread = submit(empty(), {"so_dang_vien": 12}, narrative="ghi chú")
    again = thread.submit(
        {"so_dang_vien": 12}, "ghi chú", at=AFTER, due_before=DUE, max_versions=5, issuer="x"
    )
    assert not again.new and again.event is thread.latest
    changed_note = thread.submit(
        {"so_dang_vien": 12}, "khác", at=AFTER, due_before=DUE, max_versions=5, issuer="x"
    )
    assert changed_note.new and changed_note.event.submission.version == 2


def test_a_correction_without_a_new_file_keeps_the_one_attached():
    thread = submit(empty(), {"van_ban": FILE, "so_dang_vien": 1})
    thread = submit(thread, {"so_dang_vien": 2}, unsent_files={"van_ban"})
    assert thread.current is not None
    assert thread.current.values == {"van_ban": FILE, "so_dang_vien": 2}
    # ... and sending nothing new beside it is the same report
    same = thread.submit(
        {"so_dang_vien": 2}, "", at=AFTER, due_before=DUE, max_versions=5, issuer="x",
        unsent_files={"van_ban"},
    )  # fmt: skip
    assert not same.new


def test_an_accepted_version_cannot_change_until_it_is_returned():
    thread = review(submit(empty(), {"so_dang_vien": 12}), "accepted")
    assert thread.accepted
    with pytest.raises(AlreadyAccepted) as refused:
        thread.submit(
            {"so_dang_vien": 13}, "", at=AFTER, due_before=DUE, max_versions=5, issuer="x"
        )
    assert isinstance(refused.value, Conflict)
    assert "đã chấp nhận phiên bản 1" in refused.value.message
    reopened = review(thread, "returned", "Thiếu số liệu")
    assert not reopened.accepted
    corrected = submit(reopened, {"so_dang_vien": 13}).current
    assert corrected is not None and corrected.version == 2


def test_at_most_max_versions():
    thread = empty()
    for n in range(3):
        thread = submit(thread, {"so_dang_vien": n}, limit=3)
    with pytest.raises(TooManyVersions) as refused:
        thread.submit(
            {"so_dang_vien": 9}, "", at=AFTER, due_before=DUE, max_versions=3,
            issuer="Đảng ủy Sở Nội vụ",
        )  # fmt: skip
    message = refused.value.message
    assert "đã được gửi 3 lần" in message and "Đảng ủy Sở Nội vụ" in message
    assert refused.value.details == {"problems": {"narrative": message}}
    # the same report again is still no change, not a refusal
    same = thread.submit(
        {"so_dang_vien": 2}, "", at=AFTER, due_before=DUE, max_versions=3, issuer="x"
    )
    assert not same.new


def test_a_return_needs_a_reason():
    thread = submit(empty(), {"so_dang_vien": 12})
    for blank in ("", "   ", "\x00\n"):
        with pytest.raises(ReasonMissing) as refused:
            thread.review("returned", blank, at=AFTER)
        assert isinstance(refused.value, Invalid)
    # ... which comes first, even before there is a report
    with pytest.raises(ReasonMissing):
        empty().review("returned", "", at=AFTER)


def test_no_review_before_a_report():
    with pytest.raises(NotReported) as refused:
        empty().review("accepted", "", at=AFTER)
    assert isinstance(refused.value, NotFound)
    assert refused.value.message == "Đơn vị cb-a chưa gửi báo cáo cho yêu cầu này."


def test_the_same_decision_again_is_no_change_and_a_new_one_follows_the_last():
    thread = review(submit(empty(), {"so_dang_vien": 12}), "returned", " Thiếu số liệu ")
    assert thread.decision is not None and thread.decision.reason == "Thiếu số liệu"
    again = thread.review("returned", "Thiếu số liệu", at=AFTER)
    assert not again.new and again.event is thread.last_review
    accepted = thread.review("accepted", "", at=AFTER)
    assert accepted.new
    # its id names the review it follows, so a second decision is not a duplicate
    assert accepted.event.event_id.endswith(str(thread.review_seq))


def test_the_decision_shown_with_a_version_is_the_one_on_that_version():
    thread = review(submit(empty(), {"so_dang_vien": 12}), "returned", "Sửa lại")
    assert thread.decision_on_current is not None
    corrected = submit(thread, {"so_dang_vien": 13})
    assert corrected.decision_on_current is None and corrected.decision is not None
    assert not corrected.accepted


def test_a_thread_is_rebuilt_from_its_stored_events():
    thread = review(submit(empty(), {"so_dang_vien": 12}), "accepted")
    assert thread.latest is not None and thread.last_review is not None
    rebuilt = empty()
    for event, seq in (
        (ReportSubmitted.model_validate_json(thread.latest.model_dump_json()), thread.latest_seq),
        (
            ReportReviewed.model_validate_json(thread.last_review.model_dump_json()),
            thread.review_seq,
        ),
    ):
        rebuilt = rebuilt.after(event, seq)
    assert rebuilt == thread and rebuilt.accepted
