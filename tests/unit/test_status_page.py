"""The aggregator's live status page, rendered from a real synthesis (a grassroots
committee with 9 chi bộ, 3 reported): what the staff read on it and follow from it."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from services.aggregator.status import page

FIXTURE = Path(__file__).parents[1] / "fixtures" / "synthesis" / "chi-bo-level.json"
PUBLIC_URL = "http://127.0.0.1:8080"  # the staff site (CHIDAO_CONSOLE_URL)
PARENT_DIRECTIVE = "153-kh-duk--duk-cqdn-hung-yen"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element] = field(default_factory=list)
    text: str = ""

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self):
        for child in self.children:
            yield child
            yield from child.walk()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str):
        return [
            e
            for e in self.walk()
            if (tag is None or e.tag == tag)
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}>"
        return found[0]

    def ancestors(self):
        e = self.parent
        while e is not None:
            yield e
            e = e.parent


VOID = {"meta", "input", "br", "hr", "img", "link"}


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.open[-1])
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.open[-1])
        self.open[-1].children.append(element)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data):
        for element in self.open:
            element.text += data


def parse(html: str) -> Element:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    assert tree.open == [tree.root], "unclosed elements"
    return tree.root


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def synthesis() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def requirement(synthesis) -> dict:
    return synthesis["requirements"][0]


def _render(s: dict, message: str = "") -> tuple[str, Element]:
    html = page.render(s, PUBLIC_URL, message=message)
    return html, parse(html)


def _with_parents(s: dict) -> dict:
    s = copy.deepcopy(s)
    s["directive"]["parents"] = [PARENT_DIRECTIVE]
    return s


def _chart(doc: Element, kind: str) -> Element:
    charts = doc.find_all("svg", cls=kind)
    assert len(charts) == 1, f"{len(charts)} {kind} charts"
    return charts[0]


def _bars(doc: Element) -> dict[str, Element]:
    return {g.attrs["data-unit"]: g for g in _chart(doc, "completion").find_all("g", cls="bar")}


def _filled(bar: Element) -> float:
    return sum(float(r.attrs["width"]) for r in bar.find_all("rect", cls="segment"))


def _track(bar: Element) -> float:
    return float(bar.find("rect", cls="track").attrs["width"])


def test_the_page_is_vietnamese_titled_by_the_document_and_refreshes_when_asked(synthesis):
    html, doc = _render(synthesis)
    assert doc.find("html").attrs["lang"] == "vi"
    # a reader's page stays put (WCAG 2.2.1); a monitoring screen asks it to reload
    assert not doc.find_all("meta", http_equiv="refresh")
    turn_on = [a for a in doc.find_all("a") if "Tự cập nhật mỗi 15 giây" in words(a.text)]
    assert turn_on and "live=true" in turn_on[0].attrs["href"]
    live = parse(page.render(synthesis, PUBLIC_URL, live=True))
    assert live.find("meta", http_equiv="refresh").attrs["content"] == "15"
    assert "dừng tự cập nhật" in words(live.find("header").text)
    assert words(doc.find("title").text) == "Tình hình thực hiện Kế hoạch số 101-KH/ĐU"
    header = words(doc.find("header").text)
    assert "Kế hoạch số 101-KH/ĐU ngày 19/06/2024 của Đảng ủy Sở Nội vụ" in header
    assert synthesis["directive"]["title"] in header
    assert "Đảng ủy Sở Nội vụ" in header
    assert "Số liệu tính đến 13 giờ 54, ngày 22/11/2026" in header
    assert "<style>" in html


def test_the_requirement_shows_its_action_deadline_and_headline_numbers(synthesis):
    _, doc = _render(synthesis)
    section = doc.find("section", cls="requirement")
    assert words(section.find("h2").text) == "Báo cáo kết quả thực hiện"
    text = words(section.text)
    assert "trước ngày 10/12/2099 (Thứ Năm)" in text
    cards = {
        words(c.find("dt").text): words(c.find("dd").text) for c in section.find_all(cls="card")
    }
    assert cards["Đã báo cáo"].startswith("3/9") and "33,3%" in cards["Đã báo cáo"]
    assert cards["Đúng hạn"].startswith("3")
    assert cards["Muộn"].startswith("0")
    assert cards["Chưa báo cáo, còn trong hạn"].startswith("6")  # its deadline is ahead
    assert cards["Đã chấp nhận"].startswith("1")


def test_both_charts_are_accessible_inline_svg(synthesis):
    _, doc = _render(synthesis)
    for kind in ("completion", "timeliness"):
        svg = _chart(doc, kind)
        assert svg.attrs["role"] == "img"
        label = svg.attrs["aria-label"]
        assert label.startswith("Biểu đồ")
        assert re.fullmatch(r"0 0 \d+ \d+", svg.attrs["viewbox"])


def test_the_completion_chart_has_one_bar_per_child_unit(synthesis, requirement):
    _, doc = _render(synthesis)
    bars = _bars(doc)
    assert len(bars) == len(requirement["children"]) == 9
    assert set(bars) == {c["unit_id"] for c in requirement["children"]}


def test_a_child_that_reported_has_a_full_bar_and_one_that_did_not_an_empty_one(
    synthesis, requirement
):
    _, doc = _render(synthesis)
    bars = _bars(doc)
    full = [c for c in requirement["children"] if (c["submitted"], c["expected"]) == (1, 1)]
    empty = [c for c in requirement["children"] if (c["submitted"], c["expected"]) == (0, 1)]
    assert len(full) == 3 and len(empty) == 6
    for c in full:
        bar = bars[c["unit_id"]]
        assert bar.attrs["data-share"] == "100"
        assert _filled(bar) == pytest.approx(_track(bar))
        assert words(bar.find("text", cls="count").text) == "1/1"
    for c in empty:
        bar = bars[c["unit_id"]]
        assert bar.attrs["data-share"] == "0"
        assert _filled(bar) == 0
        assert words(bar.find("text", cls="count").text) == "0/1"


def test_a_subtree_bar_is_filled_in_proportion_on_time_green_and_late_amber(synthesis):
    s = copy.deepcopy(synthesis)
    child = s["requirements"][0]["children"][0]
    child.update(expected=4, submitted=3, on_time=2, late=1, missing=1, days_late=2)
    _, doc = _render(s)
    bar = _bars(doc)[child["unit_id"]]
    assert _filled(bar) == pytest.approx(_track(bar) * 3 / 4, abs=0.01)
    on_time = bar.find("rect", cls="on-time")
    late = bar.find("rect", cls="late")
    assert float(on_time.attrs["width"]) == pytest.approx(2 * float(late.attrs["width"]), 0.01)
    assert on_time.attrs["fill"] == page.ON_TIME_COLOUR
    assert late.attrs["fill"] == page.LATE_COLOUR
    assert words(bar.find("text", cls="count").text) == "3/4"


def test_a_long_unit_name_is_cut_on_the_bar_but_whole_in_its_title(synthesis, requirement):
    _, doc = _render(synthesis)
    long = next(c for c in requirement["children"] if len(c["name"]) > page.LABEL_CHARS)
    bar = _bars(doc)[long["unit_id"]]
    label = bar.find("text", cls="label").text
    assert label.endswith("…") and len(label) <= page.LABEL_CHARS
    assert long["name"].startswith(label[:-1])
    assert long["name"] in bar.find("title").text
    short = next(c for c in requirement["children"] if len(c["name"]) < 25)
    assert _bars(doc)[short["unit_id"]].find("text", cls="label").text == short["name"]


def test_the_timeliness_chart_counts_are_the_totals(synthesis, requirement):
    _, doc = _render(synthesis)
    chart = _chart(doc, "timeliness")
    legend = {g.attrs["data-status"]: g for g in chart.find_all("g", cls="legend")}
    totals = requirement["totals"]
    expected = {"on-time": totals["on_time"], "late": totals["late"], "missing": totals["missing"]}
    assert {k: int(g.attrs["data-count"]) for k, g in legend.items()} == expected
    assert words(legend["on-time"].text).startswith("Đúng hạn: 3")
    assert words(legend["late"].text).startswith("Muộn: 0")
    assert words(legend["missing"].text).startswith("Chưa báo cáo: 6")
    width = float(chart.find("rect", cls="track").attrs["width"])
    segments = {r.attrs["data-status"]: r for r in chart.find_all("rect", cls="segment")}
    for status, count in expected.items():
        drawn = float(segments[status].attrs["width"]) if status in segments else 0.0
        assert drawn == pytest.approx(width * count / totals["expected"], abs=0.01)
    assert segments["on-time"].attrs["fill"] == page.ON_TIME_COLOUR
    assert segments["missing"].attrs["fill"] == page.MISSING_COLOUR


def test_late_reports_show_their_days_in_the_chart_table_and_list(synthesis):
    s = copy.deepcopy(synthesis)
    r = s["requirements"][0]
    child = next(c for c in r["children"] if c["unit_id"] == "cb-snv-thanh-tra")
    child.update(on_time=0, late=1, days_late=2)
    r["totals"].update(on_time=2, late=1, days_late=2, average_days_late=2.0)
    r["on_time"] = [e for e in r["on_time"] if e["unit_id"] != "cb-snv-thanh-tra"]
    r["late"] = [{"unit_id": "cb-snv-thanh-tra", "name": "Chi bộ Thanh tra Sở", "days_late": 2}]
    _, doc = _render(s)
    legend = {g.attrs["data-status"]: g for g in _chart(doc, "timeliness").find_all("g")}
    assert legend["late"].attrs["data-count"] == "1"
    assert legend["on-time"].attrs["data-count"] == "2"
    row = next(tr for tr in doc.find_all("tr", cls="unit-row") if "Thanh tra Sở" in tr.text)
    assert "Muộn 2 ngày" in words(row.text)
    late = words(doc.find("ul", cls="late").text)
    assert "Chi bộ Thanh tra Sở — muộn 2 ngày" in late
    card = next(c for c in doc.find_all(cls="card") if words(c.find("dt").text) == "Muộn")
    assert "bình quân muộn 2 ngày" in words(card.text)


def test_every_missing_unit_is_named_in_the_missing_list(synthesis, requirement):
    _, doc = _render(synthesis)
    listed = [words(li.text) for li in doc.find("ul", cls="missing").find_all("li")]
    assert listed == [e["name"] for e in requirement["missing"]]
    assert len(listed) == requirement["totals"]["missing"] == 6


def test_returned_reports_are_listed_with_their_reasons_and_texts_by_field(synthesis):
    _, doc = _render(synthesis)
    returned = words(doc.find("ul", cls="returned").text)
    assert "Chi bộ Thanh tra Sở: Đề nghị bổ sung số tin, bài." in returned
    text = words(doc.text)
    assert "Khó khăn, vướng mắc" in text
    assert "Chi bộ Thanh tra Sở: “Một đảng viên đi công tác dài ngày.”" in text
    assert "Đề xuất, kiến nghị" in text
    assert "Chi bộ Văn phòng Sở: “Đề nghị cấp thêm tài liệu bản in.”" in text


def test_the_table_has_a_row_per_child_with_its_status_and_filled_in_figures(
    synthesis, requirement
):
    _, doc = _render(synthesis)
    table = doc.find("table", cls="units")
    headers = [words(th.text) for th in table.find("thead").find_all("th")]
    assert headers[:3] == ["STT", "Đơn vị", "Tình hình báo cáo"]
    assert "Số buổi sinh hoạt, quán triệt (buổi)" in headers
    assert not any("Số tài liệu phát hành" in h for h in headers)  # nobody filled it in
    rows = table.find_all("tr", cls="unit-row")
    assert len(rows) == len(requirement["children"])
    office = next(tr for tr in rows if "Văn phòng Sở" in tr.text)
    cells = [words(td.text) for td in office.find_all("td")]
    assert cells[2] == "Đúng hạn"
    assert cells[headers.index("Số lượt người tham gia (lượt người)")] == "42"
    assert cells[headers.index("Tỷ lệ đảng viên tham gia")] == "94,7%"
    missing = next(tr for tr in rows if "Ban Tôn giáo" in tr.text)
    assert words(missing.find_all("td")[2].text) == "Chưa báo cáo"
    total = [words(td.text) for td in table.find("tfoot").find_all("td")]
    assert total[1:4] == ["Tổng cộng", "3/9 (đúng hạn 3, muộn 0)", "6"]


def test_the_figures_come_in_form_order_with_counts_per_choice(synthesis):
    _, doc = _render(synthesis)
    items = [words(li.text) for li in doc.find("ul", cls="figures").children]
    assert items[0] == "Số buổi sinh hoạt, quán triệt: 6 buổi"
    assert items[4] == "Tỷ lệ đảng viên tham gia: 93%"
    assert items[5].startswith("Hình thức tổ chức:")
    assert "Hội nghị: 1" in items[5] and "Sinh hoạt chi bộ: 2" in items[5]
    assert items[-1] == "Số tin, bài tuyên truyền: 4 tin, bài"


def test_reported_children_link_to_their_report_on_the_reporter(synthesis, requirement):
    _, doc = _render(synthesis)
    table = doc.find("table", cls="units")
    links = {words(a.text): a.attrs["href"] for a in table.find_all("a")}
    d = synthesis["directive"]["id"]
    reported = [c for c in requirement["children"] if c["submitted"]]
    assert len(reported) == 3
    for c in reported:
        assert links[c["name"]] == f"{PUBLIC_URL}/reports/{d}/{c['unit_id']}/r1"
    for c in requirement["children"]:
        if not c["submitted"]:
            assert c["name"] not in links
    returned = doc.find("ul", cls="returned").find("a").attrs["href"]
    assert returned == f"{PUBLIC_URL}/reports/{d}/cb-snv-thanh-tra/r1"


def test_a_public_url_with_a_trailing_slash_makes_no_double_slash(synthesis):
    html = page.render(synthesis, PUBLIC_URL + "/")
    assert f"{PUBLIC_URL}/reports/" in html and f"{PUBLIC_URL}//" not in html


def test_a_child_with_units_below_links_to_its_own_status_page(synthesis):
    s = copy.deepcopy(synthesis)
    child = s["requirements"][0]["children"][0]
    child.update(expected=3, submitted=1, on_time=1, missing=2)
    _, doc = _render(s)
    link = next(a for a in doc.find("table", cls="units").find_all("a") if a.text == child["name"])
    assert link.attrs["href"] == (
        f"/directives/{s['directive']['id']}/status?unit={child['unit_id']}"
    )
    row = next(tr for tr in doc.find_all("tr", cls="unit-row") if child["name"] in tr.text)
    assert "1/3 (đúng hạn 1, muộn 0)" in words(row.text)


def test_the_synthesis_downloads_are_linked_for_the_unit(synthesis):
    _, doc = _render(synthesis)
    hrefs = {a.attrs["href"] for a in doc.find("nav", cls="downloads").find_all("a")}
    base = "/api/directives/101-kh-du--du-so-noi-vu-hy/synthesis?unit=du-so-noi-vu-hy"
    assert hrefs == {f"{base}&format=docx", f"{base}&format=html", f"{base}&format=md"}


def test_no_script_and_no_address_elsewhere_than_the_reporter(synthesis):
    for s in (synthesis, _with_parents(synthesis)):
        html, doc = _render(s, message="Đã duyệt báo cáo tổng hợp và gửi lên cấp trên.")
        assert "<script" not in html.lower()
        assert not [e for e in doc.walk() if any(k.startswith("on") for k in e.attrs)]
        assert " src=" not in html and "url(" not in html and "@import" not in html
        addresses = re.findall(r"(?:https?:)?//[^\s\"'<>]*", html)
        assert addresses, "the reporter links are expected on this page"
        assert all(a.startswith(f"{PUBLIC_URL}/reports/") for a in addresses), addresses
        for e in doc.walk():
            for name in ("href", "action"):
                if name in e.attrs:
                    assert e.attrs[name].startswith(("/", f"{PUBLIC_URL}/")), e.attrs


def test_markup_in_the_data_comes_out_escaped(synthesis):
    s = copy.deepcopy(synthesis)
    r = s["requirements"][0]
    evil = "<b>x</b>"
    quote = '"><i>y</i>'
    r["children"][0]["name"] = evil
    r["children"][5]["name"] = "Chi bộ " + quote + " " + "z" * 60  # cut on its bar
    r["missing"][0]["name"] = evil
    r["returned"][0]["reason"] = evil
    r["texts"][0]["entries"][0]["text"] = evil
    r["action"] = evil
    s["directive"]["title"] = evil
    s["unit"]["name"] = evil
    html, doc = _render(_with_parents(s), message=evil)
    assert "<b>" not in html and "<i>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert evil in words(doc.find("ul", cls="missing").text)
    assert evil in doc.find("div", cls="message").text
    bars = _chart(doc, "completion").find_all("g", cls="bar")
    assert len(bars) == len(r["children"])
    assert any(quote in bar.find("title").text for bar in bars)
    assert any(evil in svg.attrs["aria-label"] for svg in doc.find_all("svg"))


def test_the_approve_form_is_only_for_the_issuer_of_a_directive_with_parents(synthesis):
    _, doc = _render(synthesis)
    assert not doc.find_all("form")
    assert "Duyệt và gửi" not in doc.text
    # the issuer's parent is outside this directive's tree: no link up to it
    assert not [a for a in doc.find_all("a") if "duk-cqdn-hung-yen" in a.attrs["href"]]

    s = _with_parents(synthesis)
    _, doc = _render(s)
    forms = doc.find_all("form")
    assert len(forms) == 1
    form = forms[0]
    assert form.attrs["method"] == "post"
    assert form.attrs["action"] == f"/directives/{s['directive']['id']}/status"
    hidden = form.find("input", type="hidden")
    assert (hidden.attrs["name"], hidden.attrs["value"]) == ("requirement", "r1")
    button = form.find("button")
    assert words(button.text) == "Duyệt và gửi báo cáo tổng hợp lên cấp trên"
    assert button.attrs.get("type", "submit") == "submit"

    below = copy.deepcopy(s)
    below["unit"] = {"id": "cb-snv-van-phong", "name": "Chi bộ Văn phòng Sở",
                     "kind": "chi_bo", "parent": {"id": "du-so-noi-vu-hy",
                                                  "name": "Đảng ủy Sở Nội vụ"}}  # fmt: skip
    _, doc = _render(below)
    assert not doc.find_all("form")
    assert doc.find("a", href="/directives/101-kh-du--du-so-noi-vu-hy/status?unit=du-so-noi-vu-hy")


def test_a_plan_requirement_gets_no_approve_button(synthesis):
    s = _with_parents(synthesis)
    plan = copy.deepcopy(s["requirements"][0])
    plan.update(id="r0", action="ban hành kế hoạch thực hiện")
    plan["form"] = {"id": "van-ban-trien-khai", "title": "Văn bản triển khai", "columns": []}
    s["requirements"].insert(0, plan)
    _, doc = _render(s)
    sections = doc.find_all("section", cls="requirement")
    assert len(sections) == 2
    assert not sections[0].find_all("form")
    assert [i.attrs["value"] for i in doc.find_all("input", name="requirement")] == ["r1"]
    assert words(sections[0].find("h2").text) == "1. Ban hành kế hoạch thực hiện"


def test_the_message_is_shown_in_a_box_and_the_refresh_returns_to_the_get_page(synthesis):
    message = "Đã duyệt báo cáo tổng hợp và gửi lên cấp trên."
    _, doc = _render(_with_parents(synthesis), message=message)
    assert words(doc.find("div", cls="message").text) == message
    refresh = doc.find("meta", http_equiv="refresh").attrs["content"]
    assert refresh == "15; url=/directives/101-kh-du--du-so-noi-vu-hy/status?unit=du-so-noi-vu-hy"
    _, doc = _render(synthesis)
    assert not doc.find_all("div", cls="message")


def test_a_unit_without_children_shows_its_own_report_and_no_bars(synthesis):
    s = copy.deepcopy(synthesis)
    r = s["requirements"][0]
    r["children"] = []
    r["own"] = {"version": 1, "on_time": True, "received_at": "2026-11-22T13:53:58+07:00",
                "source": "web", "accepted": True, "returned": False}  # fmt: skip
    _, doc = _render(s)
    assert not doc.find_all("svg", cls="completion")
    assert doc.find("svg", cls="timeliness").attrs["role"] == "img"
    own = doc.find("p", cls="own")
    assert "Đúng hạn (đã được chấp nhận), nhận lúc 13 giờ 53, ngày 22/11/2026" in words(own.text)
    assert own.find("a").attrs["href"] == (
        f"{PUBLIC_URL}/reports/101-kh-du--du-so-noi-vu-hy/du-so-noi-vu-hy/r1"
    )


def test_all_text_is_nfc(synthesis):
    for s in (synthesis, _with_parents(synthesis)):
        html = page.render(s, PUBLIC_URL, message="Chưa gửi được báo cáo tổng hợp.")
        assert unicodedata.is_normalized("NFC", html)
    for template in (Path(page.__file__).parent / "templates").glob("*.j2"):
        assert unicodedata.is_normalized("NFC", template.read_text(encoding="utf-8"))


def test_a_saved_snapshot_works_as_a_file(synthesis):
    # what "Lưu bản chụp thành tệp" downloads: kept on a disk, opened from there
    live = parse(page.render(synthesis, PUBLIC_URL))
    save = live.find(
        "a", href="/directives/101-kh-du--du-so-noi-vu-hy/status?unit=du-so-noi-vu-hy&saved=true"
    )
    assert words(save.text) == "Lưu bản chụp thành tệp"

    html = page.render(_with_parents(synthesis), PUBLIC_URL, saved=True)
    doc = parse(html)
    assert not doc.find_all("meta", http_equiv="refresh")  # a file does not reload itself
    assert not doc.find_all("form")  # nor approves anything
    note = words(doc.find("p", cls="saved").text)
    assert note.startswith("Bản lưu: số liệu tính đến 13 giờ 54, ngày 22/11/2026")
    # every link reaches the staff site from wherever the file is: none is relative
    links = [e.attrs["href"] for e in doc.walk() if "href" in e.attrs]
    assert links and all(h.startswith(f"{PUBLIC_URL}/") for h in links), links
    assert f"{PUBLIC_URL}/api/directives/101-kh-du--du-so-noi-vu-hy/synthesis?unit=" in html
    assert "<style>" in html  # and it looks the same: its style is inside it


def test_what_is_missing_after_the_deadline_is_counted_overdue(synthesis):
    # Báo cáo 1270/BC-TCTTTg's four counts: on time, late, pending within the deadline,
    # not done and overdue
    late = copy.deepcopy(synthesis)
    totals = late["requirements"][0]["totals"]
    totals.update(pending=0, overdue=totals["missing"])
    _, doc = _render(late)
    labels = [words(c.find("dt").text) for c in doc.find_all(cls="card")]
    assert "Chưa báo cáo, quá hạn" in labels and "Chưa báo cáo, còn trong hạn" not in labels
