"""Reading a source file as the profile describes it: encoding, BOM, delimiter, quotes,
the header line, footer rows.

The whole file is decoded up front so that a byte that is not valid in the declared
encoding is reported with its line (every such line, not just the first). Records are
split with the standard ``csv`` module, which knows where each record starts even when a
quoted value spans lines; every value stays text (the mapper decides what parses).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from shelfops.onboarding.profiles import CsvOptions
from shelfops.onboarding.schemas import OnboardingProblem, Severity

LINE = "__line"
ROW = "__row"
_BOM = codecs.BOM_UTF8
_DELIMITERS = (",", ";", "\t", "|")
_LISTED_LINES = 20

Failure = Literal["rejected", "requires_custom_adapter"]


class SourceUnreadable(Exception):
    """The file cannot be read as the profile describes; nothing of it can be imported."""

    def __init__(self, status: Failure, reason: str, problems: list[OnboardingProblem]) -> None:
        super().__init__(reason)
        self.status: Failure = status
        self.reason = reason
        self.problems = problems


@dataclass(frozen=True)
class SourceTable:
    """The source's records as text columns, plus each record's file line and number."""

    frame: pl.DataFrame
    columns: list[str]
    notes: list[str]

    @property
    def records(self) -> int:
        """How many data records the file holds."""
        return self.frame.height


def _reject(rule: str, message: str, **where: Any) -> SourceUnreadable:
    problem = OnboardingProblem(rule=rule, severity=Severity.ERROR, message=message, **where)
    return SourceUnreadable("rejected", message, [problem])


def read_source(data: bytes, options: CsvOptions, *, used_columns: Collection[str]) -> SourceTable:
    """The records of ``data`` read with ``options``; raises :class:`SourceUnreadable`.

    ``used_columns`` are the columns the profile reads: a repeated header name is an
    error only when the profile needs that column (otherwise it is renamed and noted).
    """
    notes: list[str] = []
    if not data.strip():
        raise _reject("empty_file", "the file is empty")
    text = _decode(data, options.encoding, notes)
    if text.lstrip()[:1] in ("{", "["):
        raise SourceUnreadable(
            "requires_custom_adapter",
            "the source is JSON (nested records), not a delimited text file; a contract "
            "profile maps flat columns only",
            [
                OnboardingProblem(
                    rule="nested_structure",
                    severity=Severity.ERROR,
                    line=1,
                    message="the file starts with a JSON object or array",
                )
            ],
        )
    return _split(text, options, used_columns, notes)


# ---------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def _ascii_compatible(encoding: str) -> bool:
    name = codecs.lookup(encoding).name
    return not name.startswith(("utf-16", "utf-32")) and "\n".encode(encoding) == b"\n"


def _decode(data: bytes, encoding: str, notes: list[str]) -> str:
    if data.startswith(_BOM):
        if not _is_utf8(encoding):
            raise _reject(
                "encoding",
                f"the file starts with a UTF-8 byte-order mark but the profile declares "
                f"csv.encoding {encoding!r}; set csv.encoding: utf-8",
                line=1,
            )
        data = data[len(_BOM) :]
        notes.append("a UTF-8 byte-order mark (BOM) at the start of the file was stripped")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _is_utf8(encoding):
        raise _reject(
            "encoding",
            f"the file starts with a UTF-16 byte-order mark but the profile declares "
            f"csv.encoding {encoding!r}; set csv.encoding: utf-16",
            line=1,
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _undecodable(data, encoding, exc) from None
    if not _is_utf8(encoding) and _ascii_compatible(encoding) and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            line = _first_non_ascii_line(data)
            raise _reject(
                "encoding",
                f"the file is UTF-8 text but the profile declares csv.encoding {encoding!r}; "
                f"its accented characters would be garbled (first on line {line}); "
                "set csv.encoding: utf-8",
                line=line,
            )
    return text


def _first_non_ascii_line(data: bytes) -> int:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.isascii():
            return number
    return 1


def _undecodable(data: bytes, encoding: str, exc: UnicodeDecodeError) -> SourceUnreadable:
    """Every line holding bytes that are not valid ``encoding`` (the first few listed)."""
    guess = _guess(data)
    advice = f"; the bytes look like {guess} text, set csv.encoding: {guess}" if guess else ""
    problems: list[OnboardingProblem] = []
    bad_lines = 0
    if _ascii_compatible(encoding):
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as line_exc:
                bad_lines += 1
                if len(problems) < _LISTED_LINES:
                    problems.append(_encoding_problem(raw, number, encoding, line_exc, advice))
    if not problems:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        raw = data[start : data.find(b"\n", exc.start) if b"\n" in data[exc.start :] else None]
        shifted = UnicodeDecodeError(
            exc.encoding, exc.object, exc.start - start, exc.end - start, exc.reason
        )
        problems.append(_encoding_problem(raw, line, encoding, shifted, advice))
        bad_lines = 1
    first = problems[0]
    return SourceUnreadable(
        "rejected",
        f"the file is not valid {encoding}: {bad_lines} line(s) hold bytes that cannot be "
        f"decoded, the first on line {first.line}{advice}",
        problems,
    )


def _encoding_problem(
    raw: bytes, line: int, encoding: str, exc: UnicodeDecodeError, advice: str
) -> OnboardingProblem:
    bad = raw[exc.start : exc.end]
    context = raw[:200].decode(encoding, errors="replace")
    return OnboardingProblem(
        rule="encoding",
        severity=Severity.ERROR,
        line=line,
        value=context.strip(),
        message=f"byte {bad.hex(' ')} at position {exc.start + 1} of the line is not valid "
        f"{encoding} ({exc.reason}){advice}",
    )


def _guess(data: bytes) -> str | None:
    """A likely encoding of undecodable bytes (only the common western ones)."""
    for candidate in ("utf-8", "cp1252"):
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    return None


# ---------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------


def _split(
    text: str, options: CsvOptions, used_columns: Collection[str], notes: list[str]
) -> SourceTable:
    buffer = io.StringIO(text, newline="")
    skipped = 0
    while skipped < options.header_line - 1:
        if buffer.readline() == "":
            raise _reject(
                "header_line",
                f"the file has only {skipped} line(s) but csv.header_line is {options.header_line}",
            )
        skipped += 1
    if skipped:
        notes.append(f"{skipped} line(s) above the header (csv.header_line) were skipped")
    reader = csv.reader(
        buffer, delimiter=options.delimiter, quotechar=options.quotechar, strict=True
    )
    records: list[tuple[int, list[str]]] = []
    consumed = 0
    try:
        for record in reader:
            start = skipped + consumed + 1
            consumed = reader.line_num
            records.append((start, record))
    except csv.Error as exc:
        line = skipped + reader.line_num
        raise _reject(
            "malformed_csv",
            f"line {line} is not valid CSV ({exc}); check csv.quotechar and csv.delimiter",
            line=line,
        ) from None

    records = [(line, record) for line, record in records if any(v.strip() for v in record)]
    if not records:
        if skipped:
            lines = skipped + consumed
            raise _reject(
                "header_line",
                f"the file has only {lines} line(s) but csv.header_line is {options.header_line}"
                if lines < options.header_line
                else f"nothing but empty lines from csv.header_line {options.header_line} on",
            )
        raise _reject("empty_file", "the file holds no header and no records")
    header_at, header = records[0]
    body = records[1:]
    if options.skip_footer_rows:
        cut = body[-options.skip_footer_rows :]
        body = body[: -options.skip_footer_rows]
        notes.append(
            f"{len(cut)} footer record(s) were ignored (csv.skip_footer_rows), from line "
            f"{cut[0][0] if cut else '-'}"
        )
    columns = _header_names(header, header_at, options, used_columns, notes)
    hint = delimiter_hint(columns, options.delimiter)
    if hint is not None and not set(used_columns) <= set(columns):
        raise _reject("delimiter", hint, line=header_at, value=columns[0][:200])
    if not body:
        raise _reject("header_only", "the file has a header but no data records", line=header_at)

    width = len(columns)
    problems: list[OnboardingProblem] = []
    ragged = 0
    for line, record in body:
        if len(record) != width:
            ragged += 1
            if len(problems) < _LISTED_LINES:
                problems.append(
                    OnboardingProblem(
                        rule="field_count",
                        severity=Severity.ERROR,
                        line=line,
                        value=options.delimiter.join(record)[:200],
                        message=f"the record has {len(record)} field(s) but the header has "
                        f"{width} (delimiter {options.delimiter!r})"
                        + _split_hint(options, more=len(record) > width),
                    )
                )
    if problems:
        raise SourceUnreadable(
            "rejected",
            f"{ragged} record(s) do not have the header's {width} fields, the first on line "
            f"{problems[0].line}",
            problems,
        )
    data: dict[str, list[str] | list[int]] = {
        name: [record[i] for _, record in body] for i, name in enumerate(columns)
    }
    data[LINE] = [line for line, _ in body]
    data[ROW] = list(range(1, len(body) + 1))
    schema: dict[str, pl.DataType] = {name: pl.String() for name in columns}
    schema[LINE] = pl.Int64()
    schema[ROW] = pl.Int64()
    return SourceTable(frame=pl.DataFrame(data, schema=schema), columns=columns, notes=notes)


def _split_hint(options: CsvOptions, *, more: bool) -> str:
    separators = {options.decimal_separator, options.thousands_separator or ""}
    if more and options.delimiter in separators | {","}:
        return (
            f"; an unquoted value holding {options.delimiter!r} (a decimal comma or a "
            "thousands separator) splits into two fields: quote such values"
        )
    return ""


def _header_names(
    header: list[str],
    line: int,
    options: CsvOptions,
    used_columns: Collection[str],
    notes: list[str],
) -> list[str]:
    names: list[str] = []
    positions: dict[str, list[int]] = {}
    for position, raw in enumerate(header, start=1):
        name = raw.strip()
        if not name:
            name = f"column_{position}"
            notes.append(f"header column {position} has no name; it is called {name!r}")
        positions.setdefault(name, []).append(position)
        names.append(name)
    problems: list[OnboardingProblem] = []
    for name, where in positions.items():
        if len(where) < 2:
            continue
        if name in used_columns:
            problems.append(
                OnboardingProblem(
                    rule="duplicate_column",
                    severity=Severity.ERROR,
                    line=line,
                    column=name,
                    message=f"the profile reads column {name!r}, which appears "
                    f"{len(where)} times (positions {', '.join(map(str, where))})",
                )
            )
            continue
        for position in where[1:]:
            renamed = f"{name} ({position})"
            names[position - 1] = renamed
            notes.append(f"repeated header {name!r} at position {position} is called {renamed!r}")
    if problems:
        raise SourceUnreadable("rejected", problems[0].message, problems)
    return names


def delimiter_hint(columns: list[str], declared: str) -> str | None:
    """When a one-column header splits on another delimiter, say which."""
    if len(columns) != 1:
        return None
    for other in _DELIMITERS:
        if other != declared and other in columns[0]:
            parts = len(columns[0].split(other))
            return (
                f"the header is a single column with delimiter {declared!r} but splits into "
                f"{parts} columns on {other!r}; set csv.delimiter: {other!r}"
            )
    return None
