"""compliance controls: keyed badge hashes, audit search by person

app_user gains badge_scheme: how its badge number is stored. Badges assigned before this revision were
stored as an unkeyed SHA-256; a hash cannot be re-keyed, so they are marked `sha256` and refused at
sign-in until an administrator assigns them again (docs/users-and-roles.md). audit_event gains an
index on (user_id, id) for the audit search by person, newest first.
Written by hand, checked by tests/integration/database/test_migrations.py.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("badge_scheme", sa.String(length=40), nullable=True))
    op.execute("UPDATE app_user SET badge_scheme = 'sha256' WHERE badge_hash IS NOT NULL")
    op.create_index("ix_audit_event_user_id_id", "audit_event", ["user_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_event_user_id_id", table_name="audit_event")
    # Keyed badges mean nothing to the older code, which would compare them unkeyed: revoke them.
    op.execute("UPDATE app_user SET badge_hash = NULL, pin_hash = NULL WHERE badge_scheme <> 'sha256'")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("badge_scheme")
