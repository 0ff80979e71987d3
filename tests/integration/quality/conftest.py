"""The demo site ready for production, and the quality engineer who signs (password 'demo')."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.models import User
from tests.support.production import install


@pytest.fixture
def plant(seeded):
    """Sessions on the demo site, ready to produce the PM-100."""
    install(seeded)
    return seeded


@pytest.fixture
def qa(plant) -> AuditActor:
    """Anna Volkova, quality engineer: dispositions, reviews and releases."""
    with plant() as s:
        user = s.scalars(select(User).where(User.username == "quality")).one()
        return AuditActor(user.id, user.display_name, "qa-desk")
