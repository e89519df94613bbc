"""TimescaleDB: ``sales``, ``inventory_snapshots`` and ``demand_forecasts`` become
hypertables (with retention, and compression where the server allows it) when the
PostgreSQL server has the ``timescaledb`` extension. On SQLite and on plain PostgreSQL
nothing changes. See ``shelfops.kit.timescale`` for what runs and why.

Downgrade removes the policies and compression; the tables stay hypertables (TimescaleDB
cannot turn a hypertable back into a plain table in place), which the schema of 0005
works with unchanged — including ``demand_forecasts``' primary key, which keeps
``forecast_date``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09
"""

from collections.abc import Sequence

from alembic import op

from shelfops.config import get_settings
from shelfops.kit import timescale

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    timescale.apply(op.get_bind(), get_settings())


def downgrade() -> None:
    timescale.remove(op.get_bind(), get_settings())
