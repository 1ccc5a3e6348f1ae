"""What units, staff and documents typed is shown as text, never run, in every page,
mail and document chidao writes.

Every HTML template of every service is rendered through the Jinja2 environment its
service renders it with, once with a plain word in every variable and once with markup
(``<script>``, ``<img onerror>``, ``"><svg onload>``, ``javascript:``): the element tree
must be the same, tag for tag and attribute for attribute, and the markup must be in it as
text. The báo cáo tổng hợp is written from a synthesis whose every name and text is
hostile: no element or link of the markup survives in its HTML or in its Markdown (read
back by a Markdown renderer that passes raw HTML through), and the .docx is written even
with control characters in a unit's text."""

from __future__ import annotations

import copy
import email
import email.policy
import io
import json
from pathlib import Path

import docx
import lxml.html
import pytest
from jinja2 import Environment, meta
from jinja2.runtime import Macro
from markdown_it import MarkdownIt

from services.aggregator import console as aggregator_console
from services.aggregator.documents import html as report_html
from services.aggregator.documents import markdown
from services.aggregator.documents.docx import render as render_docx
from services.aggregator.documents.report import build_report
from services.aggregator.entrypoints import lateness as lateness_page
from services.aggregator.status import page as status_page
from services.aggregator.synthesis_page import view as synthesis_page
from services.issuer.admin import console as admin_console
from services.issuer.entrypoints import audit as audit_page
from services.issuer.entrypoints import issue_page
from services.notifier.domain import mails as compose
from services.notifier.entrypoints import mails_page
from services.reporter.entrypoints import pages
from services.reporter.entrypoints import reviews as reviews_page
from shared.auth import login as login_page
from shared.contracts import Assignment, ReportingRequirement, Unit
from shared.directory import Directory
from tests.html_checks import assert_inert, shape, shown

ROOT = Path(__file__).parents[2]
SYNTHESIS = ROOT / "tests" / "fixtures" / "synthesis" / "chi-bo-level.json"

HOSTILE = (
    "<script>alert('s')</script><img src=x onerror=alert('i')>\"><svg onload=alert('v')>"
    "'><a href=\"javascript:alert('a')\">bấm</a>"
)
# What a unit may type into a Markdown document's text.
HOSTILE_MARKDOWN = (
    HOSTILE + " ![ảnh](http://evil.example/pixel.png) [bấm](javascript:alert('m')) "
    "<javascript:alert('auto')> &lt;b&gt;"
)
DANGEROUS_TAGS = {"script", "img", "iframe", "object", "embed", "svg", "a", "base", "link"}

# The Jinja2 environment each service renders its HTML templates with.
ENVIRONMENTS: dict[str, Environment] = {
    "reporter pages": pages.CONSOLE.env,
    "aggregator status page": status_page._ENV,
    "aggregator HTML report": report_html._ENV,
    "notifier mails": compose._HTML,
    "issuer audit page": audit_page.CONSOLE.env,
    "sign-in page": login_page._ENV,
    # the staff console's pages: each service's own templates and shared/console's
    "aggregator console": aggregator_console.CONSOLE.env,
    "aggregator synthesis page": synthesis_page.CONSOLE.env,
    "aggregator lateness page": lateness_page.CONSOLE.env,
    "reporter review queue": reviews_page.CONSOLE.env,
    "notifier mail timeline": mails_page.CONSOLE.env,
    "issuer issue page": issue_page.CONSOLE.env,
    "issuer administration": admin_console.CONSOLE.env,
}


class Probe:
    """Any value a template may be given: it prints as ``text``, has every attribute and
    item (probes again), iterates over two probes (so that a pair unpacks: ``for key,
    words in ...``), and compares as ``equal`` says (the two
    settings take a template down different branches)."""

    def __init__(self, text: str, equal: bool) -> None:
        self._text, self._equal = text, equal

    def _again(self, *_: object) -> Probe:
        return Probe(self._text, self._equal)

    def __str__(self) -> str:
        return self._text

    def __getattr__(self, name: str) -> Probe:
        if name.startswith("__"):  # no __html__: a probe is never markup already
            raise AttributeError(name)
        return self._again()

    __getitem__ = __add__ = __radd__ = __sub__ = __rsub__ = _again
    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _again
    __call__ = _again  # a function the page is given (a formatter)

    def __float__(self) -> float:  # a number formatted ("%.3f"): a bar's width
        return 1.0

    def __iter__(self):
        return iter([self._again(), self._again()])

    def __len__(self) -> int:
        return 2

    def __eq__(self, other: object) -> bool:
        return self._equal

    def __ne__(self, other: object) -> bool:
        return not self._equal

    __hash__ = object.__hash__

    def __contains__(self, item: object) -> bool:
        return self._equal

    def __lt__(self, other: object) -> bool:
        return self._equal

    __le__ = __gt__ = __ge__ = __lt__


