"""Reading source text as typed values: numbers in any locale, dates in the profile's
format (ISO, Excel serial numbers, strftime), booleans with custom spellings.

Every parser is a vectorised polars expression over a text column whose empty cells are
already null. A parser returns the typed value plus two masks: ``present`` (the cell had
a value) and ``ok`` (it parsed), so a value that was there but did not parse is
``present & ~ok``. The ``*_hint`` functions explain one failed value in words (they run
only for the few problems a report lists).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

ISO = "iso"
EXCEL_SERIAL = "excel_serial"
# Excel's day 0 (its serial numbers count days from here, leap-year bug included).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# 9999-12-31, the largest date Excel has.
_EXCEL_MAX = 2_958_465
_UTC = "UTC"

DEFAULT_TRUE = ("true", "1", "yes", "y")
DEFAULT_FALSE = ("false", "0", "no", "n")

_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%p", "%T", "%R", "%X", "%c", "%s", "%k", "%l")
_OFFSET_DIRECTIVES = ("%z", "%:z", "%#z", "%Z")
_ISO_NAIVE = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
)
_ISO_AWARE = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z")
_SAMPLE = dt.datetime(2025, 3, 7, 18, 22, 5)


@dataclass(frozen=True)
class Parsed:
    """A parsed column: the typed value (null when empty or invalid) and its masks."""

    value: pl.Expr
    present: pl.Expr
    ok: pl.Expr


@dataclass(frozen=True)
class ParsedTime:
    """A parsed date column: date-only values in ``day``, timestamps in ``instant`` (UTC)."""

    day: pl.Expr
    instant: pl.Expr
    present: pl.Expr
    ok: pl.Expr


def clean(column: str, null_values: Sequence[str]) -> pl.Expr:
    """The column's text with surrounding spaces trimmed and 'no value' spellings null."""
    text = pl.col(column).str.strip_chars()
    return pl.when(text.is_in(list(null_values)) | text.is_null()).then(None).otherwise(text)


# ---------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------


def number_pattern(decimal: str, thousands: str | None) -> str:
    """The regular expression a number must match in this locale (no NaN, no inf)."""
    d = re.escape(decimal)
    plain = rf"[+-]?(?:\d+(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?"
    if thousands is None:
        return rf"^{plain}$"
    t = re.escape(thousands)
    grouped = rf"[+-]?\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d*)?"
    return rf"^(?:{plain}|{grouped})$"


def parse_number(
    text: pl.Expr, *, decimal: str, thousands: str | None, strip_chars: str | None = None
) -> Parsed:
    """Numbers written with ``decimal`` and (optionally) ``thousands`` separators."""
    present = text.is_not_null()
    if strip_chars:
        text = text.str.replace_all(f"[{re.escape(strip_chars)}]", "").str.strip_chars()
    well_formed = text.str.contains(number_pattern(decimal, thousands))
    canonical = text
    if thousands is not None:
        canonical = canonical.str.replace_all(thousands, "", literal=True)
    if decimal != ".":
        canonical = canonical.str.replace_all(decimal, ".", literal=True)
    value = pl.when(well_formed).then(canonical.cast(pl.Float64, strict=False))
    ok = present & value.is_not_null()
    return Parsed(value=pl.when(ok).then(value), present=present, ok=ok)


def number_hint(value: str, *, decimal: str, thousands: str | None) -> str:
    """Why ``value`` is not a number in the declared locale, and what would fix it."""
    locale = f"decimal separator {decimal!r}" + (
        f", thousands separator {thousands!r}" if thousands else ", no thousands separator"
    )
    text = value.strip()
    if decimal == "." and re.fullmatch(r"[+-]?\d+,\d{1,2}", text) and thousands != ",":
        return (
            f"not a number with {locale}: it looks like a decimal comma; "
            "set csv.decimal_separator: ','"
        )
    grouping = re.fullmatch(r"[+-]?\d{1,3}([,.' \u00a0])\d{3}(?:\1\d{3})*(?:[.,]\d+)?", text)
    if grouping and thousands is None:
        sep = grouping.group(1)
        return (
            f"not a number with {locale}: it looks like {sep!r} groups thousands; "
            f"set csv.thousands_separator: {sep!r}"
        )
    if decimal == "," and re.fullmatch(r"[+-]?\d+\.\d+", text) and thousands != ".":
        return f"not a number with {locale}: it uses '.' as the decimal separator"
    if re.search(r"[^\d\s.,'+\-eE]", text):
        return (
            f"not a number with {locale}: it contains other characters; list currency "
            "symbols or units in type_map.<file>.<field>.strip_chars"
        )
    return f"not a number with {locale}"


