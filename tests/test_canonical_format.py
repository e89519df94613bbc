"""The generator writes exactly the columns ingestion expects, file by file (both follow
docs/canonical-format.md; this keeps the two from drifting apart)."""

from __future__ import annotations

import pytest

from shelfops.ingest.schemas import SPECS, IngestKind
from shelfops.synthetic import writer
from shelfops.synthetic.generator import FILE_NAMES

GENERATED_COLUMNS = {
    IngestKind.SUPPLIERS: writer.SUPPLIER_COLUMNS,
    IngestKind.STORES: writer.STORE_COLUMNS,
    IngestKind.PRODUCTS: writer.PRODUCT_COLUMNS,
    IngestKind.SALES: writer.SALES_COLUMNS,
    IngestKind.INVENTORY: writer.INVENTORY_COLUMNS,
}


@pytest.mark.parametrize("kind", list(IngestKind))
def test_generated_files_have_the_ingested_columns_in_order(kind: IngestKind) -> None:
    spec = SPECS[kind]
    assert tuple(column.name for column in spec.columns) == GENERATED_COLUMNS[kind]
    assert FILE_NAMES[kind.value] == spec.file_name
