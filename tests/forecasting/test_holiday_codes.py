"""The next-holiday code of a day does not depend on which years a panel covers, so a
stored tree model reads the codes it was trained on when it forecasts a later panel."""

from __future__ import annotations

import numpy as np

from shelfops.forecasting.features import _holiday_columns


def _days(first: str, last: str) -> np.ndarray:
    return np.arange(np.datetime64(first), np.datetime64(last) + 1)


def test_next_holiday_codes_are_the_same_for_any_span_of_years() -> None:
    short = _days("2024-11-01", "2024-12-31")
    long = _days("2019-01-01", "2024-12-31")

    narrow = _holiday_columns(short, "US")["next_holiday"]
    wide = _holiday_columns(long, "US")["next_holiday"][-len(short) :]

    np.testing.assert_array_equal(narrow, wide)
    # Thanksgiving (Nov 28) and Christmas (seen from Dec 24) are different holidays;
    # November 12th is past Veterans Day and 16 days before Thanksgiving: the "no
    # holiday within reach" code, the highest one.
    assert narrow[27] != narrow[-8]
    assert narrow[11] == narrow.max() and narrow[0] != narrow.max()