# ---------------------------------------------------------------------------------------
# Booleans
# ---------------------------------------------------------------------------------------


def parse_boolean(
    text: pl.Expr, true_values: Sequence[str] | None, false_values: Sequence[str] | None
) -> Parsed:
    """Booleans from the given spellings (case-insensitive); default true/false, 1/0,
    yes/no, y/n."""
    trues = [v.lower() for v in (true_values or DEFAULT_TRUE)]
    falses = [v.lower() for v in (false_values or DEFAULT_FALSE)]
    lower = text.str.to_lowercase()
    value = pl.when(lower.is_in(trues)).then(True).when(lower.is_in(falses)).then(False)
    present = text.is_not_null()
    return Parsed(value=value, present=present, ok=present & value.is_not_null())


def boolean_hint(true_values: Sequence[str] | None, false_values: Sequence[str] | None) -> str:
    """What a boolean cell may hold."""
    trues = ", ".join(true_values or DEFAULT_TRUE)
    falses = ", ".join(false_values or DEFAULT_FALSE)
    return f"not a boolean: expected one of {trues} (true) or {falses} (false)"


# ---------------------------------------------------------------------------------------
# Dates and timestamps
# ---------------------------------------------------------------------------------------


def has_time(date_format: str) -> bool:
    """Whether values of ``date_format`` can carry a time of day."""
    if date_format in (ISO, EXCEL_SERIAL):
        return True
    return any(d in date_format for d in (*_TIME_DIRECTIVES, *_OFFSET_DIRECTIVES))


def date_format_problem(date_format: str) -> str | None:
    """Why ``date_format`` is unusable (None when it is fine)."""
    if date_format in (ISO, EXCEL_SERIAL):
        return None
    if "%" not in date_format:
        return (
            "expected 'iso', 'excel_serial' or a strftime format like '%d.%m.%Y', "
            f"got {date_format!r}"
        )
    sample = _SAMPLE.replace(tzinfo=dt.UTC) if _has_offset(date_format) else _SAMPLE
    try:
        text = sample.strftime(date_format)
    except ValueError as exc:
        return f"not a valid strftime format ({exc})"
    parsed = pl.DataFrame({"v": [text]}).select(_strftime(pl.col("v"), date_format, _UTC)).item()
    if parsed is None or _date_of(parsed) != _SAMPLE.date():
        return (
            f"{date_format!r} does not read back a full date (it needs a day, a month and "
            f"a year; {_SAMPLE:%Y-%m-%d} becomes {text!r})"
        )
    return None


def iso_date_problem(value: str) -> str | None:
    """Why ``value`` is not a ``YYYY-MM-DD`` date (None when it is)."""
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return f"expected a date as YYYY-MM-DD, got {value!r}"
    return None if len(value) == len("2024-01-31") else f"expected YYYY-MM-DD, got {value!r}"


