"""The accepted time zone names: every one usable by polars, the two non-zones refused by
the API, ingestion and contract profiles alike."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from pydantic import ValidationError

from shelfops.catalog.schemas import StoreCreate
from shelfops.ingest.schemas import SPECS, IngestKind
from shelfops.ingest.validate import validate_chunk
from shelfops.kit.timezones import is_timezone_name, timezone_names

NOT_ZONES = ["localtime", "Factory"]


def test_every_accepted_name_is_a_zone_polars_can_convert_to() -> None:
    # A name polars refused would pass validation and fail the first job reading the data.
    moment = pl.Series([dt.datetime(2024, 3, 31, 1, 30)])
    refused = []
    for name in sorted(timezone_names()):
        try:
            moment.dt.replace_time_zone(name, ambiguous="earliest", non_existent="null")
        except pl.exceptions.PolarsError:
            refused.append(name)
    assert refused == []
    assert {"UTC", "America/Chicago", "Europe/Oslo"} <= timezone_names()


@pytest.mark.parametrize("name", NOT_ZONES)
def test_entries_of_the_tz_database_that_are_not_zones_are_refused(name: str) -> None:
    assert not is_timezone_name(name)
    with pytest.raises(ValidationError, match="IANA time zone"):
        StoreCreate(store_code="S1", name="Store", timezone=name)


def test_ingest_reports_a_store_in_a_non_zone_on_its_row() -> None:
    spec = SPECS[IngestKind.STORES]
    row = {column.name: None for column in spec.columns}
    rows = [
        {**row, "store_code": "S1", "name": "One", "timezone": "Europe/Oslo"},
        {**row, "store_code": "S2", "name": "Two", "timezone": "localtime"},
    ]
    raw = pl.DataFrame(rows, schema={column.name: pl.String for column in spec.columns})
    result = validate_chunk(spec, raw, first_row=1, lookups={})
    assert [(p.row, p.column, p.value) for p in result.examples] == [(2, "timezone", "localtime")]
