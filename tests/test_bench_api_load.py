"""The load bench's memory verdict, against hand-worked samples."""

from __future__ import annotations

import pytest
from bench.api_load import rss_growth


def test_growth_is_measured_from_the_first_sample_after_a_minute() -> None:
    # Start-up (500 → 540 MiB) is warm-up; from 550 at +60 s to 561 at the end is 2 %.
    samples = [(0.0, 500.0), (30.0, 540.0), (60.5, 550.0), (300.0, 556.0), (600.0, 561.0)]
    assert rss_growth(samples) == pytest.approx(11 / 550)


def test_a_shrinking_server_grows_negatively_and_a_short_run_uses_its_last_sample() -> None:
    assert rss_growth([(0.0, 400.0), (61.0, 500.0), (120.0, 450.0)]) == pytest.approx(-0.1)
    # No sample a minute in: the last one is both ends, so no growth is claimed.
    assert rss_growth([(0.0, 400.0), (30.0, 480.0)]) == 0.0
    assert rss_growth([]) == 0.0
