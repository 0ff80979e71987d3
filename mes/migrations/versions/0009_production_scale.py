"""production at scale: indexes for fast completions and traces

unit (work_order_id, status): a completion asks whether the order still has units to build;
component_consumption (component_serial): forward trace of a purchased serialized part.
Written by hand, checked by tests/integration/database/test_migrations.py.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 10:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two indexes."""
    op.create_index("ix_unit_work_order_status", "unit", ["work_order_id", "status"])
    op.create_index("ix_component_consumption_component_serial", "component_consumption", ["component_serial"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_component_consumption_component_serial", table_name="component_consumption")
    op.drop_index("ix_unit_work_order_status", table_name="unit")
