"""Administration: users, badges, qualifications, equipment, and master data (brands, products,
routings, BOMs, recipes) with versions and e-signed approvals.

This module holds the blueprint, the index, the shared helpers and the alerts; the other pages live
in web/admin_people.py (users, badges, qualifications), web/admin_equipment.py (equipment and the
connection test), web/admin_products.py (brands, products, routings, BOMs), web/admin_drafts.py (editing
draft routing operations and BOM lines) and web/admin_recipes.py.
Views parse the form, call the services, and on a refusal show the page again with the message in
the user's language and the form as typed; nothing changed (the service's transaction rolled back).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from mes.db import unit_of_work
from mes.domain.errors import DomainError
from mes.production.errors import InvalidInput
from mes.security.alerts import acknowledge, recent_alerts
from mes.security.permissions import Permission, has_permission
from web.api import STATUS
from web.auth import _actor
from web.permissions import requires
from web.quality_signing import dialog_context, signed

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The index's tiles: (endpoint, label, hint, permission needed to open it).
TILES = (
    ("admin.users", "Users", "Accounts, one-time passwords, lockouts, badges", Permission.USER_MANAGE),
    ("admin.qualifications", "Qualifications", "Who may perform which operation, until when",
     Permission.QUALIFICATION_MANAGE),
    ("admin.equipment", "Equipment", "Endpoints, calibration and maintenance dates, connection test",
     Permission.EQUIPMENT_MANAGE),
    ("admin.products", "Brands and products", "GS1 prefix, numbering schemes, GTIN, registration",
     Permission.MASTER_DATA_VIEW),
    ("admin.routings", "Routings", "Versioned operations, data collection plans, approvals",
     Permission.MASTER_DATA_VIEW),
    ("admin.boms", "Bills of materials", "Versions, critical components, substitutes, approvals",
     Permission.MASTER_DATA_VIEW),
    ("admin.recipes", "Recipes", "Machine set points, versions, approvals", Permission.MASTER_DATA_VIEW),
    ("admin.alerts", "Alerts", "Lockouts and failed signatures", Permission.ALERT_VIEW),
)


class FieldMissing(InvalidInput):
    code = "field_missing"
    message_en = "Fill in: {field}"
    message_ru = "Заполните поле: {field}"


@bp.context_processor
def _shared() -> dict[str, Any]:
    return {"can": lambda permission: has_permission(g.user.role, permission), "P": Permission}


def actor():  # type: ignore[no-untyped-def]
    """The signed-in person at this workstation, as the audit trail names them."""
    return _actor(g.user)


def field(name: str, label: str, max_len: int = 200, required: bool = True) -> str:
    """A text field of the form, trimmed; a required one that is empty is refused, naming its label."""
    value = request.form.get(name, "").strip()
    if required and not value:
        from web.i18n import gettext

        raise FieldMissing(field=gettext(label))
    return value[:max_len]


def signing() -> tuple[str, str | None]:
    """The e-signature fields: the password (never stored) and, on the session's first signing, the user name."""
    username = field("username", "User name", 60) if dialog_context()["ask_username"] else None
    return field("password", "Password", 500), username


def after_signing() -> None:
    """Count a completed signing in this session (the next one asks for the password only)."""
    signed()


def refused(page: Callable[..., Any], exc: DomainError, where: str = "", **args: Any) -> tuple[Any, int]:
    """The page again with the refusal in the user's language where it happened, and the form as typed."""
    return page(problem={"where": where, "message": exc.message(g.get("lang", "ru"))}, form=request.form,
                **args), STATUS.get(exc.kind, 409)


def render(template: str, problem: Mapping[str, str] | None = None, form: Mapping[str, str] | None = None,
           **context: Any) -> str:
    """An admin page with the signing context, the refusal (if any) and the form as typed."""
    return render_template(template, problem=problem, form=form or {}, **dialog_context(), **context)


@bp.errorhandler(DomainError)
def _refused_page(exc: DomainError):  # type: ignore[no-untyped-def]
    """A page naming no record answers the error page in the user's language."""
    return render_template("error.html", message=exc.message(g.get("lang", "ru"))), STATUS.get(exc.kind, 409)


@bp.get("/")
@requires(Permission.MASTER_DATA_VIEW)
def index():  # type: ignore[no-untyped-def]
    """The administration areas this user's role may open."""
    tiles = [tile for tile in TILES if has_permission(g.user.role, tile[3])]
    return render_template("admin/index.html", tiles=tiles)


@bp.get("/alerts")
@requires(Permission.ALERT_VIEW)
def alerts():  # type: ignore[no-untyped-def]
    """Alerts, unacknowledged first."""
    with current_app.extensions["mes.sessions"]() as db:
        rows = recent_alerts(db)
    return render_template("admin/alerts.html", alerts=rows)


@bp.post("/alerts/<int:alert_id>/acknowledge")
@requires(Permission.ALERT_VIEW)
def acknowledge_alert(alert_id: int):  # type: ignore[no-untyped-def]
    """Mark one alert as seen."""
    with unit_of_work(current_app.extensions["mes.sessions"]) as db:
        if acknowledge(db, _actor(g.user), alert_id) is None:
            abort(404)
    return redirect(url_for("admin.alerts"))


from web import admin_drafts, admin_equipment, admin_people, admin_products, admin_recipes  # noqa: E402,F401 - pages register on bp
