"""operator terminal: terminals bound to stations, work instructions with documents, downtime events

Written by hand, checked by tests/integration/database/test_migrations.py.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mes.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the terminal, work_instruction, instruction_document and downtime_event tables."""
    utc = mes.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "terminal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("registered_at", utc, nullable=False),
        sa.Column("revoked_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["registered_by_id"], ["app_user.id"],
                                name=op.f("fk_terminal_registered_by_id_app_user")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_terminal_station_id_station")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_terminal_token_hash")),
    )
    op.create_index(op.f("ix_terminal_station_id"), "terminal", ["station_id"], unique=False)
    op.create_table(
        "work_instruction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("routing_operation_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["routing_operation_id"], ["routing_operation.id"],
                                name=op.f("fk_work_instruction_routing_operation_id_routing_operation")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"],
                                name=op.f("fk_work_instruction_updated_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_instruction")),
        sa.UniqueConstraint("routing_operation_id", name=op.f("uq_work_instruction_routing_operation_id")),
    )
    op.create_table(
        "instruction_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("routing_operation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", utc, nullable=False),
        sa.CheckConstraint("content_type IN ('image/png', 'image/jpeg', 'application/pdf')",
                           name=op.f("ck_instruction_document_content_type")),
        sa.ForeignKeyConstraint(["routing_operation_id"], ["routing_operation.id"],
                                name=op.f("fk_instruction_document_routing_operation_id_routing_operation")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["app_user.id"],
                                name=op.f("fk_instruction_document_uploaded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruction_document")),
    )
    op.create_index(op.f("ix_instruction_document_routing_operation_id"), "instruction_document",
                    ["routing_operation_id"], unique=False)
    op.create_table(
        "downtime_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("machine_state", sa.String(length=30), nullable=True),
        sa.Column("started_at", utc, nullable=False),
        sa.Column("ended_at", utc, nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ended_by_id"], ["app_user.id"], name=op.f("fk_downtime_event_ended_by_id_app_user")),
        sa.ForeignKeyConstraint(["equipment_id"], ["equipment.id"],
                                name=op.f("fk_downtime_event_equipment_id_equipment")),
        sa.ForeignKeyConstraint(["reported_by_id"], ["app_user.id"],
                                name=op.f("fk_downtime_event_reported_by_id_app_user")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_downtime_event_station_id_station")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downtime_event")),
    )
    op.create_index("ix_downtime_event_station_open", "downtime_event", ["station_id", "ended_at"], unique=False)


def downgrade() -> None:
    """Drop the terminal tables."""
    op.drop_index("ix_downtime_event_station_open", table_name="downtime_event")
    op.drop_table("downtime_event")
    op.drop_index(op.f("ix_instruction_document_routing_operation_id"), table_name="instruction_document")
    op.drop_table("instruction_document")
    op.drop_table("work_instruction")
    op.drop_index(op.f("ix_terminal_station_id"), table_name="terminal")
    op.drop_table("terminal")
