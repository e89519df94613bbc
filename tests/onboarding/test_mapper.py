"""The mapper on hand-worked files: the three shipped samples, and bad input of every kind
(encodings, BOMs, delimiters, decimal commas, thousands separators, Excel dates, missing
columns, nested values, thresholds, returns, duplicates). No database: the catalog is the
examples' one, given directly."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from shelfops.ingest.schemas import IngestKind
from shelfops.onboarding.schemas import Severity
from tests.onboarding.helpers import (
    DAILY_PROFILE,
    DAILY_SAMPLE,
    DC_PROFILE,
    DC_SAMPLE,
    POS_PROFILE,
    POS_SAMPLE,
    catalog,
    problem_tuples,
    profile_from,
    rows,
    run,
)

DAILY = """\
profile_id: t
version: 1
source_name: t
source_type: smb_csv
grain: daily_store_item
field_map:
  sales:
    date: day
    store_code: store
    product_code: sku
    quantity: units
    unit_price: price
defaults:
  sales:
    promo_flag: false
    discount_pct: 0
"""
HEADER = "day,store,sku,units,price\n"


def sale(
    date: str, store: str, product: str, quantity: str, price: str, **rest: str
) -> dict[str, str | None]:
    return {
        "date": date,
        "store_code": store,
        "product_code": product,
        "quantity": quantity,
        "unit_price": price,
        "promo_flag": rest.get("promo_flag", "false"),
        "discount_pct": rest.get("discount_pct", "0.0"),
        "on_hand_close": rest.get("on_hand_close"),
    }


# ---------------------------------------------------------------------------------------
# The shipped samples
# ---------------------------------------------------------------------------------------


def test_pos_lines_become_daily_rows_in_the_stores_calendar() -> None:
    mapped = run(POS_PROFILE, POS_SAMPLE.read_bytes())

    assert (mapped.status, mapped.records_in, mapped.rows_dropped) == (
        "ok",
        11,
        {"return_dropped": 1, "duplicate": 1},
    )
    got = {(r["date"], r["store_code"], r["product_code"]): r for r in rows(mapped)}
    assert sorted(got) == [
        ("2025-03-07", "S1", "P1001"),
        ("2025-03-07", "S1", "P2001"),
        ("2025-03-07", "S2", "P1001"),
        ("2025-03-07", "S2", "P3001"),
        ("2025-03-08", "S1", "P1001"),
        ("2025-03-08", "S1", "P1002"),
        ("2025-03-08", "S2", "P3001"),
    ]
    # 2 at 1.19 (no discount) + 3 at 0.95 (2.85 ÷ 3; 1 − 0.95/1.19 off): weighted by units.
    milk = got[("2025-03-07", "S1", "P1001")]
    assert float(milk["quantity"]) == 5
    assert float(milk["unit_price"]) == pytest.approx((2.38 + 2.85) / 5)
    assert float(milk["discount_pct"]) == pytest.approx(3 * (1 - 0.95 / 1.19) / 5)
    assert milk["promo_flag"] == "true"
    # R1004 sold at 02:30 UTC on the 8th = 20:30 on the 7th in Chicago: the 7th's bread.
    bread = got[("2025-03-07", "S1", "P2001")]
    assert (float(bread["quantity"]), float(bread["unit_price"]), bread["promo_flag"]) == (
        3,
        2.49,
        "false",
    )
    batteries = got[("2025-03-08", "S2", "P3001")]
    assert float(batteries["unit_price"]) == pytest.approx(3.99)
    assert float(batteries["discount_pct"]) == pytest.approx(1 - 3.99 / 4.99)
    assert got[("2025-03-08", "S1", "P1002")]["on_hand_close"] is None
    assert problem_tuples(mapped) == [
        ("dropped", "return_dropped", 8, "qty", "-1"),
        ("dropped", "duplicate", 9, "receipt_id", "R1004"),
    ]
    duplicate = mapped.problems.sorted()[1]
    assert duplicate.message == "the same receipt_id/line_no as line 7 (the first is kept)"
    quality = {q.name: (q.value, q.passed) for q in mapped.quality}
    assert quality["duplicate_rate"] == (round(1 / 11, 6), True)
    assert quality["date_parse_rate"] == (1.0, True)


def test_the_german_daily_summary_reads_its_locale() -> None:
    mapped = run(DAILY_PROFILE, DAILY_SAMPLE.read_bytes())

    assert mapped.status == "ok", mapped.problems.sorted()
    assert rows(mapped) == [
        sale("2025-03-01", "B1", "P1001", "1250.0", "1.19", on_hand_close="340.0"),
        sale(
            "2025-03-01",
            "B1",
            "P2001",
            "40.0",
            "1.99",
            promo_flag="true",
            discount_pct="0.2",
            on_hand_close="12.0",
        ),
        sale("2025-03-01", "B2", "P1001", "85.0", "1.19"),
        sale("2025-03-02", "B1", "P1001", "1180.0", "1.19", on_hand_close="410.0"),
        sale("2025-03-02", "B1", "P2001", "0.0", "2.49", on_hand_close="0.0"),
    ]
    # The canonical rows remember their source lines (two title lines, then the header).
    assert mapped.frames[IngestKind.SALES].get_column("__line").to_list() == [4, 5, 6, 7, 8]
    assert mapped.notes == [
        "2 line(s) above the header (csv.header_line) were skipped",
        "1 footer record(s) were ignored (csv.skip_footer_rows), from line 9",
    ]


def test_enterprise_positions_convert_cases_and_strip_id_prefixes() -> None:
    mapped = run(DC_PROFILE, DC_SAMPLE.read_bytes())

    assert mapped.status == "ok"
    got = [
        (r["date"], r["store_code"], r["product_code"], float(r["on_hand"]), float(r["on_order"]))
        for r in rows(mapped, IngestKind.INVENTORY)
    ]
    assert got == [
        ("2025-03-09", "S1", "P1001", 42.0, 24.0),  # 3.5 and 2 cases of 12
        ("2025-03-09", "S1", "P1002", 6.0, 0.0),
        ("2025-03-09", "S2", "P1001", 0.0, 48.0),
        ("2025-03-09", "B1", "P2001", 12.0, 6.0),
        ("2025-03-09", "B1", "P3001", 12.0, 0.0),  # half a case of 24
    ]


def test_a_new_item_in_the_enterprise_feed_is_dropped_within_its_tolerance() -> None:
    data = DC_SAMPLE.read_text() + "LOC-S1|sku:p9999|20250309|1|0|6|CS\n"
    # 1 unknown item of 6 records: 0.833 < 0.99, so the file is rejected ...
    rejected = run(DC_PROFILE, data)
    assert rejected.status == "rejected"
    assert rejected.reason == "reference_integrity_rate 0.8333 < 0.99 (1 record(s))"
    (problem,) = rejected.problems.sorted()
    assert (problem.severity, problem.rule, problem.line, problem.column, problem.value) == (
        Severity.ERROR,
        "unknown_code",
        7,
        "ITEM_ID",
        "sku:p9999",
    )
    assert problem.message == (
        "unknown product_code 'P9999' (read from 'sku:p9999'): this tenant's catalog has no "
        "such product"
    )
    # ... and with the catalog knowing it, nothing is wrong.
    known = run(
        DC_PROFILE,
        data,
        with_catalog=catalog(products=["P1001", "P1002", "P2001", "P3001", "P9999"]),
    )
    assert known.status == "ok"
    assert len(rows(known, IngestKind.INVENTORY)) == 6


# ---------------------------------------------------------------------------------------
# Encodings, BOMs, delimiters
# ---------------------------------------------------------------------------------------


def test_latin1_bytes_in_a_utf8_file_are_named_by_line() -> None:
    text = HEADER + "2025-03-01,S1,P1001,1,1.19\n2025-03-01,S1,P2001,1,2.49 Brötchen\n"
    data = text.encode("latin-1") + "2025-03-02,S1,P1001,1,1.19 Käse\n".encode("latin-1")
    mapped = run(DAILY, data)

    assert mapped.status == "rejected"
    assert mapped.reason == (
        "the file is not valid utf-8: 2 line(s) hold bytes that cannot be decoded, the first "
        "on line 3; the bytes look like cp1252 text, set csv.encoding: cp1252"
    )
    assert [(p.rule, p.line) for p in mapped.problems.sorted()] == [
        ("encoding", 3),
        ("encoding", 4),
    ]
    assert mapped.problems.sorted()[0].message.startswith(
        "byte f6 at position 30 of the line is not valid utf-8"
    )
    # Declared as what it is, the same file maps (and the price's text is reported).
    fixed = run(DAILY + "csv: {encoding: cp1252}\n", data)
    assert fixed.status == "rejected"
    assert [(p.rule, p.line, p.value) for p in fixed.problems.sorted()] == [
        ("number", 3, "2.49 Brötchen"),
        ("number", 4, "1.19 Käse"),
    ]


def test_utf8_text_declared_as_cp1252_is_refused_rather_than_garbled() -> None:
    data = (HEADER + "2025-03-01,S1,P1001,1,1.19\n2025-03-01,Süd,P1001,1,1.19\n").encode()
    mapped = run(DAILY + "csv: {encoding: cp1252}\n", data)
    assert mapped.status == "rejected"
    assert mapped.reason == (
        "the file is UTF-8 text but the profile declares csv.encoding 'cp1252'; its accented "
        "characters would be garbled (first on line 3); set csv.encoding: utf-8"
    )


def test_a_utf8_bom_is_stripped_and_noted() -> None:
    data = codecs.BOM_UTF8 + (HEADER + "2025-03-01,S1,P1001,2,1.19\n").encode()
    mapped = run(DAILY, data)
    assert mapped.status == "ok"
    assert rows(mapped) == [sale("2025-03-01", "S1", "P1001", "2.0", "1.19")]
    assert mapped.notes == ["a UTF-8 byte-order mark (BOM) at the start of the file was stripped"]


def test_semicolons_without_the_profile_saying_so_are_explained() -> None:
    data = "day;store;sku;units;price\n2025-03-01;S1;P1001;2;1,19\n"
    mapped = run(DAILY, data)
    assert mapped.status == "rejected"
    assert mapped.reason == (
        "the header is a single column with delimiter ',' but splits into 5 columns on ';'; "
        "set csv.delimiter: ';'"
    )
    # Declared, the decimal comma is the next thing the profile must say.
    semicolons = run(DAILY + "csv: {delimiter: ';'}\n", data)
    assert problem_tuples(semicolons) == [("error", "number", 2, "price", "1,19")]
    assert semicolons.problems.sorted()[0].message == (
        "not a number with decimal separator '.', no thousands separator: it looks like a "
        "decimal comma; set csv.decimal_separator: ','"
    )
    declared = run(DAILY + "csv: {delimiter: ';', decimal_separator: ','}\n", data)
    assert rows(declared) == [sale("2025-03-01", "S1", "P1001", "2.0", "1.19")]


def test_thousands_separators_are_read_when_declared_and_explained_when_not() -> None:
    data = HEADER + '2025-03-01,S1,P1001,"1,250",1.19\n2025-03-02,S1,P1001,980,1.19\n'
    mapped = run(DAILY, data)
    assert mapped.status == "rejected"
    assert mapped.reason == "quantity_parse_rate 0.5 < 1 (1 record(s))"
    (problem,) = mapped.problems.sorted()
    assert (problem.rule, problem.line, problem.column, problem.value, problem.field) == (
        "quantity_parse",
        2,
        "units",
        "1,250",
        "sales.quantity",
    )
    assert problem.message == (
        "not a number with decimal separator '.', no thousands separator: it looks like ',' "
        "groups thousands; set csv.thousands_separator: ','"
    )
    declared = run(DAILY + "csv: {thousands_separator: ','}\n", data)
    assert [r["quantity"] for r in rows(declared)] == ["1250.0", "980.0"]


def test_a_ragged_record_names_its_line_and_the_likely_cause() -> None:
    data = HEADER + "2025-03-01,S1,P1001,2,1.19\n2025-03-02,S1,P1001,2,1,19\n"
    mapped = run(DAILY, data)
    assert mapped.status == "rejected"
    (problem,) = mapped.problems.sorted()
    assert (problem.rule, problem.line) == ("field_count", 3)
    assert problem.message == (
        "the record has 6 field(s) but the header has 5 (delimiter ','); an unquoted value "
        "holding ',' (a decimal comma or a thousands separator) splits into two fields: quote "
        "such values"
    )


@pytest.mark.parametrize(
    ("data", "rule", "reason"),
    [
        ("", "empty_file", "the file is empty"),
        ("\n \n", "empty_file", "the file is empty"),
        (HEADER, "header_only", "the file has a header but no data records"),
    ],
)
def test_empty_and_header_only_files_are_rejected(data: str, rule: str, reason: str) -> None:
    mapped = run(DAILY, data)
    assert (mapped.status, mapped.reason, mapped.problems.sorted()[0].rule) == (
        "rejected",
        reason,
        rule,
    )


# ---------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------


def test_excel_serial_dates_and_times() -> None:
    profile = DAILY + "date_format: excel_serial\ntimezone: {source: Europe/Berlin}\n"
    data = HEADER + "45717,S1,P1001,1,1.19\n45718.99,S1,P1001,2,1.19\n2025-03-03,S1,P1001,3,1.19\n"
    mapped = run(profile, data)
    assert mapped.status == "rejected"
    (problem,) = mapped.problems.sorted()
    assert (problem.rule, problem.line, problem.value) == ("date_parse", 4, "2025-03-03")
    assert problem.message == (
        "not an Excel serial day number (e.g. 45723 = 2025-03-07, 45723.75 = 18:00)"
    )
    tolerant = run(profile + "quality: {min_date_parse_rate: 0.6}\n", data)
    # 45717 = 2025-03-01; 45718.99 = 2025-03-02 23:45:36 Berlin time (a day in Berlin).
    assert [(r["date"], r["quantity"]) for r in rows(tolerant)] == [
        ("2025-03-01", "1.0"),
        ("2025-03-02", "2.0"),
    ]
    assert tolerant.rows_dropped == {"date_parse": 1}
    assert tolerant.problems.sorted()[0].severity is Severity.DROPPED


def test_an_excel_serial_in_a_text_date_column_is_recognised() -> None:
    mapped = run(DAILY + 'date_format: "%d.%m.%Y"\n', HEADER + "45717,S1,P1001,1,1.19\n")
    assert mapped.problems.sorted()[0].message == (
        "not a date in the format '%d.%m.%Y' (e.g. '07.03.2025'): it looks like an Excel "
        "serial day number; set date_format: excel_serial"
    )


def test_the_date_hint_decides_what_3_7_2025_means() -> None:
    data = HEADER + "3/7/2025,S1,P1001,1,1.19\n"
    us = run(DAILY + 'date_format: "%m/%d/%Y"\n', data)
    assert rows(us)[0]["date"] == "2025-03-07"
    european = run(DAILY + 'date_format: "%d/%m/%Y"\n', data, today=dt.date(2025, 8, 1))
    assert rows(european)[0]["date"] == "2025-07-03"
    # A day that cannot be a month says which format it looks like.
    wrong = run(DAILY + 'date_format: "%m/%d/%Y"\n', HEADER + "13/7/2025,S1,P1001,1,1.19\n")
    assert wrong.problems.sorted()[0].message == (
        "not a date in the format '%m/%d/%Y' (e.g. '03/07/2025'): it looks like '%d/%m/%Y'; "
        "check date_format"
    )


def test_future_dates_reject_by_default_and_are_dropped_within_tolerance() -> None:
    data = (
        HEADER
        + "2025-03-09,S1,P1001,1,1.19\n2025-03-11,S1,P1001,1,1.19\n2025-03-12,S1,P1001,1,1.19\n"
    )
    mapped = run(DAILY, data)  # today is 2025-03-10: the 11th is tomorrow, the 12th future
    assert mapped.status == "rejected"
    assert problem_tuples(mapped) == [("error", "future_date", 4, "day", "2025-03-12")]
    assert mapped.problems.sorted()[0].message == (
        "dated 2025-03-12 (business day), after tomorrow (2025-03-11)"
    )
    tolerant = run(DAILY + "quality: {max_future_date_rate: 0.5}\n", data)
    assert [r["date"] for r in rows(tolerant)] == ["2025-03-09", "2025-03-11"]


def test_timestamps_take_the_business_day_of_the_zone_asked_for() -> None:
    profile = DAILY.replace("grain: daily_store_item", "grain: transaction_line") + (
        'date_format: "%Y-%m-%d %H:%M"\nquantity_sign_policy: reject\n'
    )
    data = HEADER + "2025-03-07 23:30,S1,P1001,1,1.19\n"
    assert rows(run(profile, data))[0]["date"] == "2025-03-07"  # UTC
    tokyo = run(profile + "timezone: {source: UTC, business_day: Asia/Tokyo}\n", data)
    assert rows(tokyo)[0]["date"] == "2025-03-08"
    store = run(profile + "timezone: {source: UTC, business_day: store}\n", data)
    assert rows(store)[0]["date"] == "2025-03-07"  # 17:30 in Chicago
    gap = run(
        profile + "timezone: {source: Europe/Berlin}\n",
        HEADER + "2025-03-30 02:30,S1,P1001,1,1.19\n",
    )
    assert gap.problems.sorted()[0].message == (
        "'2025-03-30 02:30' does not exist in Europe/Berlin (a daylight-saving gap)"
    )


# ---------------------------------------------------------------------------------------
# Columns the profile cannot use
# ---------------------------------------------------------------------------------------


def test_a_missing_column_is_named_with_the_columns_found() -> None:
    data = "day,store,SKU,units,price\n2025-03-01,S1,P1001,1,1.19\n"
    mapped = run(DAILY, data)
    assert mapped.status == "rejected"
    assert (
        mapped.reason
        == "the file has no column 'sku'; columns found: day, store, SKU, units, price"
    )
    (problem,) = mapped.problems.sorted()
    assert (problem.rule, problem.column) == ("missing_column", "sku")
    assert problem.message == (
        "the profile reads column 'sku' (for sales.product_code) but the file has no such "
        "column; columns found: day, store, SKU, units, price; did you mean 'SKU'?"
    )
    assert mapped.frames == {}


def test_nested_values_need_a_custom_adapter() -> None:
    data = HEADER + '2025-03-01,S1,P1001,"{""units"": 2, ""unit"": ""kg""}",1.19\n'
    mapped = run(DAILY, data)
    assert mapped.status == "requires_custom_adapter"
    assert mapped.reason == (
        "column 'units' holds nested structures (JSON objects or arrays); a contract profile "
        "maps flat columns only"
    )
    assert problem_tuples(mapped) == [
        ("error", "nested_structure", 2, "units", '{"units": 2, "unit": "kg"}')
    ]
    json_file = run(DAILY, '[{"day": "2025-03-01", "lines": [{"sku": "P1001"}]}]')
    assert json_file.status == "requires_custom_adapter"
    assert json_file.reason is not None and json_file.reason.startswith("the source is JSON")


def test_a_required_field_without_a_source_needs_a_custom_adapter() -> None:
    profile = DAILY.replace("    discount_pct: 0\n", "")
    mapped = run(profile, HEADER + "2025-03-01,S1,P1001,1,1.19\n")
    assert (mapped.status, mapped.reason, mapped.frames) == (
        "requires_custom_adapter",
        "sales.discount_pct is required but the profile maps no source column to it and "
        "declares no default or derivation",
        {},
    )


# ---------------------------------------------------------------------------------------
# Null policies, returns, duplicates, ids, canonical rules
# ---------------------------------------------------------------------------------------


def test_null_policies_reject_drop_or_fill() -> None:
    data = HEADER + "2025-03-01,S1,P1001,,1.19\n2025-03-01,S2,P1001,2,\n2025-03-01,S2,P2001,1,N/A\n"
    mapped = run(DAILY, data)
    assert mapped.status == "rejected"
    assert mapped.reason == "required_null_rate 1 > 0 (3 record(s))"
    assert problem_tuples(mapped) == [
        ("error", "required_null", 2, "units", ""),
        ("error", "required_null", 3, "price", ""),
        ("error", "required_null", 4, "price", "N/A"),
    ]
    assert mapped.problems.sorted()[0].message == (
        "sales.quantity is required but is empty (null_policy: reject)"
    )
    policies = DAILY + (
        "null_policy:\n  sales:\n    quantity: {default: 0}\n    unit_price: drop_row\n"
    )
    handled = run(policies, data)
    assert handled.status == "ok"
    assert rows(handled) == [sale("2025-03-01", "S1", "P1001", "0.0", "1.19")]
    assert handled.rows_dropped == {"null_dropped": 2}
    assert "sales.quantity: 1 empty value(s) filled with 0 (null_policy)" in handled.notes


def test_returns_follow_the_quantity_sign_policy() -> None:
    profile = DAILY.replace("grain: daily_store_item", "grain: transaction_line")
    data = (
        "day,store,sku,units,price\n"
        "2025-03-01,S1,P1001,3,1.19\n"
        "2025-03-01,S1,P1001,-1,1.19\n"
        "2025-03-01,S1,P2001,-2,2.49\n"
    )
    rejected = run(profile, data)  # the default policy is reject
    assert problem_tuples(rejected) == [
        ("error", "negative_quantity", 3, "units", "-1"),
        ("error", "negative_quantity", 4, "units", "-2"),
    ]
    dropped = run(profile + "quantity_sign_policy: drop_returns\n", data)
    assert [(r["product_code"], r["quantity"]) for r in rows(dropped)] == [("P1001", "3.0")]
    assert dropped.rows_dropped == {"return_dropped": 2}
    netted = run(profile + "quantity_sign_policy: net\n", data)
    assert netted.status == "rejected"  # the bread's day is −2: canonical sales are ≥ 0
    assert problem_tuples(netted) == [("error", "minimum", 4, "units", "-2.0")]
    clipped = run(profile + "quantity_sign_policy: net_clip_zero\n", data)
    assert [(r["product_code"], r["quantity"]) for r in rows(clipped)] == [
        ("P1001", "2.0"),
        ("P2001", "0.0"),
    ]
    assert problem_tuples(clipped) == [("warning", "net_clipped", 4, "units", "-2")]


def test_duplicates_reject_by_default_and_keep_the_last_when_asked() -> None:
    data = (
        HEADER
        + "2025-03-01,S1,P1001,1,1.19\n2025-03-01,S1,P1001,5,1.29\n2025-03-02,S1,P1001,2,1.19\n"
    )
    mapped = run(DAILY, data)
    assert mapped.status == "rejected"
    assert mapped.reason == "duplicate_rate 0.3333 > 0 (1 record(s))"
    (problem,) = mapped.problems.sorted()
    assert (problem.line, problem.message) == (
        3,
        "the same sales.store_code/sales.product_code/sales.date as line 2 (the first is kept)",
    )
    last = run(DAILY + "dedupe_keep: last\nquality: {max_duplicate_rate: 0.5}\n", data)
    assert [(r["date"], r["quantity"], r["unit_price"]) for r in rows(last)] == [
        ("2025-03-01", "5.0", "1.29"),
        ("2025-03-02", "2.0", "1.19"),
    ]
    assert problem_tuples(last) == [("dropped", "duplicate", 2, "store", "S1")]


def test_id_normalisation_prefix_case_and_zeros() -> None:
    profile = DAILY + (
        "id_normalisation:\n"
        "  store_code: {remove_prefixes: ['STORE-', 'ST-'], case: upper}\n"
        "  product_code: {strip_leading_zeros: true}\n"
    )
    known = catalog(stores={"S1": "UTC", "7": "UTC"}, products=["P1001", "42", "0"])
    data = (
        HEADER
        + "2025-03-01,STORE-s1,P1001,1,1.19\n2025-03-01,ST-s1,0042,1,1.19\n"
        + "2025-03-01,STORE-7,000,1,1.19\n"
    )
    mapped = run(profile, data, with_catalog=known)
    assert [(r["store_code"], r["product_code"]) for r in rows(mapped)] == [
        ("S1", "P1001"),
        ("S1", "42"),
        ("7", "0"),
    ]
    # Prefixes are matched before the case changes (and after spaces are trimmed).
    lower = run(profile, HEADER + "2025-03-01, store-s1 ,P1001,1,1.19\n", with_catalog=known)
    assert lower.problems.sorted()[0].message == (
        "unknown store_code 'STORE-S1' (read from ' store-s1 '): this tenant's catalog has no "
        "such store"
    )


def test_canonical_rules_are_checked_before_anything_is_written() -> None:
    profile = DAILY.replace("    discount_pct: 0\n", "").replace(
        "    unit_price: price\n", "    unit_price: price\n    discount_pct: disc\n"
    )
    data = (
        "day,store,sku,units,price,disc\n"
        "2025-03-01,S1,P1001,1,-1.19,0\n"
        "2025-03-01,S2,P1001,1,1.19,1.5\n"
    )
    mapped = run(profile, data)
    assert mapped.status == "rejected"
    assert [(p.rule, p.line, p.column, p.field, p.value) for p in mapped.problems.sorted()] == [
        ("minimum", 2, "price", "sales.unit_price", "-1.19"),
        ("range", 3, "disc", "sales.discount_pct", "1.5"),
    ]
    assert mapped.problems.sorted()[1].message == "must be in [0, 1) (canonical sales.discount_pct)"


def test_a_product_master_checks_whole_numbers_and_supplier_references() -> None:
    profile = """\