def _templates(env: Environment) -> list[str]:
    return [name for name in env.list_templates() if name.endswith(".html.j2")]


def _variables(env: Environment, name: str, seen: set[str] | None = None) -> set[str]:
    """Every variable a template and the templates it extends, includes and imports use."""
    seen = seen if seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
    ast = env.parse(source)
    found = set(meta.find_undeclared_variables(ast))
    for other in meta.find_referenced_templates(ast):
        if other:
            found |= _variables(env, other, seen)
    return found - set(env.globals)


def test_every_html_template_of_every_service_is_rendered_by_an_autoescaping_environment():
    """No HTML template is left out of the test below."""
    covered = {
        Path(directory) / name
        for env in ENVIRONMENTS.values()
        for directory in _searchpath(env)
        for name in _templates(env)
        if (Path(directory) / name).exists()
    }
    on_disk = {
        p.resolve() for where in ("services", "shared") for p in (ROOT / where).rglob("*.html.j2")
    }
    assert on_disk == {p.resolve() for p in covered}
    for env in ENVIRONMENTS.values():
        assert env.autoescape is True


def _searchpath(env: Environment) -> list[str]:
    """The directories of an environment's loader: a console's ChoiceLoader has the
    service's own and shared/console's."""
    loaders = getattr(env.loader, "loaders", [env.loader])
    return [d for loader in loaders for d in loader.searchpath]


CASES = [
    pytest.param(env, name, equal, id=f"{where}:{name}:{'equal' if equal else 'different'}")
    for where, env in ENVIRONMENTS.items()
    for name in _templates(env)
    for equal in (False, True)
]


def _render(env: Environment, name: str, text: str, equal: bool) -> str:
    """The template with a probe in every variable; a template of macros only (the
    status page's charts) as each of its macros called with probes."""
    template = env.get_template(name)
    page = template.render({v: Probe(text, equal) for v in _variables(env, name)})
    if page.strip():
        return page
    module = template.make_module({v: Probe(text, equal) for v in _variables(env, name)})
    macros = [m for m in vars(module).values() if isinstance(m, Macro)]
    assert macros, f"{name} renders nothing"
    drawn = (m(*[Probe(text, equal) for _ in m.arguments]) for m in macros)
    return "<html><body>" + "".join(drawn) + "</body></html>"


@pytest.mark.parametrize(("env", "name", "equal"), CASES)
def test_markup_in_every_variable_of_a_template_is_shown_as_text(env, name, equal):
    variables = _variables(env, name)
    plain = _render(env, name, "chữ", equal)
    hostile = _render(env, name, HOSTILE, equal)
    assert shape(hostile) == shape(plain)
    assert_inert(hostile)
    if variables and "chữ" in shown(plain):
        assert HOSTILE in shown(hostile)


# --- the synthesis and the báo cáo tổng hợp ----------------------------------------------

TEXT_KEYS = {"title", "text", "reason", "action", "issuer", "place", "label", "document"}


def _is_text(under: str, entry: dict, key: str) -> bool:
    """What a person typed or named, not an id or a figure chidao worked out: "name" is a
    unit's name or a form field's id, "text" a unit's text or an added-up figure."""
    if key == "name":
        return "unit_id" in entry or under in ("unit", "parent")
    if key == "text":
        return under != "figures"
    return key in TEXT_KEYS


def _poisoned(value, hostile: str, under: str = ""):
    """The synthesis with ``hostile`` after every name and text in it."""
    if isinstance(value, dict):
        return {
            k: v + " " + hostile
            if isinstance(v, str) and _is_text(under, value, k)
            else _poisoned(v, hostile, k)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_poisoned(v, hostile, under) for v in value]
    return value


@pytest.fixture(scope="module")
def synthesis() -> dict:
    return json.loads(SYNTHESIS.read_text(encoding="utf-8"))


def test_the_status_page_shows_hostile_names_and_texts_as_text(synthesis):
    plain = status_page.render(synthesis, "http://127.0.0.1:8083")
    hostile = status_page.render(_poisoned(synthesis, HOSTILE), "http://127.0.0.1:8083")
    assert shape(hostile) == shape(plain)
    assert_inert(hostile)
    assert HOSTILE in shown(hostile)


def test_the_html_report_shows_hostile_names_and_texts_as_text(synthesis):
    plain = report_html.render(build_report(synthesis))
    hostile = report_html.render(build_report(_poisoned(synthesis, HOSTILE)))
    assert shape(hostile) == shape(plain)
    assert_inert(hostile)
    assert HOSTILE in shown(hostile)


