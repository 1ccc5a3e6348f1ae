"""The console's home and a directive's page in a real headless Chromium, through the
staff site's one address (the front), against the four services as processes: a
committee's leader signs in, sees what came from above (one report due this week) and
the plan it issued with its chi bộ's progress, opens it and filters the returned report.
Each page is saved at 390 px (a phone) and 1280 px wide (var/screenshots/console-*.png),
and axe-core finds nothing serious or critical on it at either width."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.clock import VN_TZ
from shared.contracts.directives import directive_id
from tests.accounts import PASSWORD, add_account
from tests.e2e.browser import browser, click_and_wait, page_shots, sign_in
from tests.factories import FIGURES, number_for, vn_midnight
from tests.support import as_operator, wait_for

pytestmark = pytest.mark.e2e

KHOI, SNV = "duk-cqdn-hung-yen", "du-so-noi-vu-hy"
P_REF = f"{number_for('console-home-browser-parent')}-KH/ĐUK"
S_REF = f"{number_for('console-home-browser-plan')}-KH/ĐU"
P, S = directive_id(P_REF, KHOI), directive_id(S_REF, SNV)


def _directive(ref, unit, issuer, title, requirements, kinds):
    return {
        "kind": "KH", "ref": ref, "issued_on": datetime.now(VN_TZ).date().isoformat(),
        "place": "Hưng Yên", "issuer_unit": unit, "issuer": issuer, "title": title,
        "addressees": [{"under": unit, "kinds": kinds}], "requirements": requirements,
    }  # fmt: skip


def _post(url: str, body: dict) -> dict:
    answer = as_operator.post(url, json=body, timeout=30)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


@pytest.fixture(scope="module")
def campaign(stack) -> None:
    """P from Đảng ủy Khối (a plan due in three days), S from Đảng ủy Sở Nội vụ to its chi
    bộ; three chi bộ report on S and one report is returned."""
    issuer, reporter = stack.url("issuer"), stack.url("reporter")
    _post(f"{issuer}/api/directives", _directive(
        P_REF, KHOI, "Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh",
        "Tổ chức học tập, quán triệt nghị quyết Hội nghị Trung ương",
        [{"id": "plan", "action": "ban hành kế hoạch thực hiện", "due_before": vn_midnight(3)},
         {"id": "report", "action": "báo cáo kết quả thực hiện", "due_before": vn_midnight(40)}],
        ["grassroots_committee"],
    ))  # fmt: skip
    _post(f"{issuer}/api/directives", _directive(
        S_REF, SNV, "Đảng ủy Sở Nội vụ", "Sinh hoạt chính trị đầu năm tại các chi bộ",
        [{"id": "r1", "action": "báo cáo kết quả thực hiện", "due_before": vn_midnight(12)}],
        ["chi_bo"],
    ))  # fmt: skip
    for unit in ("cb-snv-van-phong", "cb-snv-thanh-tra", "cb-snv-cchc"):
        body = {"directive_id": S, "unit_id": unit, "requirement_id": "r1", "values": FIGURES}

        def filed(body: dict = body) -> bool:
            answer = as_operator.post(f"{reporter}/api/submissions", json=body, timeout=30)
            return answer.status_code in (200, 201)

        wait_for(filed, 30, f"{unit}'s report")
    _post(
        f"{reporter}/api/submissions/{S}/cb-snv-thanh-tra/r1/review",
        {"decision": "return", "reason": "Đề nghị bổ sung số đảng viên tham dự."},
    )

    def rolled_up() -> bool:
        answer = as_operator.get(f"{stack.url('aggregator')}/api/directives/{S}/synthesis")
        section = answer.json()["requirements"][0] if answer.status_code == 200 else None
        return bool(section and section["totals"]["submitted"] == 3 and section["returned"])

    wait_for(rolled_up, 30, "the chi bộ's reports in the roll-up")


@pytest.fixture(scope="module")
def driver(tmp_path_factory, stack, campaign):
    chrome = browser(tmp_path_factory.mktemp("chromium"))
    add_account(stack.admin_nats_url, "lanhdao.snv.home", SNV, "chuyen_vien,lanh_dao")
    sign_in(chrome, stack.console_url, "lanhdao.snv.home", PASSWORD)
    yield chrome
    chrome.quit()


def _text(driver) -> str:
    return driver.find_element("tag name", "main").text


def test_the_home_shows_what_came_from_above_and_what_the_unit_issued(driver, stack):
    driver.get(f"{stack.console_url}/")
    wait_for(lambda: driver.refresh() or S_REF in _text(driver), 30, "its own plan on its home")
    text = _text(driver)
    week = driver.find_element("id", "week").find_element("xpath", "..").text
    assert P_REF in week, week  # the plan P asks for is due in three days
    assert "Ban hành kế hoạch thực hiện" in week and "Báo cáo kết quả" not in week, week
    assert "Văn bản cấp trên giao" in text and "Văn bản đơn vị đã ban hành" in text
    assert S_REF in text and "Lập báo cáo" in text and "Ban hành kế hoạch thực hiện" in text
    plan = driver.find_element("link text", "Ban hành kế hoạch thực hiện")
    assert plan.get_attribute("href").endswith(f"/issue?basis={P}")
    page_shots(driver, "console-home")


def test_the_directive_page_filters_its_child_units(driver, stack):
    driver.get(f"{stack.console_url}/directives/{S}")
    text = _text(driver)
    assert "Chi bộ Văn phòng Sở" in text and "Bị trả lại (1)" in text
    assert "3/9 báo cáo đã nộp" in driver.page_source
    page_shots(driver, "console-directive")
    click_and_wait(driver, "a[href$='status=returned']")
    assert "status=returned" in driver.current_url
    current = driver.find_element("css selector", ".filters a[aria-current=true]")
    assert current.text.startswith("Bị trả lại")
    rows = driver.find_elements("css selector", "table.units tbody tr")
    assert len(rows) == 1 and "Thanh tra" in rows[0].text
    page_shots(driver, "console-directive-returned")
