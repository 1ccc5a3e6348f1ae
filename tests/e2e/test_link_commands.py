"""`chidao link resend`, as the staff's scripts run it against a running stack: the unit
is mailed its assignment again with a link that opens its form, and a unit the directive
did not assign is told in words, with a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.factories import directive_to_chi_bo, numbered
from tests.support import OPERATOR_TOKEN, as_operator, assignment_link, mails_of, wait_for

pytestmark = pytest.mark.e2e

PARENT = "du-so-khdt-hy"
UNIT = "cb-skhdt-van-phong"
UNIT_NAME = "Chi bộ Văn phòng Sở Kế hoạch và Đầu tư"
DIRECTIVE = directive_to_chi_bo(PARENT, "Đảng ủy Sở Kế hoạch và Đầu tư", "79-KH/ĐU", "Gửi lại")


def _chidao(stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CHIDAO_NOTIFIER_URL": stack.url("notifier"),
        "CHIDAO_ISSUER_URL": stack.url("issuer"),  # finds the directive and unit named
        "CHIDAO_OPERATOR_TOKEN": OPERATOR_TOKEN,
    }
    return subprocess.run(
        [sys.executable, "-m", "chidao", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_link_resend_mails_the_unit_a_working_link_again(stack, number):
    directive, directive_id = numbered(DIRECTIVE, number)
    issued = as_operator.post(f"{stack.url('issuer')}/api/directives", json=directive, timeout=30)
    assert issued.status_code == 201, issued.text
    assignment_link(stack.mail, directive_id, UNIT)  # its first mail is in

    # named as a clerk names them: the number-symbol, the unit's name
    args = ("link", "resend", "--directive", directive["ref"], "--unit", UNIT_NAME)
    resent = _chidao(stack, *args)
    assert resent.returncode == 0, resent.stderr
    assert f"Đã gửi lại thư giao nhiệm vụ, kèm đường dẫn báo cáo, cho {UNIT_NAME}." in resent.stdout
    [mail] = wait_for(lambda: mails_of(stack.mail, directive_id, "resend", UNIT), 30, "the resend")
    link = assignment_link(stack.mail, directive_id, UNIT)
    assert as_operator.get(link, timeout=30).status_code == 200  # the unit's form opens
    assert "GỬI LẠI" in mail.text()

    stranger = _chidao(stack, "link", "resend", "--directive", directive_id, "--unit", PARENT)
    assert stranger.returncode != 0
    assert "không được giao yêu cầu báo cáo này" in stranger.stderr, stranger.stderr
    assert "<" not in stranger.stderr and "404" not in stranger.stderr  # words, no markup
