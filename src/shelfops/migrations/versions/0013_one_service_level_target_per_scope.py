"""One service-level target per product and per category.

The unique constraint on ``(customer_id, category, product_id)`` never fired: every
target has a NULL category or a NULL product_id, and NULLs are never equal. Two PUTs of
the same scope at once could therefore both insert a row; the daily job then failed on
every run ("ON CONFLICT DO UPDATE command cannot affect row a second time"). The service
now serialises those writes; these partial unique indexes make a duplicate impossible.

Duplicates already stored are resolved first by keeping each scope's newest row (the
highest ``target_id``, the last write), which is the one a planner saw last.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept verbatim in sync with ``shelfops.models.replenishment``.
PRODUCT_TARGET_SQL = "product_id IS NOT NULL"
CATEGORY_TARGET_SQL = "category IS NOT NULL AND product_id IS NULL"

_KEEP_NEWEST = """
DELETE FROM service_level_targets
WHERE {scope} AND target_id NOT IN (
    SELECT max(target_id) FROM service_level_targets WHERE {scope}
    GROUP BY customer_id, {column}
)
"""


def upgrade() -> None:
    for name, column, scope in (
        ("uq_service_level_targets_product", "product_id", PRODUCT_TARGET_SQL),
        ("uq_service_level_targets_category", "category", CATEGORY_TARGET_SQL),
    ):
        op.execute(_KEEP_NEWEST.format(scope=scope, column=column))
        op.create_index(
            name,
            "service_level_targets",
            ["customer_id", column],
            unique=True,
            postgresql_where=sa.text(scope),
            sqlite_where=sa.text(scope),
        )


def downgrade() -> None:
    op.drop_index("uq_service_level_targets_category", table_name="service_level_targets")
    op.drop_index("uq_service_level_targets_product", table_name="service_level_targets")
