"""What a tracked run holds (``RunRecord``), what happened to it (``TrackingResult``), and
the normalised content both MLflow and the JSON fallback are written from."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import Literal

from shelfops.tracking.errors import TrackingInputError

#: Tags every run must carry (seed 001 §1): where the data came from, what started the
#: run (``scheduled``, ``manual``, ``drift_detected``, ``cli`` …) and which version ran.
REQUIRED_TAGS = ("dataset", "trigger", "version")

#: Tags ShelfOps adds itself when it had to leave something out of a run.
SKIPPED_METRICS_TAG = "shelfops.skipped_metrics"
MISSING_ARTIFACTS_TAG = "shelfops.missing_artifacts"


@dataclass(frozen=True)
class RunRecord:
    """One training or backtest run, ready to be tracked.

    ``params`` values are stored as strings (as MLflow stores them); ``metrics`` must be
    real numbers, and NaN/±inf values are left out and named in the result's notes and the
    ``shelfops.skipped_metrics`` tag; ``artifacts`` are files or directories (a directory
    is logged under its own name). The tags in ``REQUIRED_TAGS`` must be present.
    """

    experiment: str
    run_name: str
    params: Mapping[str, object] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    artifacts: Sequence[Path] = ()

    def __post_init__(self) -> None:
        for name in ("experiment", "run_name"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise TrackingInputError(f"{name}: expected a non-empty string, got {value!r}")
        missing = [tag for tag in REQUIRED_TAGS if not self.tags.get(tag)]
        if missing:
            raise TrackingInputError(
                f"tags: every run needs non-empty {', '.join(REQUIRED_TAGS)}; "
                f"missing {', '.join(missing)}"
            )
        for section in ("params", "metrics", "tags"):
            for key in getattr(self, section):
                if not isinstance(key, str) or not key:
                    raise TrackingInputError(
                        f"{section}: keys must be non-empty strings, got {key!r}"
                    )
        for key, value in self.tags.items():
            if not isinstance(value, str):
                raise TrackingInputError(f"tags[{key!r}]: expected a string, got {value!r}")
        for key, value in self.metrics.items():
            # bool is a Real too, but a metric of True is almost certainly a bug upstream.
            if not isinstance(value, Real) or isinstance(value, bool):
                raise TrackingInputError(f"metrics[{key!r}]: expected a number, got {value!r}")
        names = [Path(path).name for path in self.artifacts]
        clashes = sorted({name for name in names if names.count(name) > 1})
        if clashes:
            # Artifacts are logged by base name; two with one name would silently overwrite.
            raise TrackingInputError(
                f"artifacts: two paths share the name {', '.join(clashes)}; rename one"
            )


@dataclass(frozen=True)
class TrackingResult:
    """Where a run ended up.

    ``mode`` is ``"mlflow"`` when the whole run was logged to MLflow (``run_id`` set,
    ``location`` the run's UI link for an http(s) server, else ``runs:/<run_id>``), and
    ``"file"`` when it went to the JSON fallback (``location`` the file's path, ``reason``
    why MLflow was not used). ``notes`` lists what was left out of the run (non-finite
    metrics, missing artifact paths) in either mode.
    """

    mode: Literal["mlflow", "file"]
    run_id: str | None
    location: str
    reason: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedRun:
    """A record's content after normalisation: exactly what is written, in either mode."""

    experiment: str
    run_name: str
    params: dict[str, str]
    metrics: dict[str, float]
    skipped_metrics: dict[str, str]
    tags: dict[str, str]
    artifacts: list[Path]
    missing_artifacts: list[Path]

    @property
    def notes(self) -> tuple[str, ...]:
        """Human-readable lines naming everything that was left out."""
        return tuple(
            [
                f"metric {key!r} is {value} and was not logged"
                for key, value in self.skipped_metrics.items()
            ]
            + [
                f"artifact {str(path)!r} does not exist and was not logged"
                for path in self.missing_artifacts
            ]
        )


def prepare(record: RunRecord) -> PreparedRun:
    """Normalise ``record``: stringify params, split off non-finite metrics, find artifacts.

    A missing artifact does not stop the run being tracked (the metrics of a long training
    run matter more than one chart); it is reported in the notes and a tag instead.
    """
    metrics: dict[str, float] = {}
    skipped: dict[str, str] = {}
    for key, value in record.metrics.items():
        number = float(value)
        # MLflow stores NaN as is but silently turns ±inf into ±1.8e308 (SQL store), and
        # JSON has neither, so both modes leave non-finite values out, openly.
        if math.isfinite(number):
            metrics[key] = number
        else:
            skipped[key] = str(number)
    artifacts = [Path(path).resolve() for path in record.artifacts]
    present = [path for path in artifacts if path.exists()]
    missing = [path for path in artifacts if not path.exists()]
    tags = dict(record.tags)
    if skipped:
        tags[SKIPPED_METRICS_TAG] = _joined(sorted(skipped))
    if missing:
        tags[MISSING_ARTIFACTS_TAG] = _joined(path.name for path in missing)
    return PreparedRun(
        experiment=record.experiment,
        run_name=record.run_name,
        params={key: str(value) for key, value in record.params.items()},
        metrics=metrics,
        skipped_metrics=skipped,
        tags=tags,
        artifacts=present,
        missing_artifacts=missing,
    )


def _joined(names: Iterable[str], limit: int = 1000) -> str:
    """Comma-joined names, cut short well below MLflow's tag length limit (8,000)."""
    text = ", ".join(names)
    return text if len(text) <= limit else text[: limit - 1] + "…"
