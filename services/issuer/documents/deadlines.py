"""Deadlines: a deliverable (báo cáo, ban hành, gửi, hoàn thành, ...) with a time
("trước ngày 10/12/2024", "trong tháng 5/2024", "hằng năm vào tháng 12", "định kỳ").

A time without a deliverable is not a deadline ("họp vào cuối tháng 12"), nor is a
deliverable without a time ("báo cáo Đảng ủy kết quả thực hiện"). Each deadline keeps the
clause it comes from, the action and the body it goes to."""

from __future__ import annotations

import re
from datetime import date

from services.issuer.documents.dates import find_deadline_time
from services.issuer.documents.text import fold_keeping_length, squash
from shared.contracts import ParsedDeadline

# "báo cáo" is also a noun: "báo cáo viên", "thông qua báo cáo chính trị", "dự thảo báo cáo".
_VERB = re.compile(
    r"\b(?:(?<!thong qua )(?<!du thao )(?<!nghe )(?<!tai )(?<!cac )(?<!cua )"
    r"bao\s+cao(?!\s+vien|\s+chinh\s+tri)|gui|nop|ban\s+hanh|hoan\s+thanh|"
    r"xay\s+dung\s+(?=ke\s+hoach|huong\s+dan|chuong\s+trinh|bao\s+cao|de\s+an))"
)
# Words that begin what is delivered, after a recipient written right after the verb.
_OBJECT_WORDS = (
    r"(?:ket\s+qua|viec|tinh\s+hinh|ke\s+hoach|noi\s+dung|so\s+lieu|danh\s+sach|"
    r"van\s+ban|y\s+kien|de\s+xuat|bao\s+cao|huong\s+dan|chuong\s+trinh)\b"
)
_OBJECT_START = re.compile(rf"\s+(?={_OBJECT_WORDS})")
_OBJECT_HERE = re.compile(_OBJECT_WORDS)
# Where the delivered thing's description ends (besides "về <Body>", see _to_body).
_OBJECT_END = re.compile(
    r"\s*\(qua\b|\s+theo\s+quy\s+dinh|\s+cua\s+|\s+de\s+|,?\s+gui\s+|\s*;|\s*$"
)
_VE = re.compile(r"\s+ve\s+")
_TO_END = re.compile(
    r"\s+(?:trong|de|theo|truoc|cham|hang|dinh|vao|cuoi|ket|viec|tinh\s+hinh|nhu|sau|khi|"
    r"gui|tai|bang|cho|qua|moi)\b|\s+\d|\s*[,;.(]|\s*$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZĐÀ-Ỹ“\"(])")
_LEAD = re.compile(r"^\s*(?:\(?\d{1,2}(?:\.\d{1,2})*[.)-]\s*|[-+•]\s*|[a-zđ]\)\s*)")
_LABEL = re.compile(r"^[^:,;]{1,25}:\s+")
_CONNECTOR = re.compile(r"^\s*(?:dong\s+thoi|va|sau\s+do|ngoai\s+ra)\s*,?\s+")
_RECURRENCE_ADVERB = re.compile(r"^\s*(?:dinh\s+ky|h[a]ng\s+(?:nam|quy|thang|tuan))")
_SPECIFICALLY = re.compile(r"\bcu\s+the\s*:\s*")


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def _capital_at(text: str, index: int) -> bool:
    return index < len(text) and text[index].isupper()


def _to_body(clause: str, folded: str, start: int, end: int) -> re.Match[str] | None:
    """The first "về <Capitalised body>" between start and end ("về tác phẩm" is not one)."""
    for match in _VE.finditer(folded, start, end):
        if _capital_at(clause, match.end()):
            return match
    return None


def _to_phrase(text: str, folded: str, start: int) -> tuple[str, int]:
    """A body's name starting at ``start``, with a "(qua ...)" after it."""
    end_match = _TO_END.search(folded, start)
    end = end_match.start() if end_match else len(text)
    name = squash(text[start:end])
    via = re.match(r"\s*\((qua\s[^),;]*)", folded[end:])
    if via:
        name = f"{name} ({squash(text[end + via.start(1) : end + via.end(1)])})"
        end += via.end()
    return name, end


class KnownNames:
    """The names a document uses elsewhere (issuer, basis, addressees, recipients) that
    are long enough to recognise, of 3 to 40 words, folded: looked up by their words, so
    that a deadline's recipient is not compared with every name one by one."""

    def __init__(self, names: list[str]) -> None:
        self.by_words: dict[int, set[str]] = {}
        for name in names:
            words = fold_keeping_length(name).split()
            if 3 <= len(words) <= 40:
                self.by_words.setdefault(len(words), set()).add(" ".join(words))
        self.sizes = sorted(self.by_words, reverse=True)  # the longest name first

    def ends(self, words: list[str]) -> bool:
        """Whether ``words`` (folded) end with one of the names."""
        return any(
            size <= len(words) and " ".join(words[-size:]) in self.by_words[size]
            for size in self.sizes
        )


def _trim_to_known(name: str, known: KnownNames) -> str:
    """'... Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh ủy' -> '... Doanh nghiệp tỉnh' when the
    document names 'Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh' elsewhere: a stray word after
    a name the document itself uses is a typo, not part of the name."""
    parts = re.split(r"(\s+và\s+|,\s+)", name)
    for i in range(0, len(parts), 2):
        words = parts[i].split()
        if len(words) < 4 or not words[-1].islower():
            continue
        if known.ends([fold_keeping_length(word) for word in words[-41:-1]]):
            stray = parts[i].rstrip()
            parts[i] = stray[: len(stray) - len(words[-1])].rstrip()
    return "".join(parts)


