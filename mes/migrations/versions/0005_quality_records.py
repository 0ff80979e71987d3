"""quality records: holds, NC investigation notes and dispositions, exception reviews, batch release

nonconformance gains source (how it was opened), justification (concessions), who dispositioned it
and the e-signature id. signature_id columns carry no foreign key: the signature table belongs to
mes.compliance.signatures, which may be migrated after this revision. Reviewed after autogenerate.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 07:59:27.439601
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mes.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("quantity_released", sa.Integer(), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=False),
        sa.Column("signature_id", sa.Integer(), nullable=True),
        sa.Column("released_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["app_user.id"], name=op.f("fk_batch_release_released_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_batch_release_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_release")),
        sa.UniqueConstraint("work_order_id", name=op.f("uq_batch_release_work_order_id")),
    )
    op.create_table(
        "exception_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("exception_key", sa.String(length=120), nullable=False),
        sa.Column("decision", sa.String(length=1000), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("signature_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["app_user.id"], name=op.f("fk_exception_review_reviewer_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_exception_review_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_review")),
        sa.UniqueConstraint(
            "work_order_id", "exception_key", name=op.f("uq_exception_review_work_order_id_exception_key")
        ),
    )
    with op.batch_alter_table("exception_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exception_review_work_order_id"), ["work_order_id"], unique=False)

    op.create_table(
        "hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_key", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("nonconformance_id", sa.Integer(), nullable=True),
        sa.Column("set_flag", sa.Boolean(), nullable=False),
        sa.Column("held_by_id", sa.Integer(), nullable=True),
        sa.Column("held_by_name", sa.String(length=200), nullable=False),
        sa.Column("held_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_by_name", sa.String(length=200), nullable=True),
        sa.Column("released_at", mes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("entity IN ('unit', 'work_order', 'material_lot')", name=op.f("ck_hold_entity")),
        sa.ForeignKeyConstraint(["held_by_id"], ["app_user.id"], name=op.f("fk_hold_held_by_id_app_user")),
        sa.ForeignKeyConstraint(
            ["nonconformance_id"], ["nonconformance.id"], name=op.f("fk_hold_nonconformance_id_nonconformance")
        ),
        sa.ForeignKeyConstraint(["released_by_id"], ["app_user.id"], name=op.f("fk_hold_released_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold")),
    )
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.create_index("ix_hold_entity_key", ["entity", "entity_key"], unique=False)

    op.create_table(
        "nonconformance_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonconformance_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["app_user.id"], name=op.f("fk_nonconformance_note_author_id_app_user")),
        sa.ForeignKeyConstraint(
            ["nonconformance_id"],
            ["nonconformance.id"],
            name=op.f("fk_nonconformance_note_nonconformance_id_nonconformance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformance_note")),
    )
    with op.batch_alter_table("nonconformance_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nonconformance_note_nonconformance_id"), ["nonconformance_id"], unique=False
        )

    with op.batch_alter_table("nonconformance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=20), server_default="out_of_spec", nullable=False))
        batch_op.add_column(sa.Column("justification", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("dispositioned_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signature_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_nonconformance_dispositioned_by_id_app_user"), "app_user", ["dispositioned_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("nonconformance", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_nonconformance_dispositioned_by_id_app_user"), type_="foreignkey")
        batch_op.drop_column("signature_id")
        batch_op.drop_column("dispositioned_by_id")
        batch_op.drop_column("justification")
        batch_op.drop_column("source")

    with op.batch_alter_table("nonconformance_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonconformance_note_nonconformance_id"))

    op.drop_table("nonconformance_note")
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.drop_index("ix_hold_entity_key")

    op.drop_table("hold")
    with op.batch_alter_table("exception_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_review_work_order_id"))

    op.drop_table("exception_review")
    op.drop_table("batch_release")