def _markdown_as_html(text: str) -> str:
    # CommonMark with tables, raw HTML passed through as a permissive reader would.
    reader = MarkdownIt("commonmark", {"html": True}).enable("table")
    return f"<html><body>{reader.render(text)}</body></html>"


def test_the_markdown_report_reads_back_as_what_units_typed(synthesis):
    plain = markdown.render(build_report(synthesis))
    hostile = markdown.render(build_report(_poisoned(synthesis, HOSTILE_MARKDOWN)))
    page = _markdown_as_html(hostile)
    assert shape(page) == shape(_markdown_as_html(plain))
    tree = lxml.html.document_fromstring(page)
    assert not [el for el in tree.iter() if el.tag in DANGEROUS_TAGS]
    assert_inert(page)
    # each character shows as typed (the entity too, not decoded)
    assert HOSTILE_MARKDOWN in tree.text_content()


@pytest.mark.parametrize(
    "typed",
    [
        "# Tiêu đề giả\n- mục giả\n> trích dẫn giả\n1. số giả",
        "a | b | c\n|---|---|",
        "**đậm** _nghiêng_ `mã` ~~gạch~~ \\ dấu",
    ],
)
def test_markdown_structure_typed_by_a_unit_stays_text(synthesis, typed):
    hostile = markdown.render(build_report(_poisoned(synthesis, typed)))
    page = _markdown_as_html(hostile)
    plain = _markdown_as_html(markdown.render(build_report(synthesis)))
    assert shape(page) == shape(plain)


def test_the_docx_report_is_written_with_control_characters_in_a_unit_s_text(synthesis):
    typed = "Ý kiến\x00 có\x0b ký tự\x1f điều khiển\ufffe và \ud800 nửa cặp"
    written = render_docx(build_report(_poisoned(synthesis, typed)))
    document = docx.Document(io.BytesIO(written))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Ý kiến có ký tự điều khiển và  nửa cặp" in text


# --- mails: the text part is not escaped, and nothing a unit typed becomes a header -------

UNIT = Unit(
    id="cb-vp",
    name="Chi bộ\r\nBcc: ke-gian@evil.example\r\n\r\n<b>Văn phòng</b>",
    kind="chi_bo",
    parent="du-snv",
    emails=["vp@snv.example.org"],
)
ISSUER = Unit(id="du-snv", name="Đảng ủy Sở Nội vụ", kind="grassroots_committee",
              emails=["du@snv.example.org"])  # fmt: skip


def test_a_return_reason_with_header_lines_stays_in_the_mail_body():
    reason = "Đề nghị sửa.\r\nBcc: ke-gian@evil.example\r\nX-Injected: 1\r\n\r\n<script>x</script>"
    a = Assignment(
        directive_id="101-kh-du--du-snv",
        directive_kind="KH",
        directive_ref="101-KH/ĐU\r\nBcc: ke-gian@evil.example",
        directive_title="Kế hoạch\nX-Injected: 2",
        directive_issued_on="2024-06-19",
        issuer_unit="du-snv",
        issuer="Đảng ủy Sở Nội vụ",
        unit_id="cb-vp",
        requirement=ReportingRequirement(id="r1", action="báo cáo\r\nX-Injected: 3"),
        assigned_at="2024-06-19T08:00:00+07:00",
    )
    mail = compose.returned_mail("review.x", a, UNIT, Directory([ISSUER, UNIT]), 2, reason)
    raw = mail.to_message("chidao@chidao.example.org").as_bytes()
    received = email.message_from_bytes(raw, policy=email.policy.default)
    headers = [name.lower() for name in received]
    assert "bcc" not in headers and "x-injected" not in headers
    assert headers.count("to") == 1 and headers.count("subject") == 1
    header_block = raw.split(b"\n\n", 1)[0].decode("ascii")  # every header is ASCII
    assert "<vp@snv.example.org>" in header_block
    text = received.get_body(preferencelist=("plain",)).get_content()
    assert "Bcc: ke-gian@evil.example" in text and "<script>x</script>" in text  # as typed
    html = received.get_body(preferencelist=("html",)).get_content()
    assert_inert(html)
    assert "<script>x</script>" in shown(html)


def test_the_poisoned_fixture_really_carries_the_markup(synthesis):
    """The tests above would pass on a synthesis with no text in it."""
    poisoned = json.dumps(_poisoned(copy.deepcopy(synthesis), HOSTILE), ensure_ascii=False)
    assert poisoned.count(HOSTILE.replace('"', '\\"')) > 20
