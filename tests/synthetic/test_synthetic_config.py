"""Bad configuration is refused clearly; progress is reported; failures leave no files."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from shelfops.synthetic import FILE_NAMES, GenerationConfig, generate_dataset

VALID: dict[str, Any] = {"stores": 1, "products": 2, "days": 3, "seed": 0}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stores": 0}, "stores must be at least 1"),
        ({"products": 0}, "products must be at least 1"),
        ({"days": 0}, "days must be at least 1"),
        ({"days": -5}, "days must be at least 1"),
        ({"seed": -1}, "seed must be zero or positive"),
        ({"stores": 2.5}, "stores must be an integer"),
        ({"products": True}, "products must be an integer"),
        ({"days": 100_000}, "days must be at most"),
        ({"start": "2024-01-01"}, "start must be a date"),
        ({"start": datetime.datetime(2024, 1, 1)}, "start must be a date"),
        # The end date of these would overflow `date`: refused, not an OverflowError.
        ({"start": datetime.date(9999, 12, 25), "days": 10}, "between 1971-01-01 and 2199-12-31"),
        ({"start": datetime.date.max}, "between 1971-01-01 and 2199-12-31"),
        ({"start": datetime.date(2199, 12, 30)}, "between 1971-01-01 and 2199-12-31"),
        ({"start": datetime.date(1970, 12, 31)}, "between 1971-01-01 and 2199-12-31"),
    ],
)
def test_bad_config_raises_value_error(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GenerationConfig(**{**VALID, **changes})


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        generate_dataset(GenerationConfig(**VALID), target)


def test_progress_is_reported_per_store(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    config = GenerationConfig(stores=3, products=5, days=10, seed=1)
    summary = generate_dataset(config, tmp_path, lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert summary.sales.rows == 3 * 5 * 10  # too short a window for launches
    assert [path.name for path, _ in summary.files()] == list(FILE_NAMES.values())
    assert all(path.exists() for path, _ in summary.files())


def test_a_failed_run_leaves_no_partial_files(tmp_path: Path) -> None:
    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_dataset(
            GenerationConfig(stores=2, products=5, days=10, seed=1), tmp_path, interrupt
        )
    assert list(tmp_path.iterdir()) == []


def test_a_history_ending_on_the_last_allowed_day_is_accepted() -> None:
    config = GenerationConfig(**{**VALID, "start": datetime.date(2199, 12, 29)})
    assert config.end == datetime.date(2199, 12, 31)
