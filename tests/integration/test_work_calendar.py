"""The operator loads the year's announced days off into NATS (`chidao calendar load`);
`chidao calendar show` lists them; the issuer counts a document's working-day deadline on
them (its parse worker gets the calendar with the document)."""

from __future__ import annotations

import asyncio
from datetime import date

from typer.testing import CliRunner

from chidao.cli import app
from services.issuer.app import create_service
from tests.factories import small_plan
from tests.inprocess import serving

PLAN = small_plan(15, date(2025, 1, 24), "trong 05 ngày làm việc kể từ ngày\nban hành Kế hoạch này")


def chidao(*args: str):
    return CliRunner().invoke(app, list(args))


async def test_the_issuer_counts_working_days_on_the_calendar_the_operator_loaded(
    settings, tmp_path
):
    async with serving(create_service, settings) as issuer:

        async def due_day() -> date:
            shown = await issuer.http.post(
                "/api/directives/upload",
                files={"file": ("ke-hoach-15.txt", PLAN.encode(), "text/plain")},
                data={"preview": "true"},
            )
            assert shown.status_code == 200, shown.text
            [deadline] = shown.json()["document"]["deadlines"]
            return date.fromisoformat(deadline["due_before"][:10])

        # the statutory calendar: Tết 27/01-31/01/2025, work again from Monday 03/02
        assert await due_day() == date(2025, 2, 8)  # by the end of Friday 07/02

        announced = tmp_path / "2025.yaml"
        announced.write_text("days_off:\n  - {day: 04/02/2025, why: Nghỉ bù}\n", encoding="utf-8")
        # (the command runs its own event loop: off this test's)
        loaded = await asyncio.to_thread(
            chidao, "calendar", "load", str(announced), "--nats-url", settings.nats_url
        )
        assert loaded.exit_code == 0, loaded.output
        assert "Đã nạp lịch: 1 ngày nghỉ, 0 ngày làm bù" in loaded.output
        assert await due_day() == date(2025, 2, 11)  # one working day more

        shown = await asyncio.to_thread(
            chidao, "calendar", "show", "2025", "--nats-url", settings.nats_url
        )
        assert shown.exit_code == 0, shown.output
        lines = shown.output.splitlines()
        assert "04/02/2025 (Thứ Ba): Nghỉ bù" in lines
        assert "29/01/2025 (Thứ Tư): Tết Nguyên đán" in lines
        assert "26/04/2025 (Thứ Bảy): làm việc (làm bù)" in lines


def test_a_calendar_file_in_error_is_refused_before_nats_is_asked(tmp_path):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("days_off: [31/02/2025]\n", encoding="utf-8")
    refused = chidao("calendar", "load", str(wrong), "--nats-url", "nats://127.0.0.1:1")
    assert refused.exit_code == 1
    assert "“31/02/2025” is not a day" in refused.output
