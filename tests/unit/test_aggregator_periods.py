"""Which period of a recurring requirement the aggregator's pages show
(services/aggregator/console/periods.py), and the status page rendered from a synthesis
with two quarters of one requirement and a one-off one: the period asked for, the links
that keep it, the trend table and chart."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest

from services.aggregator.console.periods import (
    PERIOD_MAX_LENGTH,
    PERIOD_PATTERN,
    Counts,
    choices,
    key_in,
    shown,
    trend,
)
from services.aggregator.domain.synthesis import Synthesis
from services.aggregator.status import page
from services.aggregator.status.charts import trend_chart
from tests.html_checks import assert_inert

FIXTURE = Path(__file__).parents[1] / "fixtures" / "synthesis" / "chi-bo-level.json"
STAFF = "https://chidao.example.vn"
DIRECTIVE = "101-kh-du--du-so-noi-vu-hy"  # the fixture's


@dataclass(frozen=True)
class Item:
    id: str
    period: str | None = None


ITEMS = [
    Item("r1--2025-q1", "Quý I/2025"),
    Item("r1--2025-q2", "Quý II/2025"),
    Item("once"),
    Item("m--2025-03", "Tháng 3/2025"),
    Item("m--2025-04", "Tháng 4/2025"),
    Item("m--2025-05", "Tháng 5/2025"),
    Item("plain--looking", None),  # an id with the separator is no period without one
]


def ids(items) -> list[str]:
    return [i.id for i in items]


def test_by_default_each_recurring_requirement_shows_its_latest_period():
    assert ids(shown(ITEMS, None)) == ["r1--2025-q2", "once", "m--2025-05", "plain--looking"]


def test_a_period_asked_for_is_shown_where_the_requirement_has_it_else_the_latest():
    assert ids(shown(ITEMS, "2025-q1")) == ["r1--2025-q1", "once", "m--2025-05", "plain--looking"]
    assert ids(shown(ITEMS, "2025-04")) == ["r1--2025-q2", "once", "m--2025-04", "plain--looking"]
    assert ids(shown(ITEMS, "2030-q1")) == ids(shown(ITEMS, None))


def test_the_selector_lists_the_periods_of_the_requirement_the_current_one_marked():
    links = choices(ITEMS, ITEMS[0], lambda key: f"?period={key}")
    assert [(c.key, c.label, c.href, c.current) for c in links] == [
        ("2025-q1", "Quý I/2025", "?period=2025-q1", True),
        ("2025-q2", "Quý II/2025", "?period=2025-q2", False),
    ]
    assert choices(ITEMS, ITEMS[2], str) == []  # a requirement that does not recur
    assert choices(ITEMS[:1], ITEMS[0], str) == []  # one period: nothing to choose


@pytest.mark.parametrize("key", ["2025", "2025-03", "2025-12", "2025-q4", "2025-h2"])
def test_every_key_the_periods_make_is_a_valid_query_value(key):
    assert re.fullmatch(PERIOD_PATTERN, key) and len(key) <= PERIOD_MAX_LENGTH


@pytest.mark.parametrize("value", ["2025-q5", "2025-13", "2025-00", "25-q1", "2025-Q1", "x"])
def test_what_no_period_is_keyed_does_not_match(value):
    assert not re.fullmatch(PERIOD_PATTERN, value)


def test_the_period_of_a_requirement_id():
    assert key_in("r1--2025-q1") == "2025-q1"
    assert key_in("r1") is None and key_in(None) is None and key_in("--x") is None


# -- the status page -------------------------------------------------------------------


def _quarters() -> dict:
    """The fixture's synthesis with its requirement as two quarters (Quý I: 3 of 9
    reported, Quý II: none of 9 yet) and a one-off requirement after them."""
    s = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert s["directive"]["id"] == DIRECTIVE
    [r] = s["requirements"]
    q1 = {**copy.deepcopy(r), "id": "r1--2025-q1", "period": "Quý I/2025"}
    q1["recurrence"] = "quarterly"
    q1["due_before"] = "2025-03-20T00:00:00+07:00"
    q1["totals"].update(pending=0, overdue=6)
    q1["children"][0].update(expected=2, missing=1)  # a chi bộ with units below it
    q2 = {**copy.deepcopy(r), "id": "r1--2025-q2", "period": "Quý II/2025"}
    q2["recurrence"] = "quarterly"
    q2["due_before"] = "2025-06-20T00:00:00+07:00"
    q2["totals"].update(submitted=0, on_time=0, missing=9, pending=9, accepted=0)
    for c in q2["children"]:
        c.update(submitted=0, on_time=0, late=0, missing=c["expected"])
    q2["on_time"] = []
    once = {**copy.deepcopy(r), "id": "once", "action": "báo cáo sơ kết"}
    s["requirements"] = [q1, q2, once]
    return s


def _render(period: str | None = None, saved: bool = False):
    html = page.render(Synthesis.model_validate(_quarters()), STAFF, saved=saved, period=period)
    return html, lxml.html.document_fromstring(html)


def _rows(doc) -> dict[str, list[str]]:
    return {
        tr.get("data-period"): [" ".join(td.text_content().split()) for td in tr]
        for tr in doc.xpath("//table[contains(@class, 'trend')]/tbody/tr")
    }


def test_the_status_page_shows_the_latest_quarter_named_and_the_one_off_requirement():
    _, doc = _render()
    headings = [" ".join(h.text_content().split()) for h in doc.xpath("//section/h2")]
    assert headings == ["1. Báo cáo kết quả thực hiện — Quý II/2025", "2. Báo cáo sơ kết"]
    links = doc.xpath("//nav[@class='periods']/a")
    assert [(a.text, a.get("aria-current")) for a in links] == [
        ("Quý I/2025", None),
        ("Quý II/2025", "page"),
    ]
    base = f"/directives/{DIRECTIVE}/status?unit=du-so-noi-vu-hy"
    assert [a.get("href") for a in links] == [f"{base}&period=2025-q1", f"{base}&period=2025-q2"]


def test_the_trend_table_and_chart_have_a_row_per_quarter_with_its_counts():
    _, doc = _render()
    assert _rows(doc) == {
        "2025-q1": ["Quý I/2025", "trước ngày 20/03/2025", "9", "3", "3", "0", "6", "33,3%"],
        "2025-q2": ["Quý II/2025", "trước ngày 20/06/2025", "9", "0", "0", "0", "0", "0%"],
    }
    bars = doc.xpath("//svg[contains(@class, 'trend')]/g")
    assert [(g.get("data-period"), g.get("data-share")) for g in bars] == [
        ("2025-q1", "33"),
        ("2025-q2", "0"),
    ]
    label = doc.xpath("//svg[contains(@class, 'trend')]/@aria-label")[0]
    assert label == "Biểu đồ tỷ lệ đã báo cáo qua các kỳ: Quý I/2025 3/9; Quý II/2025 0/9"


def test_a_quarter_asked_for_is_shown_and_kept_in_the_page_links():
    _, doc = _render("2025-q1")
    section = doc.xpath("//section[@id='yeu-cau-r1--2025-q1']")
    assert section and not doc.xpath("//section[@id='yeu-cau-r1--2025-q2']")
    value = section[0].xpath(".//div[contains(@class, 'submitted')]//span[@class='value']")
    assert value[0].text == "3/9"
    # the units below, the snapshot, the report of an earlier quarter
    hrefs = doc.xpath("//a/@href")
    assert any("unit=cb-" in h and h.endswith("&period=2025-q1") for h in hrefs)
    assert any("saved=true" in h and "period=2025-q1" in h for h in hrefs)
    assert any(h.startswith(f"{STAFF}/reports/") and h.endswith("/r1--2025-q1") for h in hrefs)


def test_a_saved_snapshot_links_the_other_quarters_absolutely():
    _, doc = _render("2025-q1", saved=True)
    hrefs = doc.xpath("//nav[@class='periods']/a/@href")
    assert hrefs and all(h.startswith(f"{STAFF}/directives/") for h in hrefs)


def test_a_requirement_that_does_not_recur_has_no_selector_and_no_trend():
    s = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc = lxml.html.document_fromstring(page.render(s, STAFF, period="2025-q1"))
    assert not doc.xpath("//nav[@class='periods']") and not doc.xpath(
        "//table[contains(@class, 'trend')]"
    )


def test_the_page_with_periods_is_inert_and_nfc():
    html, _ = _render()
    assert_inert(html)
    assert html == unicodedata.normalize("NFC", html)


def test_a_period_nothing_is_assigned_in_draws_an_empty_bar():
    items = [Item("r--2025-q1", "Quý I/2025"), Item("r--2025-q2", "Quý II/2025")]
    empty = Counts("trước ngày 20/03/2025", 0, 0, 0, 0, 0)
    rows = trend(items, items[1], str, lambda _: empty)
    assert [r.rate for r in rows] == ["—", "—"]
    chart = trend_chart(rows)
    assert [(b["share"], b["segments"]) for b in chart["rows"]] == [("0", []), ("0", [])]
