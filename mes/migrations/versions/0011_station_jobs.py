"""station jobs: a unit loaded into a station's machine; machine results linked to the operation they completed

station_job carries a unit's serial from the operator terminal to the edge (which writes it to the
PLC's load_serial) and back (done or failed). A partial unique index allows one active (pending or
sent) job per station. machine_result gains the operation record it completed and, when it completed
none, a production flag saying why. Written by hand, checked by
tests/integration/database/test_migrations.py.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mes.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status IN ('pending', 'sent')")


def upgrade() -> None:
    """Create station_job; add machine_result.operation_record_id and production_flag."""
    utc = mes.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "station_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("operation_record_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column("sent_at", utc, nullable=True),
        sa.Column("finished_at", utc, nullable=True),
        sa.Column("machine_result_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sent', 'done', 'failed')", name=op.f("ck_station_job_status")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_station_job_station_id_station")),
        sa.ForeignKeyConstraint(["equipment_id"], ["equipment.id"],
                                name=op.f("fk_station_job_equipment_id_equipment")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_station_job_unit_id_unit")),
        sa.ForeignKeyConstraint(["operation_record_id"], ["operation_record.id"],
                                name=op.f("fk_station_job_operation_record_id_operation_record")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name=op.f("fk_station_job_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["machine_result_id"], ["machine_result.id"],
                                name=op.f("fk_station_job_machine_result_id_machine_result")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_job")),
    )
    with op.batch_alter_table("station_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_station_job_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index("ix_station_job_station_status", ["station_id", "status"], unique=False)
        batch_op.create_index("uq_station_job_active_station", ["station_id"], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    with op.batch_alter_table("machine_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operation_record_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("production_flag", sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_machine_result_operation_record_id_operation_record"),
                                    "operation_record", ["operation_record_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_machine_result_operation_record_id"), ["operation_record_id"],
                              unique=False)


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("machine_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_machine_result_operation_record_id"))
        batch_op.drop_constraint(batch_op.f("fk_machine_result_operation_record_id_operation_record"),
                                 type_="foreignkey")
        batch_op.drop_column("production_flag")
        batch_op.drop_column("operation_record_id")
    with op.batch_alter_table("station_job", schema=None) as batch_op:
        batch_op.drop_index("uq_station_job_active_station")
        batch_op.drop_index("ix_station_job_station_status")
        batch_op.drop_index(batch_op.f("ix_station_job_unit_id"))
    op.drop_table("station_job")
