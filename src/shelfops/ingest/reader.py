"""Reading canonical CSV files: the header, whole small files, or large ones in chunks.

Every value is read as text (polars, no type inference) so that validation decides what
parses; see :mod:`shelfops.ingest.validate`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl


class UnreadableFile(Exception):
    """The file is not a readable CSV; ``line`` points at the offending line when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Header:
    """The first line of a file, split into column names (BOM removed)."""

    columns: list[str]


def read_header(path: Path) -> Header | None:
    """The header row, or None when the file holds nothing but whitespace."""
    # Only the first line is decoded: a text-mode reader decodes ahead in blocks and
    # would blame the header for a bad byte further down.
    with path.open("rb") as handle:
        first = handle.readline(1 << 20)
        if not first.strip() and not handle.read(1 << 16).strip():
            return None
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"the header is not valid UTF-8 ({exc.reason})", line=1) from exc
    try:
        columns = next(csv.reader([line]), [])
    except csv.Error as exc:
        raise UnreadableFile(f"the header is not valid CSV ({exc})", line=1) from exc
    return Header(columns=columns)


def _schema(columns: list[str]) -> dict[str, pl.DataType]:
    return {name: pl.String() for name in columns}


def _scan(path: Path, columns: list[str]) -> pl.LazyFrame:
    # An explicit all-text schema: nothing is inferred, so "007" stays "007" and a stray
    # letter in a number column becomes a reported problem, not a silently typed column.
    return pl.scan_csv(path, schema=_schema(columns), has_header=True)


def read_all(path: Path, columns: list[str]) -> pl.DataFrame:
    """The whole file as text columns (for the small catalog files)."""
    try:
        return _scan(path, columns).collect()
    except pl.exceptions.PolarsError as exc:
        raise _unreadable(path, len(columns), exc) from exc


def count_rows(path: Path, columns: list[str]) -> int:
    """The number of data rows (a fast counting pass, used for progress totals)."""
    try:
        return int(_scan(path, columns).select(pl.len()).collect().item())
    except pl.exceptions.PolarsError as exc:
        raise _unreadable(path, len(columns), exc) from exc


def iter_chunks(path: Path, columns: list[str], chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The file in chunks of ``chunk_rows`` rows, in file order, so memory stays bounded."""
    batches = _scan(path, columns).collect_batches(chunk_size=chunk_rows, maintain_order=True)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except pl.exceptions.PolarsError as exc:
            raise _unreadable(path, len(columns), exc) from exc
        yield batch


def _unreadable(path: Path, n_columns: int, exc: Exception) -> UnreadableFile:
    """Turn a polars parse error into a message with a line number.

    Polars does not say where a file is broken, so on this (rare) error path the file is
    scanned again with the standard library to find the first offending line.
    """
    located = _locate_problem(path, n_columns)
    if located is not None:
        return located
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return UnreadableFile(f"the file cannot be parsed as CSV: {first_line}")


def _locate_problem(path: Path, n_columns: int) -> UnreadableFile | None:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            for record in reader:
                if len(record) > n_columns:
                    return UnreadableFile(
                        f"the row has {len(record)} fields but the header has {n_columns}",
                        line=reader.line_num,
                    )
        except UnicodeDecodeError as exc:
            return UnreadableFile(
                f"the file is not valid UTF-8 ({exc.reason})", line=_first_undecodable_line(path)
            )
        except csv.Error as exc:
            return UnreadableFile(f"the file is not valid CSV ({exc})", line=reader.line_num)
    return None


def _first_undecodable_line(path: Path) -> int | None:
    # The text wrapper decodes ahead in blocks, so its position says little; decode the
    # raw lines one by one instead.
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None
