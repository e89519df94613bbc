"""An index for the inventory list sorted by on-hand value, highest first (issue 8).

``reorder_policies (customer_id, product_id, coalesce(on_hand, 0.0) DESC, policy_id)``:
the value of a policy is its on hand times its product's one unit cost, so within a
product the value order is this index's order. A page of the highest values then takes
the first rows of each product from the index and sorts only those, instead of reading
and sorting every policy of the tenant or category (on PostgreSQL; see
``shelfops.replenishment.repository.list_policies``).

Plain ``CREATE INDEX`` on both dialects; it blocks writes to the table while it builds.
Downgrade drops it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept verbatim in sync with ``shelfops.models.replenishment.STOCK_DESC_SQL``.
STOCK_DESC_SQL = "coalesce(on_hand, 0.0) DESC"
NAME = "ix_reorder_policies_customer_id_product_id_stock_desc"


def upgrade() -> None:
    op.create_index(
        NAME,
        "reorder_policies",
        ["customer_id", "product_id", sa.text(STOCK_DESC_SQL), "policy_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="reorder_policies")
