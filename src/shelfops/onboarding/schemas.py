"""What an onboarding run reports: problems, quality checks, per-file outcomes, and the
result of the run."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shelfops.ingest.schemas import IngestKind

OnboardingStatus = Literal["validated", "imported", "rejected", "requires_custom_adapter"]


class Severity(StrEnum):
    """What a problem did to the run."""

    # The file is rejected because of it (nothing is written).
    ERROR = "error"
    # The row was left out, as the profile allows; the import goes on without it.
    DROPPED = "dropped"
    # A value was changed as the profile says (e.g. a negative day clipped to 0).
    WARNING = "warning"


class OnboardingProblem(BaseModel):
    """One thing wrong with (or done to) the source.

    ``line`` is the 1-based line of the source file where the record starts (a quoted
    value spanning lines shifts the lines after it); ``row`` counts data records from 1.
    ``column`` is the source column, ``field`` the canonical field (``sales.quantity``).
    Problems of the file as a whole have no row.
    """

    model_config = ConfigDict(frozen=True)

    rule: str
    severity: Severity
    line: int | None = None
    row: int | None = None
    column: str | None = None
    field: str | None = None
    value: str | None = None
    message: str


class QualityCheck(BaseModel):
    """One data-quality measure of the source against its threshold."""

    name: str
    description: str
    value: float | None = Field(description="the measured rate (None: nothing to measure)")
    threshold: float
    comparison: Literal[">=", "<="]
    passed: bool
    failing_rows: int
    measured_rows: int


class KindOutcome(BaseModel):
    """What became of one canonical file of the run."""

    kind: IngestKind
    rows: int = Field(description="canonical rows produced from the source")
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    inserted: int | None = None
    updated: int | None = None
    unchanged: int | None = None


class OnboardingResult(BaseModel):
    """The outcome of onboarding one source file with one contract profile."""

    status: OnboardingStatus
    dry_run: bool
    reason: str | None = Field(default=None, description="why the file was not imported")
    profile_id: str
    profile_version: int
    source_name: str
    source_type: str
    grain: str | None
    file_name: str
    file_sha256: str | None = None
    size_bytes: int | None = None
    records_in: int = Field(default=0, description="data records in the source")
    records_written: int = Field(
        default=0, description="canonical rows loaded (inserted, updated or unchanged)"
    )
    records_rejected: int = Field(
        default=0,
        description="source records not imported: the dropped ones, or all of a rejected file",
    )
    rows_dropped: dict[str, int] = Field(
        default_factory=dict, description="dropped source records per reason"
    )
    outputs: list[KindOutcome] = Field(default_factory=list)
    quality: list[QualityCheck] = Field(default_factory=list)
    problem_count: int = 0
    problem_counts: dict[str, int] = Field(default_factory=dict)
    problems: list[OnboardingProblem] = Field(default_factory=list)
    problems_truncated: bool = False
    notes: list[str] = Field(default_factory=list)
    sync_id: uuid.UUID | None = None
    artifacts: list[str] = Field(default_factory=list)
    started_at: dt.datetime
    completed_at: dt.datetime
    seconds: float = 0.0


# How many problems a run lists: per rule, and in all (every one is still counted).
LISTED_PER_RULE = 20
LISTED_IN_ALL = 200


@dataclass
class Problems:
    """Every problem of a run: counted per rule, the first few of each rule listed."""

    counts: Counter[str] = field(default_factory=Counter)
    listed: list[OnboardingProblem] = field(default_factory=list)
    errors: int = 0
    _per_rule: Counter[str] = field(default_factory=Counter)

    def add(self, problem: OnboardingProblem) -> None:
        """Count ``problem`` and list it while its rule has room."""
        self.counts[problem.rule] += 1
        if problem.severity is Severity.ERROR:
            self.errors += 1
        if self._per_rule[problem.rule] < LISTED_PER_RULE and len(self.listed) < LISTED_IN_ALL:
            self._per_rule[problem.rule] += 1
            self.listed.append(problem)

    def count(self, rule: str, n: int, *, severity: Severity) -> None:
        """Count ``n`` more problems of ``rule`` that are not listed individually."""
        if n:
            self.counts[rule] += n
            if severity is Severity.ERROR:
                self.errors += n

    @property
    def total(self) -> int:
        """How many problems there are in all."""
        return sum(self.counts.values())

    def has_errors(self) -> bool:
        """Whether any problem rejects the file."""
        return self.errors > 0

    def sorted(self) -> list[OnboardingProblem]:
        """Errors first, then file problems before row problems, then by line."""
        order = {Severity.ERROR: 0, Severity.DROPPED: 1, Severity.WARNING: 2}
        return sorted(self.listed, key=lambda p: (order[p.severity], p.line or 0, p.column or ""))
