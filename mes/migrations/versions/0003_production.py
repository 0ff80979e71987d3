"""production: BOMs, material lots, work orders, units, operation records, genealogy, API tokens

Also: routing.approved (work orders are released only on an approved routing version) and
routing_operation.rework_target_seq. Reviewed by hand after autogenerate.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 06:41:38.308294
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mes.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "material_lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_number", sa.String(length=60), nullable=False),
        sa.Column("lot_number", sa.String(length=40), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("country_of_origin", sa.String(length=2), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("quantity_received", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("quantity_on_hand", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("received_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('quarantined', 'released', 'rejected')", name=op.f("ck_material_lot_status")),
        sa.CheckConstraint("quantity_on_hand >= 0", name=op.f("ck_material_lot_on_hand_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_lot")),
        sa.UniqueConstraint("part_number", "lot_number", name=op.f("uq_material_lot_part_number_lot_number")),
    )
    with op.batch_alter_table("material_lot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_material_lot_gtin"), ["gtin"], unique=False)
        batch_op.create_index(batch_op.f("ix_material_lot_lot_number"), ["lot_number"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", mes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_api_token_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "number_counter",
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name=op.f("fk_number_counter_brand_id_brand")),
        sa.PrimaryKeyConstraint("brand_id", "kind", name=op.f("pk_number_counter")),
    )
    op.create_table(
        "bom",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_bom_product_id_product")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bom")),
        sa.UniqueConstraint("product_id", "version", name=op.f("uq_bom_product_id_version")),
    )
    op.create_table(
        "measurement_spec",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("routing_operation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("source_tag", sa.String(length=80), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["routing_operation_id"],
            ["routing_operation.id"],
            name=op.f("fk_measurement_spec_routing_operation_id_routing_operation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement_spec")),
        sa.UniqueConstraint("routing_operation_id", "name", name=op.f("uq_measurement_spec_routing_operation_id_name")),
    )
    with op.batch_alter_table("measurement_spec", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measurement_spec_routing_operation_id"), ["routing_operation_id"], unique=False
        )

    op.create_table(
        "bom_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bom_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("part_number", sa.String(length=60), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("capture", sa.String(length=10), nullable=False),
        sa.Column("operation_seq", sa.Integer(), nullable=True),
        sa.Column("substitutes", sa.String(length=500), nullable=False),
        sa.CheckConstraint("capture IN ('none', 'lot', 'serial')", name=op.f("ck_bom_line_capture")),
        sa.ForeignKeyConstraint(["bom_id"], ["bom.id"], name=op.f("fk_bom_line_bom_id_bom")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bom_line")),
        sa.UniqueConstraint("bom_id", "position", name=op.f("uq_bom_line_bom_id_position")),
    )
    op.create_table(
        "work_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("routing_id", sa.Integer(), nullable=False),
        sa.Column("bom_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_at", mes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", mes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('planned', 'released', 'in_progress', 'on_hold', 'completed', 'closed')",
            name=op.f("ck_work_order_status"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_work_order_quantity_positive")),
        sa.ForeignKeyConstraint(["bom_id"], ["bom.id"], name=op.f("fk_work_order_bom_id_bom")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_work_order_product_id_product")),
        sa.ForeignKeyConstraint(["routing_id"], ["routing.id"], name=op.f("fk_work_order_routing_id_routing")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order")),
        sa.UniqueConstraint("lot_number", name=op.f("uq_work_order_lot_number")),
        sa.UniqueConstraint("number", name=op.f("uq_work_order_number")),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=True),
        sa.Column("open_seq", sa.Integer(), nullable=True),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("parent_unit_id", sa.Integer(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("created_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", mes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('allocated', 'in_progress', 'completed', 'scrapped', 'consumed')", name=op.f("ck_unit_status")
        ),
        sa.ForeignKeyConstraint(["parent_unit_id"], ["unit.id"], name=op.f("fk_unit_parent_unit_id_unit")),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_order.id"], name=op.f("fk_unit_work_order_id_work_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("serial", name=op.f("uq_unit_serial")),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_parent_unit_id"), ["parent_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unit_work_order_id"), ["work_order_id"], unique=False)

    op.create_table(
        "operation_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("routing_operation_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("started_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", mes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=4), nullable=True),
        sa.Column("retest_count", sa.Integer(), nullable=False),
        sa.CheckConstraint("result IN ('pass', 'fail')", name=op.f("ck_operation_record_result")),
        sa.ForeignKeyConstraint(
            ["equipment_id"], ["equipment.id"], name=op.f("fk_operation_record_equipment_id_equipment")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["app_user.id"], name=op.f("fk_operation_record_operator_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["routing_operation_id"],
            ["routing_operation.id"],
            name=op.f("fk_operation_record_routing_operation_id_routing_operation"),
        ),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_operation_record_station_id_station")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_operation_record_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation_record")),
    )
    with op.batch_alter_table("operation_record", schema=None) as batch_op:
        batch_op.create_index("ix_operation_record_unit_seq", ["unit_id", "seq"], unique=False)

    op.create_table(
        "component_consumption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("operation_record_id", sa.Integer(), nullable=True),
        sa.Column("bom_line_id", sa.Integer(), nullable=True),
        sa.Column("part_number", sa.String(length=60), nullable=False),
        sa.Column("material_lot_id", sa.Integer(), nullable=True),
        sa.Column("component_unit_id", sa.Integer(), nullable=True),
        sa.Column("component_serial", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("scanned", sa.String(length=200), nullable=False),
        sa.Column("consumed_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_component_consumption_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["bom_line_id"], ["bom_line.id"], name=op.f("fk_component_consumption_bom_line_id_bom_line")
        ),
        sa.ForeignKeyConstraint(
            ["component_unit_id"], ["unit.id"], name=op.f("fk_component_consumption_component_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["material_lot_id"], ["material_lot.id"], name=op.f("fk_component_consumption_material_lot_id_material_lot")
        ),
        sa.ForeignKeyConstraint(
            ["operation_record_id"],
            ["operation_record.id"],
            name=op.f("fk_component_consumption_operation_record_id_operation_record"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_component_consumption_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_component_consumption")),
        sa.UniqueConstraint("component_unit_id", name=op.f("uq_component_consumption_component_unit_id")),
        sa.UniqueConstraint(
            "part_number", "component_serial", name=op.f("uq_component_consumption_part_number_component_serial")
        ),
    )
    with op.batch_alter_table("component_consumption", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_component_consumption_material_lot_id"), ["material_lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_component_consumption_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_record_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("source_tag", sa.String(length=80), nullable=True),
        sa.Column("taken_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_record_id"],
            ["operation_record.id"],
            name=op.f("fk_measurement_operation_record_id_operation_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement")),
    )
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measurement_operation_record_id"), ["operation_record_id"], unique=False)

    op.create_table(
        "nonconformance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("operation_record_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("disposition", sa.String(length=20), nullable=True),
        sa.Column("opened_at", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", mes.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_nonconformance_status")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["app_user.id"], name=op.f("fk_nonconformance_closed_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["operation_record_id"],
            ["operation_record.id"],
            name=op.f("fk_nonconformance_operation_record_id_operation_record"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_nonconformance_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformance")),
        sa.UniqueConstraint("number", name=op.f("uq_nonconformance_number")),
    )
    with op.batch_alter_table("nonconformance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nonconformance_unit_id"), ["unit_id"], unique=False)

    with op.batch_alter_table("routing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("approved_at", mes.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("routing_operation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rework_target_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("routing_operation", schema=None) as batch_op:
        batch_op.drop_column("rework_target_seq")

    with op.batch_alter_table("routing", schema=None) as batch_op:
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved")

    with op.batch_alter_table("nonconformance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonconformance_unit_id"))

    op.drop_table("nonconformance")
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurement_operation_record_id"))

    op.drop_table("measurement")
    with op.batch_alter_table("component_consumption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_component_consumption_unit_id"))
        batch_op.drop_index(batch_op.f("ix_component_consumption_material_lot_id"))

    op.drop_table("component_consumption")
    with op.batch_alter_table("operation_record", schema=None) as batch_op:
        batch_op.drop_index("ix_operation_record_unit_seq")

    op.drop_table("operation_record")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_work_order_id"))
        batch_op.drop_index(batch_op.f("ix_unit_parent_unit_id"))

    op.drop_table("unit")
    op.drop_table("work_order")
    op.drop_table("bom_line")
    with op.batch_alter_table("measurement_spec", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurement_spec_routing_operation_id"))

    op.drop_table("measurement_spec")
    op.drop_table("bom")
    op.drop_table("number_counter")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("material_lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_material_lot_lot_number"))
        batch_op.drop_index(batch_op.f("ix_material_lot_gtin"))

    op.drop_table("material_lot")
