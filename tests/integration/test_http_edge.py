"""The HTTP edge of the four services running as processes, as an outsider meets it:

- a report whose narrative, text fields and attached file name are markup, and a return
  reason and a directive title that are too, sent through the reporter's real API and its
  form page: every page that shows them (the staff's view, the unit's link page, the
  receipt, the status page, the HTML and Markdown báo cáo tổng hợp) shows them as text,
  under a Content-Security-Policy that allows no script and exactly the page's own inline
  style; the attached file is only ever downloaded, never shown as a page of ours;
- bodies past the limit (a 20 MB JSON body, an endless chunked one, a large form post)
  are answered 413 in Vietnamese before they are read, and the service's memory does not
  grow with them;
- ids that cannot be ids, and a signed link with an absurd expiry, are answered 404, 422
  or the link page, never 500."""

from __future__ import annotations

import base64
import io
import re
import time
from pathlib import Path
from urllib.parse import quote

import docx
import httpx
import lxml.html
import pytest
from itsdangerous import URLSafeSerializer
from markdown_it import MarkdownIt

from chidao.runtime.stack import Stack
from shared.directory import load_file
from shared.links import SALT
from shared.settings import DEVELOPMENT_LINK_SECRET
from tests.accounts import PASSWORD, add_account
from tests.factories import DEMO_DIRECTORY, directive_to_chi_bo
from tests.html_checks import assert_inert, elements, shown, style_hashes
from tests.support import as_operator, assignment_link, running, wait_for

pytestmark = pytest.mark.e2e

