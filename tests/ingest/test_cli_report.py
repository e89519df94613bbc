"""How ``shelfops ingest`` prints a rejected file's report: every problem with a place in
the file says where it is (row and line, or the line alone for a malformed row)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from shelfops import cli
from shelfops.ingest.schemas import IngestKind, IngestReport, Problem, Rule
from shelfops.kit.cli import err_console


def _printed(*problems: Problem) -> str:
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    report = IngestReport(
        kind=IngestKind.SALES,
        file_name="sales.csv",
        status="rejected",
        rows_received=3,
        problem_count=len(problems),
        problem_counts={p.rule: 1 for p in problems},
        problems=list(problems),
        started_at=now,
        completed_at=now,
        seconds=0.0,
    )
    with err_console.capture() as captured:
        cli._print_rejection(SimpleNamespace(report=report))
    return captured.get()


def test_a_malformed_row_is_printed_with_its_line() -> None:
    printed = _printed(
        Problem(
            rule=Rule.MALFORMED_CSV,
            line=2,
            message="the row has 9 fields but the header has 8",
        )
    )

    assert "  line 2: the row has 9 fields but the header has 8 [malformed_csv]" in printed


def test_row_and_file_problems_keep_their_form() -> None:
    printed = _printed(
        Problem(rule=Rule.MISSING_COLUMN, column="promo_flag", message="missing"),
        Problem(rule=Rule.DATE, row=3, line=4, column="date", value="x", message="not a date"),
    )

    assert "  file, column promo_flag: missing [missing_column]" in printed
    assert "  row 3 (line 4), column date, value 'x': not a date [date]" in printed
