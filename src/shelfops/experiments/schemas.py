"""Request and response models of the experiment workflow (seed 003).

The request bodies accept the seed's curl payloads verbatim. Lengths match the columns of
:mod:`shelfops.models.experiments`, so an over-long value is a 422 naming the field
rather than a database error; free text stored in TEXT columns (hypothesis, rationales)
is capped at :data:`TEXT_LENGTH` characters. Unknown fields are refused (a misspelt
``decision_rational`` must not silently drop the rationale). Whether a named model
version exists in the tenant's registry is checked by the service (422 naming the field).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

from shelfops.kit.pagination import Page, PageParams
from shelfops.kit.text import OneLine
from shelfops.models import ExperimentStatus

# Column lengths of models/experiments.py.
NAME_LENGTH = 200
TYPE_LENGTH = 64
MODEL_NAME_LENGTH = 100
PERSON_LENGTH = 200
VERSION_LENGTH = 32
# Free text in TEXT columns (hypothesis, rationales): a few paragraphs is plenty, and it
# keeps one request from storing megabytes that every list page then sends back.
TEXT_LENGTH = 4000


def _trimmed(max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


def _as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without a zone; the same row must read "…Z" on both.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


UtcDatetime = Annotated[dt.datetime, AfterValidator(_as_utc)]
# Names, people and versions are shown in lists and logs: one line, no control characters
# (OneLine). Hypotheses and rationales may span lines.
ExperimentName = Annotated[str, _trimmed(NAME_LENGTH), OneLine]
ExperimentType = Annotated[str, _trimmed(TYPE_LENGTH), OneLine]
ModelName = Annotated[str, _trimmed(MODEL_NAME_LENGTH), OneLine]
Person = Annotated[
    str,
    _trimmed(PERSON_LENGTH),
    OneLine,
    Field(description="Who acts, as a name or e-mail.", examples=["jane.doe@shelfops.com"]),
]
Version = Annotated[
    str,
    _trimmed(VERSION_LENGTH),
    OneLine,
    Field(description="A model version of this tenant's registry.", examples=["v14"]),
]
Rationale = Annotated[str, _trimmed(TEXT_LENGTH)]
# A metric value: a real number (not a numeric string, not a boolean, not NaN/inf).
Metric = Annotated[float, Strict(), Field(allow_inf_nan=False)]
ErrorMetric = Annotated[float, Strict(), Field(allow_inf_nan=False, ge=0)]

# Result keys that name a metric, whether sent as the key itself ("mae") or as its suffix
# ("champion_mae", "holdout_wape"): their values must be numbers, like the seed's three.
METRIC_NAMES = ("mae", "rmse", "mape", "smape", "wape", "mase", "bias", "pct", "coverage")


def _is_metric_key(key: str) -> bool:
    return any(key == name or key.endswith(f"_{name}") for name in METRIC_NAMES)


class Decision(StrEnum):
    """What a completed experiment decided about its experimental model version."""

    # Promote the experimental version to champion (through the registry).
    ADOPT = "adopt"
    # Keep the current models as they are.
    REJECT = "reject"
    # Adopted for part of the scope (say, the top 500 SKUs); promoted like ``adopt``,
    # the scope lives in the rationale.
    PARTIAL_ADOPT = "partial_adopt"
    # Put the previous champion back (through the registry).
    ROLLBACK = "rollback"


# Decisions that promote ``experimental_version`` to champion.
PROMOTING_DECISIONS = frozenset({Decision.ADOPT, Decision.PARTIAL_ADOPT})


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExperimentCreate(_Input):
    """A proposed experiment (seed 003, "Propose Experiment")."""

    experiment_name: ExperimentName = Field(examples=["Department-Tiered Forecasting"])
    hypothesis: Rationale = Field(
        description="What is expected to change and by how much.",
        examples=["Electronics demand differs from Grocery. Dedicated model will improve MAE"],
    )
    experiment_type: ExperimentType = Field(
        description="Free-form kind of experiment, e.g. segmentation, features, model.",
        examples=["segmentation"],
    )
    proposed_by: Person
    model_name: ModelName = Field(
        default="demand_forecast", description="The registry model the experiment is about."
    )
    baseline_version: Version | None = Field(
        default=None, description="The version the experiment is measured against."
    )


class ExperimentApprove(_Input):
    """A manager's approval (seed 003, "Approve Experiment")."""

    approved_by: Person | None = Field(
        default=None, description="Who approved; defaults to the API key's name."
    )
    rationale: Rationale = Field(
        description="Why, and under which constraints.",
        examples=["Approved with constraint: top 500 SKUs only"],
    )