UPLOAD_LIMIT = 4 << 20  # CHIDAO_MAX_UPLOAD_BYTES of this stack
PARENT = "du-so-khdt-hy"
UNIT = "cb-skhdt-van-phong"
DIRECTIVE_ID = "79-kh-du--du-so-khdt-hy"
HOSTILE = (
    "<script>alert('s')</script><img src=x onerror=alert('i')>\"><svg onload=alert('v')>"
    "'><a href=\"javascript:alert('a')\">bấm</a> ![ảnh](http://evil.example/p.png)"
)
FILE_NAME = "\"><img src=x onerror=alert('f')>.pdf"
# A browser (and httpx) sends a '"' in a posted file's name as %22.
POSTED_FILE_NAME = "<svg onload=alert('p')><img src=x onerror=alert('f')>.pdf"
DIRECTIVE = directive_to_chi_bo(
    PARENT, "Đảng ủy Sở Kế hoạch và Đầu tư", "79-KH/ĐU", f"Thử nội dung độc {HOSTILE}"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("edge"),
        extra_env={"CHIDAO_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)},
    )
    with running(stack, load_file(DEMO_DIRECTORY)):
        yield stack


@pytest.fixture(scope="module")
def token(stack) -> str:
    """The directive issued, and the token of the chi bộ's signed link from its mail."""
    issued = as_operator.post(f"{stack.url('issuer')}/api/directives", json=DIRECTIVE, timeout=30)
    assert issued.status_code == 201, issued.text

    return assignment_link(stack.mail, DIRECTIVE_ID, UNIT).rsplit("/r/", 1)[1]


def _page(response: httpx.Response, status: int = 200) -> str:
    """A page as served: its status, HTML, and the headers that keep markup inert."""
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy and "base-uri 'none'" in policy
    assert "form-action 'self'" in policy
    styles = re.search(r"style-src ([^;]*)", policy).group(1).split()
    assert style_hashes(response.text) <= set(styles)  # its own style, by hash, applies
    assert "'unsafe-inline'" not in styles
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert_inert(response.text)
    return response.text


@pytest.fixture(scope="module")
def hostile_report(stack, token) -> str:
    """A report whose narrative, texts and file name are markup, sent through the API;
    the address of the staff's page of it."""
    sent = {
        "directive_id": DIRECTIVE_ID,
        "unit_id": UNIT,
        "requirement_id": "r1",
        "narrative": f"Ghi chú {HOSTILE}",
        "values": {
            "sessions": "2",
            "difficulties": f"Khó khăn {HOSTILE}",
            "proposals": f"Đề xuất {HOSTILE}",
            "report_file": {
                "filename": FILE_NAME,
                "content_type": "text/html",
                "data": base64.b64encode(b"<html><script>alert('d')</script></html>").decode(),
            },
        },
    }

    def accepted():
        response = as_operator.post(
            f"{stack.url('reporter')}/api/submissions", json=sent, timeout=30
        )
        return response if response.status_code == 201 else None

    wait_for(accepted, what="the report accepted")
    return f"{stack.url('reporter')}/reports/{DIRECTIVE_ID}/{UNIT}/r1"


def test_a_hostile_report_is_text_on_every_page_and_document(stack, token, hostile_report):
    reporter, aggregator = stack.url("reporter"), stack.url("aggregator")
    # the parent's staff read it
    staff_url = hostile_report
    staff = _page(as_operator.get(staff_url, timeout=30))
    for typed in (f"Ghi chú {HOSTILE}", f"Khó khăn {HOSTILE}", f"Đề xuất {HOSTILE}", FILE_NAME):
        assert typed in shown(staff)

    # the file is only ever a download, never a page of ours
    link = next(
        a.get("href")
        for a in lxml.html.document_fromstring(staff).iter("a")
        if a.text_content() == FILE_NAME
    )
    download = as_operator.get(f"{reporter}{link}", timeout=30)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"  # not the claimed text/html
    assert download.headers["content-disposition"].startswith("attachment;")
    assert quote(FILE_NAME, safe="") in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"

    # they return it with a hostile reason, which the unit reads on its link page
    returned = as_operator.post(
        staff_url, data={"decision": "return", "reason": f"Sửa lại {HOSTILE}"}, timeout=30
    )
    assert f"Sửa lại {HOSTILE}" in shown(_page(returned))
    form = _page(as_operator.get(f"{reporter}/r/{token}", timeout=30))
    assert f"Sửa lại {HOSTILE}" in shown(form) and DIRECTIVE["title"] in shown(form)

    # the unit corrects it on the form page, with a hostile file name again
    posted = as_operator.post(
        f"{reporter}/r/{token}",
        data={
            "sessions": "3",
            "difficulties": f"Vẫn khó {HOSTILE}",
            "narrative": f"Lần hai {HOSTILE}",
        },
        files={"report_file": (POSTED_FILE_NAME, b"%PDF-1.4 ban sua", "application/pdf")},
        timeout=30,
    )
    receipt = _page(posted, 201)
    assert POSTED_FILE_NAME in shown(receipt)

    # the committee's status page and its báo cáo tổng hợp
    synthesis = f"{aggregator}/api/directives/{DIRECTIVE_ID}/synthesis"

    def rolled_up():
        body = as_operator.get(synthesis, timeout=30).json()
        notes = body["requirements"][0].get("notes", [])
        return any("Lần hai" in n["text"] for n in notes)

    wait_for(rolled_up, what="the corrected report in the roll-up")
    status = _page(as_operator.get(f"{aggregator}/directives/{DIRECTIVE_ID}/status", timeout=30))
    for typed in (f"Lần hai {HOSTILE}", f"Vẫn khó {HOSTILE}", DIRECTIVE["title"]):
        assert typed in shown(status)
    report = _page(as_operator.get(synthesis, params={"format": "html"}, timeout=30))
    assert f"Vẫn khó {HOSTILE}" in shown(report)  # the units' texts; narratives stay out
    md = as_operator.get(synthesis, params={"format": "md"}, timeout=30).text
    # read by a Markdown reader that lets raw HTML through: the unit's text is text there
    read = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    read = f"<html><body>{read}</body></html>"
    assert_inert(read)
    assert not [el for el in elements(read) if el.tag in ("a", "img", "svg")]
    assert f"Vẫn khó {HOSTILE}" in shown(read)
    written = as_operator.get(synthesis, params={"format": "docx"}, timeout=30)
    assert written.status_code == 200
    paragraphs = [p.text for p in docx.Document(io.BytesIO(written.content)).paragraphs]
    assert any(f"Vẫn khó {HOSTILE}" in p for p in paragraphs)


def test_in_a_browser_the_markup_does_not_run_and_the_pages_keep_their_style(
    stack, token, hostile_report, tmp_path
):
    from selenium.common.exceptions import NoAlertPresentException

    from tests.e2e.browser import browser, sign_in

    driver = browser(tmp_path / "chromium")
    try:
        add_account(
            stack.admin_nats_url, "chuyenvien.edge", DIRECTIVE["issuer_unit"], "chuyen_vien"
        )
        sign_in(driver, stack.url("reporter"), "chuyenvien.edge", PASSWORD)
        for url in (
            hostile_report,
            f"{stack.url('reporter')}/r/{token}",
            f"{stack.url('aggregator')}/directives/{DIRECTIVE_ID}/status",
        ):
            driver.get(url)
            with pytest.raises(NoAlertPresentException):
                driver.switch_to.alert  # noqa: B018  (an alert() of the markup would be open)
            live = "return document.querySelectorAll('img, script, a[href^=javascript]').length"
            assert driver.execute_script(live) == 0, url
            # the page's own style sheet applied: the policy allows it by its hash
            font = driver.execute_script("return getComputedStyle(document.body).fontFamily")
            assert font.startswith("Arial"), (url, font)
    finally:
        driver.quit()


# --- bodies past the limit ---------------------------------------------------------------


def _memory_mb(pid: int) -> dict[str, float]:
    """The process's resident memory now and at its peak since the last reset, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM back to the current RSS


def _chunks(total: int, counter: dict[str, int]):
    """A chunked body (no Content-Length): the server learns its size only by reading."""
    while counter["sent"] < total:
        counter["sent"] += 1 << 16
        yield b" " * (1 << 16)


@pytest.mark.parametrize(
    ("service", "path", "declared", "size", "limit"),
    [
        ("reporter", f"/api/submissions/{DIRECTIVE_ID}/{UNIT}/r1/review", True, 20_000_000,
         1 << 20),
        ("issuer", "/api/directives", False, 20_000_000, 1 << 20),
        ("reporter", "/api/submissions", False, 60_000_000, UPLOAD_LIMIT),
        ("issuer", "/api/directives/upload", True, 60_000_000, UPLOAD_LIMIT),
    ],
    ids=["declared-20MB-json", "chunked-20MB-json", "chunked-60MB-upload", "declared-60MB-upload"],
)  # fmt: skip
def test_a_body_past_the_limit_is_refused_and_not_held_in_memory(
    stack, service, path, declared, size, limit
):
    pid = stack.procs[service].process.pid
    before = _memory_mb(pid)["VmRSS"]
    _reset_peak(pid)
    counter = {"sent": 0}
    content = b" " * size if declared else _chunks(size, counter)
    kind = "multipart/form-data; boundary=x" if path.endswith("upload") else "application/json"
    started = time.monotonic()
    response = as_operator.post(
        f"{stack.url(service)}{path}", content=content, headers={"content-type": kind},
        timeout=60,
    )  # fmt: skip
    took = time.monotonic() - started
    assert response.status_code == 413, response.text[:500]
    assert response.json()["limit_bytes"] == limit
    assert response.json()["error"].startswith("Nội dung gửi lên quá lớn")
    grown = _memory_mb(pid)["VmHWM"] - before
    # the service held at most the limit, never the body (a few MB of noise besides)
    assert grown < limit / (1 << 20) * 2.5 + 8, f"grew {grown:.0f} MB in {took:.1f} s"


def test_a_form_page_post_past_the_limit_gets_a_vietnamese_page(stack, token):
    pid = stack.procs["reporter"].process.pid
    _reset_peak(pid)
    before = _memory_mb(pid)["VmRSS"]
    response = as_operator.post(
        f"{stack.url('reporter')}/r/{token}",
        data={"sessions": "3"},
        files={"report_file": ("bao-cao.pdf", b"%PDF" + b"x" * 30_000_000, "application/pdf")},
        timeout=60,
    )
    page = _page(response, 413)
    assert "Nội dung gửi lên quá lớn: máy chủ chỉ nhận tối đa 4 MB" in shown(page)
    assert _memory_mb(pid)["VmHWM"] - before < 20


# --- what can never be an id ---------------------------------------------------------------

NOT_IDS = [
    "a.b",
    "a*",
    "a>",
    "a b",
    "Đảng",
    "A",
    "-a",
    "a" * 300,
    "%2E%2E",
    "a%00b",
    "%F0%9F%98%80",
]
ROUTES = [
    ("issuer", "GET", "/api/directives/{x}"),
    ("issuer", "GET", "/api/cascade/{x}"),
    ("reporter", "GET", "/api/submissions/{x}/{x}/{x}"),
    ("reporter", "POST", "/api/submissions/{x}/u/r/review"),
    ("reporter", "GET", "/reports/{x}/u/r"),
    ("reporter", "POST", "/reports/d/{x}/r"),
    ("reporter", "GET", "/files/d/u/{x}/v1/f"),
    ("reporter", "GET", "/files/d/u/r/v1/{x}"),
    ("aggregator", "GET", "/api/directives/{x}/synthesis"),
    ("aggregator", "POST", "/api/directives/{x}/synthesis/approve"),
    ("aggregator", "GET", "/directives/{x}/status"),
    ("aggregator", "POST", "/directives/{x}/status"),
]


@pytest.mark.parametrize(("service", "method", "route"), ROUTES)
def test_an_id_that_cannot_be_one_is_answered_plainly(stack, service, method, route):
    for bad in NOT_IDS:
        url = stack.url(service) + route.replace("{x}", bad)
        json_body = {"decision": "accept"} if route.endswith("review") else None
        response = as_operator.request(method, url, json=json_body, timeout=30)
        assert response.status_code in (404, 422), (bad, response.status_code, response.text)
        if route.startswith("/api/"):
            assert response.json()["error"], bad
        else:
            assert response.headers["content-type"].startswith("text/html"), bad


@pytest.mark.parametrize("expiry", [10**30, -(10**30), 2**63, "x"])
def test_a_signed_link_with_an_absurd_expiry_opens_the_link_page(stack, expiry):
    signer = URLSafeSerializer([DEVELOPMENT_LINK_SECRET], salt=SALT)
    forged = signer.dumps({"d": DIRECTIVE_ID, "u": UNIT, "r": "r1", "e": expiry})
    page = _page(as_operator.get(f"{stack.url('reporter')}/r/{forged}", timeout=30), 403)
    assert "Đường dẫn không hợp lệ" in shown(page)