def _action_and_to(
    clause: str, folded: str, verb: re.Match[str], time_start: int
) -> tuple[str | None, str | None]:
    """What is delivered ("báo cáo kết quả thực hiện") and where it goes, from a clause
    with its verb found; ``time_start`` is where the deadline's time begins."""
    to: str | None = None
    cursor = verb.end()
    after = folded[cursor:].lstrip()
    cursor += len(folded[cursor:]) - len(after)
    if after.startswith("ve ") and _capital_at(clause, cursor + 3):
        # "báo cáo về Ban Tuyên giáo ... kết quả ..."
        to, cursor = _to_phrase(clause, folded, cursor + 3)
        cursor += len(folded[cursor:]) - len(folded[cursor:].lstrip())
    elif _capital_at(clause, cursor) and not _OBJECT_HERE.match(folded, cursor):
        object_start = _OBJECT_START.search(folded, cursor)
        if object_start and object_start.start() - cursor < 120:
            # "báo cáo Ban Thường vụ ... kết quả ..."
            to = squash(clause[cursor : object_start.start()])
            cursor = object_start.end()
        else:
            # "báo cáo Ban Thường vụ Đảng ủy trước ngày ...": only where it goes
            to, cursor = _to_phrase(clause, folded, cursor)
            cursor += len(folded[cursor:]) - len(folded[cursor:].lstrip())
    time_start = time_start if time_start >= cursor else len(clause)
    stop = _OBJECT_END.search(folded, cursor, time_start)
    object_end = min(stop.start() if stop else time_start, time_start)
    if (to_body := _to_body(clause, folded, cursor, object_end)) is not None:
        object_end = to_body.start()
    obj = re.sub(r"\s+này$", "", squash(clause[cursor:object_end]).rstrip(" ,;.:"))
    action = squash(f"{clause[verb.start() : verb.end()]} {obj}") or None
    if to is None and (later := _to_body(clause, folded, object_end, len(clause))):
        # "... kết quả thực hiện về Ban Thường vụ Tỉnh ủy (qua ...)"
        to, _ = _to_phrase(clause, folded, later.end())
    return action, to


def _deadline(
    clause: str, reference: date | None, known: KnownNames, inherited_to: str | None
) -> ParsedDeadline | None:
    folded = fold_keeping_length(clause)
    found = find_deadline_time(folded, reference)
    verb = _VERB.search(folded)
    if found is None or verb is None:
        return None
    # Where the clause's text starts: after an enumerator or a short label
    # ("3. Thời gian: ..."), or at a recurrence word that opens the verb's phrase
    # ("..., định kỳ báo cáo ...").
    start = 0
    if lead := _LEAD.match(folded):
        start = lead.end()
    if (label := _LABEL.match(folded[start:])) and len(label.group().split()) <= 4:
        start += label.end()
    if connector := _CONNECTOR.match(folded[start:]):
        start += connector.end()
    segment = folded.rfind(",", start, verb.start())
    if segment >= 0 and _RECURRENCE_ADVERB.match(folded[segment + 1 :]):
        start = segment + 1 + len(folded[segment + 1 :]) - len(folded[segment + 1 :].lstrip())
    end = found.end if found.end > verb.start() else len(clause)
    text = squash(clause[start:end]).rstrip(" .,;)")
    action, to = _action_and_to(clause, folded, verb, found.start)
    to = to or inherited_to
    return ParsedDeadline(
        text=text,
        action=action,
        to=_trim_to_known(to, known) if to else None,
        due_before=found.due_before,
        recurrence=found.recurrence,
    )


def _lead_recipient(lead: str) -> str | None:
    """Where a "cụ thể:" list's lead clause sends its reports."""
    folded = fold_keeping_length(lead)
    verb = _VERB.search(folded)
    return _action_and_to(lead, folded, verb, len(lead))[1] if verb else None


def find_deadlines(
    body: list[str], reference: date | None, known: list[str]
) -> list[ParsedDeadline]:
    found: list[ParsedDeadline] = []
    texts: set[str] = set()  # of the deadlines found: the same clause twice is one
    names = KnownNames(known)
    for paragraph in body:
        for sentence in sentences(paragraph):
            # Items of "(..., cụ thể: A; B; C)" inherit the recipient of the clause before
            # "cụ thể", until the parenthesis closes.
            inherited: str | None = None
            open_parens = 0
            for clause in sentence.split(";"):
                head = clause
                specifically = _SPECIFICALLY.search(fold_keeping_length(clause))
                if specifically:
                    inherited = _lead_recipient(clause[: specifically.start()])
                    head = clause[specifically.end() :]
                elif open_parens > 0:
                    head = clause.split(")")[0]
                deadline = _deadline(
                    head, reference, names, inherited if open_parens or specifically else None
                )
                open_parens += clause.count("(") - clause.count(")")
                if open_parens <= 0:
                    open_parens, inherited = 0, None
                if deadline and deadline.text not in texts:
                    texts.add(deadline.text)
                    found.append(deadline)
    dated = sorted(
        ((d.due_before, i) for i, d in enumerate(found) if d.due_before), key=lambda due: due[0]
    )
    return [found[i] for _, i in dated] + [d for d in found if not d.due_before]