def _date_of(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _has_offset(date_format: str) -> bool:
    return any(d in date_format for d in _OFFSET_DIRECTIVES)


def _localise(naive: pl.Expr, zone: str) -> pl.Expr:
    """Naive wall-clock timestamps in ``zone`` → UTC instants (a time that does not exist
    in the zone, inside a DST gap, becomes null; an ambiguous one takes the earlier)."""
    return (
        naive.cast(pl.Datetime("us"))
        .dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone(_UTC)
    )


def _strftime(text: pl.Expr, date_format: str, zone: str) -> pl.Expr:
    """One strftime format: a Date for date-only formats, a UTC instant otherwise."""
    if not has_time(date_format):
        return text.str.to_date(date_format, strict=False)
    parsed = text.str.to_datetime(date_format, strict=False, time_unit="us")
    if _has_offset(date_format):
        return parsed.dt.convert_time_zone(_UTC)
    return _localise(parsed, zone)


def parse_time(
    text: pl.Expr, *, date_format: str, source_zone: str, decimal: str = "."
) -> ParsedTime:
    """Dates and timestamps of ``date_format``; naive timestamps are in ``source_zone``."""
    present = text.is_not_null()
    null_day = pl.lit(None, dtype=pl.Date)
    null_instant = pl.lit(None, dtype=pl.Datetime("us", _UTC))
    day: pl.Expr
    instant: pl.Expr
    if date_format == ISO:
        day = pl.when(text.str.len_bytes() == len("2024-01-31")).then(
            text.str.to_date("%Y-%m-%d", strict=False)
        )
        naive = [
            _localise(text.str.to_datetime(f, strict=False, time_unit="us"), source_zone)
            for f in _ISO_NAIVE
        ]
        aware = [
            text.str.to_datetime(f, strict=False, time_unit="us").dt.convert_time_zone(_UTC)
            for f in _ISO_AWARE
        ]
        instant = pl.coalesce(*aware, *naive)
    elif date_format == EXCEL_SERIAL:
        serial = parse_number(text, decimal=decimal, thousands=None).value
        in_range = (serial >= 1) & (serial <= _EXCEL_MAX)
        whole = serial.floor() == serial
        day = pl.when(in_range & whole).then(
            (pl.lit(EXCEL_EPOCH.date()) + pl.duration(days=serial.cast(pl.Int64))).cast(pl.Date)
        )
        micros = (serial * 86_400_000_000).round().cast(pl.Int64)
        instant = pl.when(in_range & ~whole).then(
            _localise(pl.lit(EXCEL_EPOCH) + pl.duration(microseconds=micros), source_zone)
        )
    elif has_time(date_format):
        day = null_day
        instant = _strftime(text, date_format, source_zone)
    else:
        day = _strftime(text, date_format, source_zone)
        instant = null_instant
    day = pl.when(present).then(day.cast(pl.Date))
    instant = pl.when(present).then(instant.cast(pl.Datetime("us", _UTC)))
    ok = present & (day.is_not_null() | instant.is_not_null())
    return ParsedTime(day=day, instant=instant, present=present, ok=ok)


def local_date(instant: pl.Expr, zone: str) -> pl.Expr:
    """The calendar day of a UTC instant in ``zone``."""
    return instant.dt.convert_time_zone(zone).dt.date()


def describe_date_format(date_format: str) -> str:
    """``date_format`` in words, with an example."""
    if date_format == ISO:
        return "an ISO date or timestamp (e.g. 2025-03-07 or 2025-03-07T18:22:05+01:00)"
    if date_format == EXCEL_SERIAL:
        return "an Excel serial day number (e.g. 45723 = 2025-03-07, 45723.75 = 18:00)"
    sample = _SAMPLE.replace(tzinfo=dt.UTC) if _has_offset(date_format) else _SAMPLE
    return f"a date in the format {date_format!r} (e.g. {sample.strftime(date_format)!r})"


_ALTERNATIVES = (
    ("%Y-%m-%d", ISO),
    ("%Y-%m-%dT%H:%M:%S", ISO),
    ("%Y-%m-%d %H:%M:%S", ISO),
    ("%d.%m.%Y", "%d.%m.%Y"),
    ("%d/%m/%Y", "%d/%m/%Y"),
    ("%m/%d/%Y", "%m/%d/%Y"),
    ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M"),
    ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M"),
    ("%Y%m%d", "%Y%m%d"),
)


def date_hint(value: str, *, date_format: str, source_zone: str) -> str:
    """Why ``value`` is not a date of ``date_format``, and what it looks like instead."""
    expected = f"not {describe_date_format(date_format)}"
    text = value.strip()
    if date_format != EXCEL_SERIAL and re.fullmatch(r"\d{5}(?:[.,]\d+)?", text):
        return (
            f"{expected}: it looks like an Excel serial day number; set date_format: excel_serial"
        )
    if date_format == EXCEL_SERIAL:
        return expected
    naive = _python_parse(text, date_format)
    if naive is not None and isinstance(naive, dt.datetime) and naive.tzinfo is None:
        zone = zoneinfo.ZoneInfo(source_zone)
        # A wall-clock time inside a DST gap does not survive a round trip through UTC.
        there = naive.replace(tzinfo=zone)
        if there.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
            return f"{value!r} does not exist in {source_zone} (a daylight-saving gap)"
    for probe, name in _ALTERNATIVES:
        if name == date_format:
            continue
        try:
            dt.datetime.strptime(text, probe)
        except ValueError:
            continue
        return f"{expected}: it looks like {name!r}; check date_format"
    return expected


def _python_parse(text: str, date_format: str) -> dt.datetime | None:
    # chrono's %.f has no strptime twin; the hint only needs the common formats.
    try:
        return dt.datetime.strptime(text, date_format.replace("%.f", ""))
    except ValueError:
        return None
