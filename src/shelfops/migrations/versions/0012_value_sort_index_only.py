"""Let the value-sorted inventory page read its candidates from the index alone (issue 8).

Migration 0009's ``ix_reorder_policies_customer_id_product_id_stock_desc`` orders each
product's policies by ``coalesce(on_hand, 0.0)``; PostgreSQL still fetched every
candidate's table row, because it plans an index-only scan only when the columns an
expression reads are stored in the index too. With ``INCLUDE (on_hand)`` the first rows
per product come from the index alone: a category page sorted by value went from 12 to
4 ms of PostgreSQL in the load bench's tenant (1,000 × 1,000), where it was the slowest
read.

PostgreSQL only (SQLite has no ``INCLUDE``, and the page's fast path is PostgreSQL's):
the index is dropped and built again with the included column, blocking writes to the
table while it builds. Downgrade builds it as 0009 did.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept verbatim in sync with ``shelfops.models.replenishment.STOCK_DESC_SQL``.
STOCK_DESC_SQL = "coalesce(on_hand, 0.0) DESC"
NAME = "ix_reorder_policies_customer_id_product_id_stock_desc"


def _rebuild(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(NAME, table_name="reorder_policies")
    op.create_index(
        NAME,
        "reorder_policies",
        ["customer_id", "product_id", sa.text(STOCK_DESC_SQL), "policy_id"],
        unique=False,
        postgresql_include=include,
    )


def upgrade() -> None:
    _rebuild(["on_hand"])


def downgrade() -> None:
    _rebuild([])
