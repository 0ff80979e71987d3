"""machine results: the edge's exactly-once record of PLC results and their values

UNIQUE (equipment_id, sequence) is what makes capture idempotent: a result re-presented after a
restart of the edge, the PLC or the database is refused by the database, never stored twice.
sequence is BIGINT because the PLC's uint32 does not fit a signed INTEGER. Reviewed by hand after
autogenerate.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 06:48:36.466656
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mes.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    utc = mes.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "machine_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("cycle_time_s", sa.Float(), nullable=True),
        sa.Column("received_at", utc, nullable=False),
        sa.Column("source_timestamp", utc, nullable=True),
        sa.Column("recorded_at", utc, nullable=False),
        sa.Column("spooled", sa.Boolean(), nullable=False),
        sa.Column("edge_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["equipment_id"], ["equipment.id"],
                                name=op.f("fk_machine_result_equipment_id_equipment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_result")),
        sa.UniqueConstraint("equipment_id", "sequence", name=op.f("uq_machine_result_equipment_id_sequence")),
    )
    with op.batch_alter_table("machine_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_machine_result_serial"), ["serial"], unique=False)

    op.create_table(
        "machine_result_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("machine_result_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text", sa.String(length=200), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["machine_result_id"], ["machine_result.id"],
                                name=op.f("fk_machine_result_value_machine_result_id_machine_result")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_result_value")),
        sa.UniqueConstraint("machine_result_id", "name",
                            name=op.f("uq_machine_result_value_machine_result_id_name")),
    )


def downgrade() -> None:
    op.drop_table("machine_result_value")
    with op.batch_alter_table("machine_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_machine_result_serial"))
    op.drop_table("machine_result")
