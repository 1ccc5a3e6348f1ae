"""Days on the command line are written as clerks write them (chidao/names.py)."""

from __future__ import annotations

from datetime import date

import pytest

from chidao.names import day


@pytest.mark.parametrize("typed", ["10/12/2024", "10-12-2024", "10.12.2024", "2024-12-10"])
def test_a_day_is_read_as_dd_mm_yyyy_or_iso(typed):
    assert day(typed) == date(2024, 12, 10)


def test_the_day_comes_before_the_month():
    assert day("05/03/2024") == date(2024, 3, 5)  # 5 March, never 3 May


@pytest.mark.parametrize("typed", ["31/02/2024", "12/2024", "hôm qua", "2024/12/10"])
def test_what_is_not_a_day_is_refused_in_vietnamese(typed):
    with pytest.raises(ValueError, match="không phải một ngày: viết ngày/tháng/năm"):
        day(typed)
