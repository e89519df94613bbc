"""The data-quality checks of an onboarding run and their thresholds.

Each check measures a rate over the source's records. A record failing a check is left
out of the import (and listed) as long as the rate stays within the profile's threshold;
beyond it, the whole file is rejected. The rates:

* ``date_parse_rate`` — records whose dates parse, of those with a date value;
* ``quantity_parse_rate`` — records whose quantities (and their unit factors) parse, of
  those with a quantity value;
* ``required_null_rate`` — records missing a value the null policy requires;
* ``duplicate_rate`` — records repeating the dedupe key of another kept record;
* ``future_date_rate`` — records dated after tomorrow, of those with a date;
* ``reference_integrity_rate`` — records whose store/product/supplier codes exist in the
  tenant's catalog, of those with codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from shelfops.onboarding.profiles import QualityThresholds
from shelfops.onboarding.schemas import QualityCheck

# Float rates such as 99/100 must meet a threshold of 0.99.
_EPSILON = 1e-9


class Check(StrEnum):
    """The thresholded checks (the ``name`` of a :class:`QualityCheck`)."""

    DATE_PARSE = "date_parse_rate"
    QUANTITY_PARSE = "quantity_parse_rate"
    REQUIRED_NULL = "required_null_rate"
    DUPLICATE = "duplicate_rate"
    FUTURE_DATE = "future_date_rate"
    REFERENCE_INTEGRITY = "reference_integrity_rate"


@dataclass(frozen=True)
class CheckDefinition:
    """A check: the problem rule of its failing records, its threshold and direction."""

    check: Check
    rule: str
    description: str
    threshold: str
    comparison: Literal[">=", "<="]


DEFINITIONS: dict[Check, CheckDefinition] = {
    Check.DATE_PARSE: CheckDefinition(
        Check.DATE_PARSE,
        "date_parse",
        "records whose dates parse, of those with a date",
        "min_date_parse_rate",
        ">=",
    ),
    Check.QUANTITY_PARSE: CheckDefinition(
        Check.QUANTITY_PARSE,
        "quantity_parse",
        "records whose quantities parse, of those with a quantity",
        "min_quantity_parse_rate",
        ">=",
    ),
    Check.REQUIRED_NULL: CheckDefinition(
        Check.REQUIRED_NULL,
        "required_null",
        "records missing a required value",
        "max_required_null_rate",
        "<=",
    ),
    Check.DUPLICATE: CheckDefinition(
        Check.DUPLICATE,
        "duplicate",
        "records repeating the dedupe key of a kept record",
        "max_duplicate_rate",
        "<=",
    ),
    Check.FUTURE_DATE: CheckDefinition(
        Check.FUTURE_DATE,
        "future_date",
        "records dated after tomorrow, of those with a date",
        "max_future_date_rate",
        "<=",
    ),
    Check.REFERENCE_INTEGRITY: CheckDefinition(
        Check.REFERENCE_INTEGRITY,
        "unknown_code",
        "records whose codes exist in the tenant's catalog, of those with codes",
        "min_reference_integrity_rate",
        ">=",
    ),
}

# The order in which a dropped record's reason is attributed (first that applies).
DROP_ORDER: tuple[str, ...] = (
    "date_parse",
    "quantity_parse",
    "required_null",
    "null_dropped",
    "return_dropped",
    "zero_quantity",
    "future_date",
    "unknown_code",
    "duplicate",
)


def measure(
    check: Check, *, failing: int, measured: int, thresholds: QualityThresholds
) -> QualityCheck:
    """The check's rate over ``measured`` records of which ``failing`` fail, judged
    against the profile's threshold. Nothing to measure passes."""
    definition = DEFINITIONS[check]
    threshold = float(getattr(thresholds, definition.threshold))
    if measured == 0:
        value: float | None = None
        passed = True
    elif definition.comparison == ">=":
        value = 1.0 - failing / measured
        passed = value >= threshold - _EPSILON
    else:
        value = failing / measured
        passed = value <= threshold + _EPSILON
    return QualityCheck(
        name=check.value,
        description=definition.description,
        value=None if value is None else round(value, 6),
        threshold=threshold,
        comparison=definition.comparison,
        passed=passed,
        failing_rows=failing,
        measured_rows=measured,
    )


def describe_failure(check: QualityCheck) -> str:
    """A failed check in one phrase, e.g. ``date_parse_rate 0.95 < 0.99``."""
    opposite = "<" if check.comparison == ">=" else ">"
    value = "-" if check.value is None else f"{check.value:.4g}"
    return f"{check.name} {value} {opposite} {check.threshold:g} ({check.failing_rows} record(s))"
