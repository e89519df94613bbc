"""Indexes for the API's hot reads (issue 8: 200 dashboard clients on a 1,000-store ×
1,000-product tenant):

* ``sales (customer_id, sale_date)``: "the tenant's latest sales date", asked by every
  forecast series read and by the daily jobs, becomes one index probe instead of a scan
  of all the tenant's sales (the primary key leads with the store; the BRIN on the date
  cannot answer ``max`` per tenant);
* ``reorder_policies (customer_id, days_of_supply, policy_id)``: the inventory list's
  default order, so a page is read from the index instead of sorting every policy;
* ``reorder_policies.on_hand``, a generated column (``details.on_hand``, kept by the
  database: stored on PostgreSQL, which rewrites the table once, virtual on SQLite), and
  ``(customer_id, product_id, on_hand, policy_id)``: the inventory list by category
  sorted by on-hand value reads the category's policies from this index alone instead
  of every policy's row and JSON;
* ``alerts``: the list's order (severity rank, newest first) within a status, and its
  store and severity filters.

Plain ``CREATE INDEX`` on both dialects. On PostgreSQL with TimescaleDB (0006) ``sales``
may be a hypertable: an index created on a hypertable is created on each chunk, and
compression is never enabled on these row-level-secured tables (see
``shelfops.kit.timescale``), so nothing stands in the way. The statement blocks writes to
the table while it builds (minutes for hundreds of millions of sales rows): run it
outside the nightly loads. Downgrade drops the indexes and the column.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept verbatim in sync with ``shelfops.models.replenishment.SEVERITY_RANK_SQL``: a
# migration must not change when the model module does.
SEVERITY_RANK_SQL = (
    "(\nCASE severity\n    WHEN 'critical' THEN 3\n    WHEN 'warning' THEN 2\n"
    "    WHEN 'info' THEN 1\n    ELSE 0\nEND)"
)

INDEXES: list[tuple[str, str, list[str | sa.TextClause]]] = [
    ("ix_sales_customer_id_sale_date", "sales", ["customer_id", "sale_date"]),
    (
        "ix_reorder_policies_customer_id_days_of_supply",
        "reorder_policies",
        ["customer_id", "days_of_supply", "policy_id"],
    ),
    (
        "ix_reorder_policies_customer_id_product_id_on_hand",
        "reorder_policies",
        ["customer_id", "product_id", "on_hand", "policy_id"],
    ),
    (
        "ix_alerts_customer_status_rank",
        "alerts",
        [
            "customer_id",
            "status",
            sa.text(SEVERITY_RANK_SQL),
            "created_at",
        ],
    ),
    ("ix_alerts_customer_id_store_id", "alerts", ["customer_id", "store_id"]),
    (
        "ix_alerts_customer_severity_created",
        "alerts",
        ["customer_id", "severity", "created_at"],
    ),
]


# Kept verbatim in sync with ``shelfops.models.replenishment.ON_HAND_SQL``.
ON_HAND_SQL = "CAST(details ->> 'on_hand' AS FLOAT)"


def upgrade() -> None:
    # Stored on PostgreSQL (an index needs it; PostgreSQL 18 would default to virtual);
    # SQLite can only add a virtual generated column to an existing table.
    stored = True if op.get_bind().dialect.name == "postgresql" else None
    op.add_column(
        "reorder_policies",
        sa.Column("on_hand", sa.Float(), sa.Computed(ON_HAND_SQL, persisted=stored)),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("reorder_policies") as batch:
        batch.drop_column("on_hand")
