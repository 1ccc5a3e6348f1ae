"""One unit's report on one requirement of a directive: its versions and the parent's
decisions on them, as the REPORTS stream holds them. Every rule of a report is here:

- the latest version counts; a version the parent accepted cannot change until the
  parent returns it;
- the first version decides timeliness (``on_time``, ``first_received_at``): a
  correction keeps them;
- the same report again (values and note) is no new version; a correction that sends no
  new file keeps the one already attached;
- a unit's new version that leaves out a value the previous one had is refused, unless
  the field is said cleared on purpose (``cleared``): nothing is lost by a partial resend;
- a report has at most ``max_versions`` versions;
- a return needs a reason; the same decision again is no change.

``submit`` and ``review`` decide and return the event to append (``Outcome.new``) or the
current one unchanged; the caller appends it after ``latest_seq`` / ``review_seq`` and,
should another request append first, rebuilds the thread and decides again."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from services.reporter.domain.refusals import (
    AlreadyAccepted,
    NotReported,
    ReasonMissing,
    TooManyVersions,
    ValuesDropped,
)
from shared import subjects
from shared.contracts import (
    ExtensionChanged,
    Extensions,
    ReportReviewed,
    ReportSubmitted,
    Review,
    Submission,
)
from shared.contracts.extensions import due_in_force
from shared.contracts.submissions import clean_text
from shared.vietnamese import format_instant

E = TypeVar("E", ReportSubmitted, ReportReviewed)
Source = Literal["unit", "plan", "synthesis"]
NARRATIVE = "narrative"  # the note beside the form, cleared by this name too
ReviewDecision = Literal["accepted", "returned"]


@dataclass(frozen=True)
class Outcome(Generic[E]):
    event: E  # the event to append, or the current one when nothing changes
    new: bool


@dataclass(frozen=True)
class ReportThread:
    directive_id: str
    unit_id: str
    requirement_id: str
    latest: ReportSubmitted | None = None
    latest_seq: int = 0  # the stream sequence of ``latest`` (0: none yet)
    last_review: ReportReviewed | None = None
    review_seq: int = 0
    extended: ExtensionChanged | None = None  # the unit's requests for more time
    extension_seq: int = 0

    def after(
        self, event: ReportSubmitted | ReportReviewed | ExtensionChanged, seq: int
    ) -> ReportThread:
        """The thread once ``event`` is stored at stream sequence ``seq``."""
        if isinstance(event, ReportSubmitted):
            return replace(self, latest=event, latest_seq=seq)
        if isinstance(event, ExtensionChanged):
            return replace(self, extended=event, extension_seq=seq)
        return replace(self, last_review=event, review_seq=seq)

    @property
    def extensions(self) -> Extensions | None:
        return self.extended.extensions if self.extended else None

    def due(self, assigned: datetime | None) -> datetime | None:
        """The deadline in force: ``assigned`` (the latest assignment's, as a correction
        may have moved it) unless one was granted. Not ``Extensions.due``: its
        ``original_due`` is the deadline when the first request was made, which a later
        correction may have changed."""
        return due_in_force(assigned, self.extensions)

    @property
    def current(self) -> Submission | None:
        """The version that counts: the latest."""
        return self.latest.submission if self.latest else None

    @property
    def decision(self) -> Review | None:
        """The parent's last decision, on whichever version."""
        return self.last_review.review if self.last_review else None

    @property
    def decision_on_current(self) -> Review | None:
        """The parent's last decision if it is on the version that counts."""
        current, review = self.current, self.decision
        if current is None or review is None or review.version != current.version:
            return None
        return review

    @property
    def accepted(self) -> bool:
        """Whether the version that counts is accepted, so cannot change."""
        current, review = self.current, self.decision
        return current is not None and review is not None and review.accepts(current.version)

    def submit(
        self,
        values: Mapping[str, Any],
        narrative: str,
        *,
        at: datetime,
        due_before: datetime | None,
        max_versions: int,
        issuer: str,
        unsent_files: Collection[str] = (),
        source: Source = "unit",
        synthesis_of: str | None = None,
        cleared: Collection[str] = (),
        labels: Mapping[str, str] | None = None,
    ) -> Outcome[ReportSubmitted]:
        """A new version with ``values`` (checked against the form) and ``narrative``,
        received ``at``; ``unsent_files``: the form's attachment fields the request left
        out; ``cleared``: the fields (and ``narrative``) the unit empties on purpose,
        ``labels`` their names in words. ``issuer`` names whom a unit over
        ``max_versions`` should call."""
        values = dict(values)
        previous = self.current
        if self.latest is not None and previous is not None:
            self._refuse_if_accepted()
            for name in unsent_files:
                # A correction that sends no new file keeps the one already attached.
                if previous.values.get(name):
                    values[name] = previous.values[name]
            if previous.values == values and previous.narrative == narrative:
                return Outcome(self.latest, new=False)
            if source == "unit":  # what chidao files itself is whole by construction
                _refuse_if_dropped(previous, values, narrative, cleared, labels or {})
            self._refuse_if_too_many(max_versions, issuer)
        version = previous.version + 1 if previous else 1
        submission = Submission(
            **self._keys,
            values=values,
            narrative=narrative,
            version=version,
            received_at=at,
            first_received_at=previous.first_received_at if previous else at,
            due_before=due_before,
            on_time=previous.on_time if previous else (due_before is None or at < due_before),
            source=source,
            synthesis_of=synthesis_of,
        )
        event_id = subjects.report_submitted_id(*self._ids, version)
        return Outcome(
            ReportSubmitted(event_id=event_id, occurred_at=at, submission=submission), new=True
        )

    def review(
        self, decision: ReviewDecision, reason: str, *, at: datetime
    ) -> Outcome[ReportReviewed]:
        """The parent's ``decision`` on the version that counts, made ``at``."""
        reason = clean_text(reason)  # it goes into mails, pages and documents
        if decision == "returned" and not reason:
            raise ReasonMissing("Ghi lý do trả lại báo cáo: đơn vị sẽ đọc lý do này.")
        current = self.current
        if current is None:
            raise NotReported(f"Đơn vị {self.unit_id} chưa gửi báo cáo cho yêu cầu này.")
        last = self.decision
        same = last is not None and (last.version, last.decision, last.reason) == (
            current.version,
            decision,
            reason,
        )
        if same and self.last_review is not None:
            return Outcome(self.last_review, new=False)
        event_id = subjects.report_reviewed_id(
            *self._ids, current.version, decision, self.review_seq
        )
        review = Review(
            **self._keys,
            version=current.version,
            decision=decision,
            reason=reason,
            reviewed_at=at,
        )
        return Outcome(ReportReviewed(event_id=event_id, occurred_at=at, review=review), new=True)

    @property
    def _ids(self) -> tuple[str, str, str]:
        return self.directive_id, self.unit_id, self.requirement_id

    @property
    def _keys(self) -> dict[str, str]:
        """The ids as a version's or a review's fields."""
        return dict(zip(("directive_id", "unit_id", "requirement_id"), self._ids, strict=True))

    def _refuse_if_accepted(self) -> None:
        review = self.decision
        if self.accepted and review is not None:
            raise AlreadyAccepted(
                f"Cấp trên đã chấp nhận phiên bản {review.version} của báo cáo này lúc "
                f"{format_instant(review.reviewed_at)}; chỉ sửa được sau khi cấp trên trả lại."
            )

    def _refuse_if_too_many(self, limit: int, issuer: str) -> None:
        """Every version is kept and shown to the parent: a unit may not add them without
        end (200 a second made the parent's page 3.7 MB)."""
        current = self.current
        if current is None or current.version < limit:
            return
        message = (
            f"Báo cáo này đã được gửi {limit} lần, số lần nhiều nhất được phép; hệ thống "
            f"không nhận thêm bản sửa nào. Nếu cần sửa nữa, đề nghị đơn vị liên hệ {issuer} "
            "(đơn vị giao báo cáo)."
        )
        # "problems" is what the form page shows beside the note
        raise TooManyVersions(message, problems={"narrative": message})


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def dropped(
    previous: Submission, values: Mapping[str, Any], narrative: str, cleared: Collection[str]
) -> list[str]:
    """The fields (and the note) the previous version had a value for that ``values``
    leaves out, and that are not said cleared."""
    gone = [
        name
        for name, value in previous.values.items()
        if _filled(value) and not _filled(values.get(name)) and name not in cleared
    ]
    if previous.narrative and not narrative and NARRATIVE not in cleared:
        gone.append(NARRATIVE)
    return gone


KEEP_OR_CLEAR = "Phiên bản trước có giá trị này; gửi lại hoặc ghi rõ bỏ trống."


def _refuse_if_dropped(
    previous: Submission,
    values: Mapping[str, Any],
    narrative: str,
    cleared: Collection[str],
    labels: Mapping[str, str],
) -> None:
    gone = dropped(previous, values, narrative, cleared)
    if not gone:
        return
    named = {NARRATIVE: "Ghi chú", **labels}
    words = ", ".join(f"“{named.get(name, name)}” ({name})" for name in gone)
    raise ValuesDropped(
        f"Phiên bản mới bỏ mất giá trị mà phiên bản {previous.version} đã có: {words}. Gửi "
        "lại cả các giá trị đó, hoặc ghi rõ là bỏ trống có chủ ý (clear, trên dòng lệnh "
        "--clear TÊN_TRƯỜNG).",
        problems=dict.fromkeys(gone, KEEP_OR_CLEAR),
        dropped=gone,
    )
