"""People of the seeded demo site as audit actors, and an audit-trail reader."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.models import AuditEvent, User


def actor_of(sessions, username: str) -> AuditActor:  # type: ignore[no-untyped-def]
    """The demo user (password 'demo') as the actor of a service call."""
    with sessions() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return AuditActor(user.id, user.display_name, "pytest")


def trail(sessions, entity: str, entity_id: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    """The audit entries of one record, oldest first."""
    with sessions() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
                              .order_by(AuditEvent.id)))


@pytest.fixture
def process(seeded) -> AuditActor:
    """The demo process engineer: drafts master data."""
    return actor_of(seeded, "process")


@pytest.fixture
def quality(seeded) -> AuditActor:
    """The demo quality engineer: approves it."""
    return actor_of(seeded, "quality")