profile_id: items
version: 1
source_name: items
source_type: smb_csv
grain: catalog_products
field_map:
  products:
    product_code: Item
    name: Description
    category: Group
    supplier_code: Vendor
    unit_cost: Cost
    unit_price: Price
    pack_size: Pack
defaults:
  products:
    department: Grocery
"""
    data = (
        "Item,Description,Group,Vendor,Cost,Price,Pack\n"
        "P5001,Oat milk,Dairy,SUP-DAIRY,0.9,1.79,6\n"
        "P5002,Spelt bread,Bakery,SUP-NEW,1.2,2.99,2.5\n"
    )
    mapped = run(profile, data)
    assert mapped.status == "rejected"
    assert problem_tuples(mapped) == [
        ("error", "integer", 3, "Pack", "2.5"),
        ("error", "unknown_code", 3, "Vendor", "SUP-NEW"),
    ]
    good = run(profile, data.replace("SUP-NEW,1.2,2.99,2.5", "SUP-BAKE,1.2,2.99,6"))
    assert rows(good, IngestKind.PRODUCTS)[1] == {
        "product_code": "P5002",
        "name": "Spelt bread",
        "category": "Bakery",
        "department": "Grocery",
        "supplier_code": "SUP-BAKE",
        "unit_cost": "1.2",
        "unit_price": "2.99",
        "pack_size": "6",
        "launched_on": None,
        "discontinued_on": None,
    }


def test_a_bad_column_feeding_two_files_is_reported_once() -> None:
    both = DAILY.replace(
        "    unit_price: price\n",
        "    unit_price: price\n"
        "  inventory: {date: day, store_code: store, product_code: sku, on_hand: units, "
        "on_order: units}\n",
    )
    assert profile_from(both).kinds == (IngestKind.SALES, IngestKind.INVENTORY)
    mapped = run(both, HEADER + "2025-02-30,S1,P1001,1,1.19\n2025-03-01,S1,P1001,1,1.19\n")
    assert mapped.status == "rejected"
    assert mapped.reason == "date_parse_rate 0.5 < 1 (1 record(s))"
    assert problem_tuples(mapped) == [("error", "date_parse", 2, "day", "2025-02-30")]
    assert mapped.problems.total == 1


def test_a_rejection_reason_quotes_the_first_error() -> None:
    data = HEADER + "2025-03-01,S1,P1001,1,free\n2025-03-01,S2,P1001,1,gratis\n"
    mapped = run(DAILY, data)
    assert mapped.reason == (
        "2 value(s) cannot be read; the first: line 2, column 'price': not a number with "
        "decimal separator '.', no thousands separator: it contains other characters; list "
        "currency symbols or units in type_map.<file>.<field>.strip_chars"
    )


def test_a_missing_unit_factor_counts_against_the_quantity_parse_rate() -> None:
    data = DC_SAMPLE.read_text().replace(
        "LOC-S1|sku:p1002|20250309|1|0|6|CS", "LOC-S1|sku:p1002|20250309|1|0||CS"
    )
    mapped = run(DC_PROFILE, data)
    assert mapped.reason == "quantity_parse_rate 0.8 < 1 (1 record(s))"
    (problem,) = mapped.problems.sorted()
    assert (problem.rule, problem.line, problem.column, problem.field) == (
        "quantity_parse",
        3,
        "CASE_PACK",
        "inventory.on_hand",
    )
    assert problem.message.startswith("the unit factor is missing or not a number")


@pytest.mark.parametrize("pack", ["0", "-6"])
def test_a_unit_factor_not_above_zero_is_a_problem_not_zero_units(pack: str) -> None:
    data = DC_SAMPLE.read_text().replace(
        "LOC-S1|sku:p1002|20250309|1|0|6|CS", f"LOC-S1|sku:p1002|20250309|1|0|{pack}|CS"
    )
    mapped = run(DC_PROFILE, data)
    assert mapped.reason == "quantity_parse_rate 0.8 < 1 (1 record(s))"
    (problem,) = mapped.problems.sorted()
    assert (problem.rule, problem.line, problem.column, problem.field) == (
        "quantity_parse",
        3,
        "CASE_PACK",
        "inventory.on_hand",
    )
    assert problem.message == f"the unit factor must be above 0, got '{pack}'"


# ---------------------------------------------------------------------------------------
# Derived prices: zero quantities and zero regular prices
# ---------------------------------------------------------------------------------------

POS_HEADER = "receipt_id,line_no,sold_at,store,sku,description,qty,list_price,line_total\n"
POS_MILK = "R1,1,2025-03-07T14:02:11Z,S1,p1001,Whole milk 1L,2,1.19,2.38\n"


def test_a_zero_quantity_pos_line_is_left_out_and_listed() -> None:
    # A voided line (0 units, 0.00) and a price-only correction (0 units, -0.50): no units
    # to add, no unit price (amount ÷ 0). The rest of the file maps as without them.
    data = (
        POS_HEADER
        + POS_MILK
        + "R1,2,2025-03-07T14:03:00Z,S1,p1001,Whole milk 1L (void),0,1.19,0.00\n"
        + "R2,1,2025-03-07T15:00:00Z,S1,p2001,Rye bread (only a void),0,2.49,0\n"
        + "R3,1,2025-03-07T16:00:00Z,S2,p1001,price correction,0,1.19,-0.50\n"
    )
    mapped = run(POS_PROFILE, data)
    assert mapped.status == "ok", mapped.reason
    assert rows(mapped) == [sale("2025-03-07", "S1", "P1001", "2.0", "1.19")]
    assert mapped.rows_dropped == {"zero_quantity": 3}
    assert problem_tuples(mapped) == [
        ("dropped", "zero_quantity", 3, "qty", "0"),
        ("dropped", "zero_quantity", 4, "qty", "0"),
        ("dropped", "zero_quantity", 5, "qty", "0"),
    ]
    assert mapped.problems.sorted()[0].message == (
        "a quantity of 0 adds no units and has no unit price ('line_total' ÷ 0); "
        "the line is left out"
    )


def test_a_zero_regular_price_is_no_discount() -> None:
    # A give-away (list price 0, sold for 0) and an open-price item (list price 0, price
    # keyed at the till): there is no regular price to discount from.
    data = (
        POS_HEADER
        + POS_MILK
        + "R1,2,2025-03-07T14:02:11Z,S1,p2001,Free bread,1,0,0\n"
        + "R2,1,2025-03-07T15:00:00Z,S2,p3001,Open price,2,0.00,5.00\n"
    )
    mapped = run(POS_PROFILE, data)
    assert mapped.status == "ok", mapped.reason
    assert rows(mapped) == [
        sale("2025-03-07", "S1", "P1001", "2.0", "1.19"),
        sale("2025-03-07", "S1", "P2001", "1.0", "0.0"),
        sale("2025-03-07", "S2", "P3001", "2.0", "2.5"),
    ]
    assert mapped.problems.total == 0


def test_a_price_above_the_regular_price_is_no_discount() -> None:
    # A line sold above its list price (a surcharge, a list price not yet raised): the
    # day's discount is 0 and no promotion, and the file is loaded, not failed.
    data = POS_HEADER + POS_MILK + "R2,1,2025-03-07T15:00:00Z,S2,p1001,Whole milk 1L,2,1.19,2.58\n"
    mapped = run(POS_PROFILE, data)
    assert mapped.status == "ok", mapped.reason
    assert rows(mapped) == [
        sale("2025-03-07", "S1", "P1001", "2.0", "1.19"),
        sale("2025-03-07", "S2", "P1001", "2.0", "1.29"),
    ]
    assert mapped.problems.total == 0


def test_an_underivable_price_or_discount_is_reported_once_with_its_cause() -> None:
    data = (
        POS_HEADER
        + "R1,1,2025-03-07T14:02:11Z,S1,p1001,no list price,2,,2.38\n"
        + "R2,1,2025-03-07T14:02:11Z,S1,p1001,no total,2,1.19,\n"
        + "R3,1,2025-03-07T14:02:11Z,S1,p1001,no quantity,,1.19,2.38\n"
        + "R4,1,2025-03-07T14:02:11Z,S1,p1001,negative list price,1,-1,1\n"
    )
    mapped = run(POS_PROFILE, data)
    assert mapped.status == "rejected"
    assert mapped.reason == "required_null_rate 1 > 0 (4 record(s))"
    # One problem per record, for the value that is missing (not also for the discount
    # and promo flag that follow from it), none without a column.
    assert problem_tuples(mapped) == [
        ("error", "required_null", 2, "list_price", ""),
        ("error", "required_null", 3, "line_total", ""),
        ("error", "required_null", 4, "qty", ""),
        ("error", "required_null", 5, "list_price", "-1"),
    ]
    messages = [p.message for p in mapped.problems.sorted()]
    assert messages == [
        "sales.discount_pct is required but cannot be derived (1 − unit_price ÷ 'list_price': "
        "'list_price' is empty) (null_policy: reject)",
        "sales.unit_price is required but cannot be derived ('line_total' ÷ quantity: "
        "'line_total' is empty) (null_policy: reject)",
        "sales.quantity is required but is empty (null_policy: reject)",
        "sales.discount_pct is required but cannot be derived (1 − unit_price ÷ 'list_price': "
        "the regular price 'list_price' is negative) (null_policy: reject)",
    ]


DERIVED_DAILY = """\
profile_id: t
version: 1
source_name: t
source_type: smb_csv
grain: daily_store_item
field_map:
  sales:
    date: day
    store_code: store
    product_code: sku
    quantity: units
