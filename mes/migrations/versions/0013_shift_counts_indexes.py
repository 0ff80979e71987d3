"""shift counts: indexes that let the line dashboard count one shift's results without reading the history

The dashboard counts each station's machine results and operations of the shift running now, four
times a second per web process (mes/services/shift_oee.py). Without these indexes the database reads
every result of a machine ever recorded; with them, only the shift's. Written by hand, checked by
tests/integration/database/test_migrations.py.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index machine_result by (equipment, received_at) and operation_record by (station, completed_at)."""
    op.create_index("ix_machine_result_equipment_received", "machine_result", ["equipment_id", "received_at"])
    op.create_index("ix_operation_record_station_completed", "operation_record", ["station_id", "completed_at"])


def downgrade() -> None:
    """Drop the two indexes."""
    op.drop_index("ix_operation_record_station_completed", table_name="operation_record")
    op.drop_index("ix_machine_result_equipment_received", table_name="machine_result")
