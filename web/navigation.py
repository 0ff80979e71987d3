"""The top bar's links: each area of the UI, shown only to a user whose role may open it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g

from mes.security.permissions import Permission, has_permission


@dataclass(frozen=True)
class NavLink:
    """One area: the view it opens, its (English) label, and the permission it needs."""

    endpoint: str
    label: str
    permission: Permission


AREAS = (
    NavLink("line.index", "Lines", Permission.LINE_VIEW),
    NavLink("terminal.index", "Terminal", Permission.UNIT_OPERATE),
    NavLink("downtime.report", "Downtime", Permission.DOWNTIME_MANAGE),
    NavLink("quality.index", "Quality", Permission.BATCH_REVIEW),
    NavLink("admin.index", "Administration", Permission.MASTER_DATA_VIEW),
)


def nav_links() -> list[NavLink]:
    """The areas the signed-in user may open (an area whose view is not registered is left out)."""
    user = g.get("user")
    if user is None:
        return []
    return [link for link in AREAS
            if link.endpoint in current_app.view_functions and has_permission(user.role, link.permission)]
