"""A scan that lost its diacritics (seed 001, Kế hoạch 69-KH/BTGTU of Ban Tuyên giáo
Tỉnh ủy Lâm Đồng) is not mailed as the scan reads: its title and requirement go out in
proper Vietnamese, and a word the restorer cannot settle holds the issue until the
issuer confirms or types it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import eventually, mails_of

pytestmark = pytest.mark.e2e

SEED_001 = next((Path(__file__).parents[2] / "chidao/demo/seeds").glob("001_*.txt"))
TITLE = (
    "Triển khai đợt sinh hoạt chính trị, tư tưởng sâu rộng về nội dung tác phẩm “Xây dựng "
    "và phát triển nền đối ngoại, ngoại giao Việt Nam toàn diện, hiện đại mang đậm bản sắc "
    "“Cây tre Việt Nam” của Tổng Bí thư Nguyễn Phú Trọng"
)


def scan(number: int, garble: str = "") -> bytes:
    """Seed 001 under its own number; ``garble`` put into its title."""
    text = SEED_001.read_text(encoding="utf-8").replace("S6 69-KH/", f"S6 {number}-KH/", 1)
    if garble:
        text = text.replace("tu twéng sau rong", f"tu twéng {garble} sau rong", 1)
    return text.encode("utf-8")


async def upload(http, stack, data: bytes, **form: str | list[str]):
    return await http.post(
        f"{stack.url('issuer')}/api/directives/upload",
        files={"file": (SEED_001.name, data)},
        data={"allow_past": "true", **form},  # its 2024 deadline, on the real clock
    )


QUOTE = "requirement.1.text=Hoàn thành trong Quý II/2024"  # the scan: "Quy 11/2024"


async def test_the_scan_is_mailed_with_its_title_and_requirement_restored(stack, http, number):
    held = await upload(http, stack, scan(number))
    assert held.status_code == 422, held.text  # "trong" or "trọng", "Quy" or "Quý"?
    assert held.json()["doubts"] == {"requirement.1.text": ["trong", "Quy"]}
    assert held.json()["document"]["title"] == TITLE  # the title needed no one
    answer = await upload(http, stack, scan(number), set=QUOTE)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["document"]["title"] == TITLE
    unit_mails = await eventually(
        lambda: mails_of(stack.mail, body["directive_id"], "assignment"), what="its mails"
    )
    mail = unit_mails[0]
    # the scan says "Hoan thanh trong Quy 11/2024"
    assert mail.subject == f"[{number}-KH/BTGTU] Hoàn thành, trước ngày 01/07/2024 (Thứ Hai)"
    assert "Hoan thanh" not in mail.text()
    assert "Hoàn thành trong Quý II/2024" in mail.text()
    assert "tư tưởng sâu rộng về nội dung tác phẩm" in " ".join(mail.text().split())
    assert "Ban Tuyên giáo Tỉnh ủy Lâm Đồng" in mail.text()


async def test_a_doubtful_word_holds_the_issue_until_the_issuer_confirms_it(stack, http, number):
    data = scan(number, garble="Kzxqw")
    refused = await upload(http, stack, data)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert "còn chữ chưa chắc" in error and "(chưa chắc: Kzxqw)" in error
    assert '--title "..."' in error
    assert refused.json()["doubts"] == {
        "title": ["Kzxqw"],
        "requirement.1.text": ["trong", "Quy"],
    }
    assert refused.json()["document"]["title"].startswith("Triển khai đợt sinh hoạt")

    confirmed = {"title": TITLE, "set": ["requirement.1.action=Hoàn thành đợt sinh hoạt", QUOTE]}
    issued = await upload(http, stack, data, **confirmed)
    assert issued.status_code == 201, issued.text
    unit_mails = await eventually(
        lambda: mails_of(stack.mail, issued.json()["directive_id"], "assignment"), what="mails"
    )
    assert unit_mails[0].subject.startswith(f"[{number}-KH/BTGTU] Hoàn thành đợt sinh hoạt, ")
    assert "Kzxqw" not in unit_mails[0].text()


async def test_a_confirmation_naming_no_requirement_is_refused_in_words(stack, http, number):
    refused = await upload(http, stack, scan(number), set="requirement.7.action=Báo cáo")
    assert refused.status_code == 422
    assert "N từ 1 đến 1" in refused.json()["error"]
