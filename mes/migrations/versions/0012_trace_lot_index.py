"""traces: the lot index of component_consumption carries the consuming unit

A forward trace starts from every consumption of a lot (about a thousand for a chip lot) and needs
only the unit that consumed it. Index (material_lot_id, unit_id) answers that from the index alone
(SQLite always, PostgreSQL once vacuum has marked the pages all-visible) instead of a table row per
consumption; it replaces the single-column index on material_lot_id, so a consumption insert
maintains no more indexes than before. Written by hand, checked by
tests/integration/database/test_migrations.py.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 13:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Replace the lot index by the (lot, unit) one."""
    op.create_index("ix_component_consumption_lot_unit", "component_consumption", ["material_lot_id", "unit_id"])
    op.drop_index("ix_component_consumption_material_lot_id", table_name="component_consumption")


def downgrade() -> None:
    """Back to the lot index alone."""
    op.create_index("ix_component_consumption_material_lot_id", "component_consumption", ["material_lot_id"])
    op.drop_index("ix_component_consumption_lot_unit", table_name="component_consumption")