derivations:
  sales:
    unit_price: {method: amount_per_unit, amount_column: revenue}
    discount_pct: {method: discount_from_regular_price, regular_price_column: list}
    promo_flag: {method: promo_when_discounted}
"""


def test_a_zero_unit_day_follows_the_null_policy_of_its_derived_price() -> None:
    # A daily row of 0 units is a real zero-sales day: its unit price cannot be derived,
    # and the profile's null policy says what that means (reject by default).
    data = "day,store,sku,units,revenue,list\n2025-03-01,S1,P1001,2,2.38,1.19\n"
    data += "2025-03-01,S1,P2001,0,0,2.49\n"
    mapped = run(DERIVED_DAILY, data)
    assert mapped.status == "rejected"
    assert problem_tuples(mapped) == [("error", "required_null", 3, "revenue", "0")]
    assert mapped.problems.sorted()[0].message == (
        "sales.unit_price is required but cannot be derived ('revenue' ÷ quantity: the "
        "quantity is 0) (null_policy: reject)"
    )
    # A default price is used by the discount and promo flag derived from it.
    filled = run(DERIVED_DAILY + "null_policy:\n  sales:\n    unit_price: {default: 2.49}\n", data)
    assert filled.status == "ok", filled.reason
    assert rows(filled)[1] == sale("2025-03-01", "S1", "P2001", "0.0", "2.49")
