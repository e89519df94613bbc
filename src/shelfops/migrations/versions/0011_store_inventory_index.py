"""An index for one store's inventory list in its default order (issue 8).

``reorder_policies (customer_id, store_id, days_of_supply, policy_id)``: the dashboard's
most frequent inventory page is one store's, fewest days of supply first. Without it the
page joins and sorts all of the store's policies (a thousand in the load bench's tenant,
about 3 ms of PostgreSQL per request); with it the page is the index's first rows, with
or without a stock-status filter.

Plain ``CREATE INDEX`` on both dialects; it blocks writes to the table while it builds.
Downgrade drops it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_reorder_policies_customer_id_store_id_days_of_supply"


def upgrade() -> None:
    op.create_index(
        NAME,
        "reorder_policies",
        ["customer_id", "store_id", "days_of_supply", "policy_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="reorder_policies")
