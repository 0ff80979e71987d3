"""audit trail: append-only, hash-chained audit_event

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:40:00

The database itself refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit rows: an
application bug or a hand-written SQL statement cannot rewrite the trail (21 CFR 11.10(e)).
The SQL lives here, not in application code, so this revision stays what it was when applied.
Note for later revisions: a SQLite batch operation on audit_event recreates the table and
drops its triggers; recreate them in the same revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mes.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_event is append-only"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}: UPDATE refused'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}: DELETE refused'); END""",
]

POSTGRES_FUNCTION = f"""CREATE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$"""

# Statement-level: refused even when the statement would touch no row.
POSTGRES_TRIGGERS = [
    f"""CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()"""
    for operation in ("UPDATE", "DELETE", "TRUNCATE")
]


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False,
                  nullable=False),
        sa.Column("ts_utc", mes.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("workstation", sa.String(length=100), nullable=False),
        sa.Column("app_version", sa.String(length=40), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_event_prev_hash")),
        sa.UniqueConstraint("row_hash", name=op.f("uq_audit_event_row_hash")),
    )
    op.create_index("ix_audit_event_entity_record", "audit_event", ["entity", "entity_id"], unique=False)
    op.create_index(op.f("ix_audit_event_ts_utc"), "audit_event", ["ts_utc"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    # Dropping the table drops its triggers on both databases (SQLite's implicit DELETE fires none).
    op.drop_index(op.f("ix_audit_event_ts_utc"), table_name="audit_event")
    op.drop_index("ix_audit_event_entity_record", table_name="audit_event")
    op.drop_table("audit_event")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_event_refuse_change()")