class ExperimentReject(_Input):
    """A manager's rejection of a proposed experiment."""

    rejected_by: Person | None = Field(
        default=None, description="Who rejected; defaults to the API key's name."
    )
    rationale: Rationale = Field(description="Why the experiment will not run.")


class ExperimentStart(_Input):
    """Implementation has started; optionally names the version being built."""

    experimental_version: Version | None = None


class ExperimentShadow(_Input):
    """Shadow testing has started for ``experimental_version``."""

    experimental_version: Version = Field(description="The version being shadow tested.")


# Results are read back with every experiment: metrics and a summary fit easily, a dump of
# per-item evidence (which belongs in MLflow or a report) does not.
RESULTS_BYTES = 64 * 1024


class ExperimentResultsIn(BaseModel):
    """Measured results: any JSON object. The seed's ``baseline_mae``, ``experimental_mae``
    and ``improvement_pct``, and any other key named like a metric (``mae``, ``*_mae``,
    ``*_wape``, ``*_pct``, …), must be finite numbers."""

    model_config = ConfigDict(extra="allow")

    baseline_mae: ErrorMetric | None = None
    experimental_mae: ErrorMetric | None = None
    improvement_pct: Metric | None = None

    @model_validator(mode="after")
    def _metrics_are_numbers(self) -> Self:
        for key, value in (self.model_extra or {}).items():
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            if _is_metric_key(key) and not (is_number and math.isfinite(value)):
                raise ValueError(f"results.{key} must be a finite number, got {value!r}")
        size = len(json.dumps(self.model_dump(exclude_unset=True)).encode())
        if size > RESULTS_BYTES:
            raise ValueError(
                f"results must be at most {RESULTS_BYTES:,} bytes as JSON, got {size:,}; "
                "keep metrics and a summary here and link the full evidence"
            )
        return self


class ExperimentComplete(_Input):
    """The outcome of an experiment (seed 003, "Complete Experiment")."""

    decision: Decision = Field(
        description=(
            "adopt / partial_adopt promote experimental_version to champion; rollback "
            "restores the previous champion; reject changes no model."
        )
    )
    decision_rationale: Rationale = Field(examples=["Exceeded target (22% improvement)"])
    results: ExperimentResultsIn = Field(
        description="Measured results, a JSON object.",
        examples=[{"baseline_mae": 12.8, "experimental_mae": 10.0, "improvement_pct": 21.9}],
    )
    experimental_version: Version | None = Field(
        default=None,
        description="The version decided on; required for adopt and partial_adopt unless "
        "the experiment already names one (from start or shadow).",
    )

    def results_dict(self) -> dict[str, Any]:
        """The results as sent (no nulls added for metrics that were left out)."""
        return self.results.model_dump(exclude_unset=True)


class ExperimentRead(BaseModel):
    """An experiment with every recorded field."""

    model_config = ConfigDict(from_attributes=True)

    experiment_id: uuid.UUID
    experiment_name: str
    hypothesis: str
    experiment_type: str
    model_name: str
    status: ExperimentStatus
    proposed_by: str
    approved_by: str | None = Field(description="Who approved (null unless approved).")
    approval_rationale: str | None = Field(
        description="The approval's rationale, or for a rejected experiment who rejected "
        "it and why ('rejected by <who>: <why>')."
    )
    baseline_version: str | None
    experimental_version: str | None
    results: dict[str, Any] | None
    decision: Decision | None
    decision_rationale: str | None
    created_at: UtcDatetime
    approved_at: UtcDatetime | None
    completed_at: UtcDatetime | None


class ExperimentResults(BaseModel):
    """The outcome of a completed experiment."""

    model_config = ConfigDict(from_attributes=True)

    experiment_id: uuid.UUID
    experiment_name: str
    status: ExperimentStatus
    decision: Decision
    decision_rationale: str | None
    results: dict[str, Any] | None
    baseline_version: str | None
    experimental_version: str | None
    completed_at: UtcDatetime


class ExperimentFilters(PageParams):
    """Filters of ``GET /experiments``."""

    status: list[ExperimentStatus] | None = Field(
        default=None,
        description="Only experiments in these statuses; repeat the parameter for several "
        "(status=proposed&status=approved).",
    )


class ExperimentPage(Page[ExperimentRead]):
    """A page of experiments, newest first."""
