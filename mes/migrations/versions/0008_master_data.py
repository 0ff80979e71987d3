"""master data: recipes with versions and parameters; e-signed approvals of routings, BOMs and recipes

recipe / recipe_version / recipe_parameter are new. routing and bom gain their author, approver and
the approver's electronic signature (two-person rule); routing_operation gains its recipe reference.
Written by hand, checked by tests/integration/database/test_migrations.py.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mes.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNED_TABLES = ("routing", "bom")


def upgrade() -> None:
    utc = mes.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "recipe",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("equipment_kind", sa.String(length=60), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_recipe_product_id_product")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipe")),
        sa.UniqueConstraint("code", name=op.f("uq_recipe_code")),
    )
    op.create_table(
        "recipe_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipe_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", utc, nullable=True),
        sa.Column("signature_id", sa.Integer(), nullable=True),
        sa.Column("superseded_at", utc, nullable=True),
        sa.CheckConstraint("status IN ('draft', 'approved', 'superseded')", name=op.f("ck_recipe_version_status")),
        sa.ForeignKeyConstraint(["recipe_id"], ["recipe.id"], name=op.f("fk_recipe_version_recipe_id_recipe")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name=op.f("fk_recipe_version_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["approved_by_id"], ["app_user.id"],
                                name=op.f("fk_recipe_version_approved_by_id_app_user")),
        sa.ForeignKeyConstraint(["signature_id"], ["electronic_signature.id"],
                                name=op.f("fk_recipe_version_signature_id_electronic_signature")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipe_version")),
        sa.UniqueConstraint("recipe_id", "version", name=op.f("uq_recipe_version_recipe_id_version")),
    )
    op.create_table(
        "recipe_parameter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipe_version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["recipe_version_id"], ["recipe_version.id"],
                                name=op.f("fk_recipe_parameter_recipe_version_id_recipe_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipe_parameter")),
        sa.UniqueConstraint("recipe_version_id", "name", name=op.f("uq_recipe_parameter_recipe_version_id_name")),
    )
    op.create_index(op.f("ix_recipe_parameter_recipe_version_id"), "recipe_parameter", ["recipe_version_id"],
                    unique=False)
    for table in SIGNED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("signature_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_created_by_id_app_user"), "app_user",
                                        ["created_by_id"], ["id"])
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_approved_by_id_app_user"), "app_user",
                                        ["approved_by_id"], ["id"])
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_signature_id_electronic_signature"),
                                        "electronic_signature", ["signature_id"], ["id"])
    with op.batch_alter_table("routing_operation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipe_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_routing_operation_recipe_id_recipe"), "recipe",
                                    ["recipe_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("routing_operation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_routing_operation_recipe_id_recipe"), type_="foreignkey")
        batch_op.drop_column("recipe_id")
    for table in reversed(SIGNED_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_signature_id_electronic_signature"), type_="foreignkey")
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_approved_by_id_app_user"), type_="foreignkey")
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_created_by_id_app_user"), type_="foreignkey")
            batch_op.drop_column("signature_id")
            batch_op.drop_column("approved_by_id")
            batch_op.drop_column("created_by_id")
    op.drop_index(op.f("ix_recipe_parameter_recipe_version_id"), table_name="recipe_parameter")
    op.drop_table("recipe_parameter")
    op.drop_table("recipe_version")
    op.drop_table("recipe")
