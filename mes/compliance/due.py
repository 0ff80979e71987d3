"""Warnings ahead of time: qualifications, calibrations and maintenance running out within N days.

Called by `mes compliance due-soon` and suited to the edge's APScheduler as a daily job; each item
is logged at WARNING so the site's log monitoring sees it even when nobody runs the command.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.models import Equipment, Qualification, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueItem:
    """Something that runs out on `due` (already overdue when due < today)."""

    kind: str  # qualification, calibration, maintenance
    subject: str  # username or equipment code
    detail: str  # qualification code or equipment name
    due: date

    def describe(self, today: date) -> str:
        """One line for the log and the terminal."""
        days = (self.due - today).days
        when = f"overdue since {self.due}" if days < 0 else f"due {self.due} (in {days} days)"
        return f"{self.kind} {self.detail} of {self.subject}: {when}"


def due_soon(session: Session, today: date, days: int) -> list[DueItem]:
    """Everything due on or before today + days (overdue items included), soonest first, logged at WARNING."""
    horizon = today + timedelta(days=days)
    query = (select(User.username, Qualification.code, Qualification.valid_until)
             .join(User, User.id == Qualification.user_id).where(User.active, Qualification.valid_until <= horizon))
    items = [DueItem("qualification", username, code, until) for username, code, until in session.execute(query)]
    for equipment in session.scalars(select(Equipment)):
        for kind, due in (("calibration", equipment.calibration_due), ("maintenance", equipment.maintenance_due)):
            if due is not None and due <= horizon:
                items.append(DueItem(kind, equipment.code, equipment.name, due))
    items.sort(key=lambda item: (item.due, item.kind, item.subject))
    for item in items:
        log.warning("due soon: %s", item.describe(today))
    return items
