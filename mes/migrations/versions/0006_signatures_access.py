"""signatures and access control: electronic signatures, overrides, alerts, qualifications, account policies

app_user gains password aging, one-time passwords and badge + PIN columns; routing_operation gains
the qualification its operator needs; equipment gains a maintenance due date. electronic_signature
refuses UPDATE in the database (a signature is never edited; a new one is executed instead).
Written by hand, checked by tests/integration/database/test_migrations.py.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mes.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "electronic_signature is never updated"
SQLITE_TRIGGER = f"""CREATE TRIGGER electronic_signature_no_update BEFORE UPDATE ON electronic_signature
BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"""
POSTGRES_FUNCTION = f"""CREATE FUNCTION electronic_signature_refuse_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege';
END
$$"""
POSTGRES_TRIGGER = """CREATE TRIGGER electronic_signature_no_update BEFORE UPDATE ON electronic_signature
FOR EACH STATEMENT EXECUTE FUNCTION electronic_signature_refuse_update()"""


def upgrade() -> None:
    utc = mes.models.base.UTCDateTime(timezone=True)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_changed_at", utc, nullable=True))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column("badge_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pin_hash", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_app_user_badge_hash"), ["badge_hash"])
    with op.batch_alter_table("routing_operation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("required_qualification", sa.String(length=60), nullable=True))
    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("maintenance_due", sa.Date(), nullable=True))

    op.create_table(
        "qualification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_qualification_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification")),
        sa.UniqueConstraint("user_id", "code", name=op.f("uq_qualification_user_id_code")),
    )
    op.create_index(op.f("ix_qualification_user_id"), "qualification", ["user_id"], unique=False)

    op.create_table(
        "electronic_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_username", sa.String(length=60), nullable=False),
        sa.Column("meaning", sa.String(length=20), nullable=False),
        sa.Column("signed_at", utc, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("workstation", sa.String(length=100), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("seal", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["signer_id"], ["app_user.id"],
                                name=op.f("fk_electronic_signature_signer_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_electronic_signature")),
    )
    op.create_index("ix_electronic_signature_record", "electronic_signature", ["entity", "entity_id"],
                    unique=False)
    op.create_index(op.f("ix_electronic_signature_signer_id"), "electronic_signature", ["signer_id"],
                    unique=False)

    op.create_table(
        "override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=False),
        sa.Column("signature_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", utc, nullable=False),
        sa.Column("used_at", utc, nullable=True),
        sa.Column("used_by_record_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["granted_by_id"], ["app_user.id"], name=op.f("fk_override_granted_by_id_app_user")),
        sa.ForeignKeyConstraint(["signature_id"], ["electronic_signature.id"],
                                name=op.f("fk_override_signature_id_electronic_signature")),
        sa.ForeignKeyConstraint(["used_by_record_id"], ["operation_record.id"],
                                name=op.f("fk_override_used_by_record_id_operation_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_override")),
    )
    op.create_index("ix_override_serial_seq", "override", ["serial", "seq"], unique=False)

    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("acknowledged_at", utc, nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["app_user.id"],
                                name=op.f("fk_alert_acknowledged_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    op.create_index(op.f("ix_alert_created_at"), "alert", ["created_at"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_created_at"), table_name="alert")
    op.drop_table("alert")
    op.drop_index("ix_override_serial_seq", table_name="override")
    op.drop_table("override")
    op.drop_index(op.f("ix_electronic_signature_signer_id"), table_name="electronic_signature")
    op.drop_index("ix_electronic_signature_record", table_name="electronic_signature")
    op.drop_table("electronic_signature")  # its trigger goes with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION electronic_signature_refuse_update()")
    op.drop_index(op.f("ix_qualification_user_id"), table_name="qualification")
    op.drop_table("qualification")
    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.drop_column("maintenance_due")
    with op.batch_alter_table("routing_operation", schema=None) as batch_op:
        batch_op.drop_column("required_qualification")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_app_user_badge_hash"), type_="unique")
        batch_op.drop_column("pin_hash")
        batch_op.drop_column("badge_hash")
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("password_changed_at")
