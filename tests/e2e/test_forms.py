"""Report forms through the running services: the organisation loads a form of its own
with `chidao forms load`, a directive names it, and the reporter checks every field of
every report against it, telling the unit in Vietnamese what is wrong with which field."""

from __future__ import annotations

import asyncio
import base64
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest

from tests.factories import directive_to_chi_bo

pytestmark = pytest.mark.e2e

FORM_FILE = Path(__file__).parents[1] / "fixtures" / "forms" / "every-type.yaml"
UNIT = "cb-sgddt-van-phong"
DIRECTIVE_ID = "31-kh-du--du-so-gddt-hy"
SIGNED = b"%PDF-1.4 bao cao co chu ky"


def directive(form: str) -> dict:
    return directive_to_chi_bo(
        "du-so-gddt-hy", "Đảng ủy Sở Giáo dục và Đào tạo", "31-KH/ĐU", "Thử biểu mẫu riêng",
        form=form,
    )  # fmt: skip


async def submit(http, stack, **values):
    return await http.post(
        f"{stack.url('reporter')}/api/submissions",
        json={"directive_id": DIRECTIVE_ID, "unit_id": UNIT, "requirement_id": "r1",
              "values": values},
    )  # fmt: skip


async def test_a_form_of_the_organisation_checks_every_field_of_every_report(stack, http):
    loader = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chidao", "forms", "load", str(FORM_FILE),
        "--nats-url", stack.nats.url, stdout=PIPE, stderr=PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(loader.communicate(), 60)
    assert loader.returncode == 0 and b"thu-moi-kieu" in out, err

    issuer = f"{stack.url('issuer')}/api/directives"
    unknown = await http.post(issuer, json=directive("khong-co"))
    assert unknown.status_code == 422
    assert "unknown report form 'khong-co'" in unknown.json()["problems"][0]
    issued = await http.post(issuer, json=directive("thu-moi-kieu"))
    assert issued.status_code == 201, issued.text

    everything_wrong = await submit(
        http, stack, so_nguyen="2,5", so_thuc="nhiều", phan_tram="120", mot_lua_chon="xuat-sac",
        nhieu_lua_chon=["bao-chi"], van_ban="x" * 30, ngay="31/02/2024",
        tep={"filename": "a.exe", "data": "eA=="},
    )  # fmt: skip
    assert everything_wrong.status_code == 422
    problems = everything_wrong.json()["problems"]
    labels = {
        "so_nguyen": "Số buổi", "so_thuc": "Kinh phí", "phan_tram": "Tỷ lệ hoàn thành",
        "mot_lua_chon": "Mức độ hoàn thành", "nhieu_lua_chon": "Hình thức",
        "van_ban": "Ý kiến", "ngay": "Ngày tổ chức", "tep": "Báo cáo có chữ ký",
    }  # fmt: skip
    assert set(problems) == set(labels)
    for field, label in labels.items():
        assert problems[field].startswith(f"{label}: "), problems[field]

    accepted = await submit(
        http, stack, so_nguyen="12", so_thuc="1.234,5", phan_tram="95,5%", mot_lua_chon="tot",
        nhieu_lua_chon=["hoi-nghi", "truc-tuyen"], van_ban="Tốt", ngay="05/12/2024",
        tep={"filename": "Báo cáo.pdf", "data": base64.b64encode(SIGNED).decode()},
    )  # fmt: skip
    assert accepted.status_code == 201, accepted.text
    values = accepted.json()["values"]
    assert {k: v for k, v in values.items() if k != "tep"} == {
        "so_nguyen": 12, "so_thuc": 1234.5, "phan_tram": 95.5, "mot_lua_chon": "tot",
        "nhieu_lua_chon": ["hoi-nghi", "truc-tuyen"], "van_ban": "Tốt", "ngay": "2024-12-05",
    }  # fmt: skip
    assert values["tep"]["filename"] == "Báo cáo.pdf" and values["tep"]["size"] == len(SIGNED)

    # A correction that sends every value again but no new file keeps the one attached.
    resent = {k: v for k, v in values.items() if k != "tep"}
    corrected = await submit(http, stack, **{**resent, "so_nguyen": "13"})
    assert corrected.status_code == 201 and corrected.json()["version"] == 2, corrected.text
    assert corrected.json()["values"] == {**values, "so_nguyen": 13}
    downloaded = await http.get(f"{stack.url('reporter')}/files/{DIRECTIVE_ID}/{UNIT}/r1/v2/tep")
    assert downloaded.content == SIGNED
