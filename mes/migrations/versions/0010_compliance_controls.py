"""compliance controls: overrides, two-person rule, badge keys (reserved)

No schema change yet: the revision number is held so that work in parallel keeps one linear history.
Written by hand, checked by tests/integration/database/test_migrations.py.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 10:10:00
"""

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
