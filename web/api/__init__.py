"""The REST API under /api/v1: JSON in and out, bearer-token authentication, typed errors."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from mes.compliance.audit import AuditActor
from mes.domain.errors import DomainError
from mes.security.permissions import Permission, has_permission
from mes.services.api_tokens import user_for_token
from web.permissions import forbidden

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC = {"api.openapi"}
STATUS = {"bad_request": 400, "invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403}


def language() -> str:
    """Russian when the client prefers it, else English."""
    return "ru" if request.accept_languages.best_match(["en", "ru"], default="en") == "ru" else "en"


def error(status: int, code: str, message: str):  # type: ignore[no-untyped-def]
    """The API's one error shape."""
    return jsonify(error={"code": code, "message": message}), status


@bp.before_request
def authenticate():  # type: ignore[no-untyped-def]
    """Every endpoint but the OpenAPI document needs `Authorization: Bearer <token>`."""
    if request.endpoint in PUBLIC:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = None
    if scheme.lower() == "bearer" and token.strip():
        with current_app.extensions["mes.sessions"]() as db:
            user = user_for_token(db, token.strip())
    if user is None:
        message = "Нужен действительный API-токен." if language() == "ru" else "A valid API token is required."
        response, status = error(401, "not_authenticated", message)
        response.headers["WWW-Authenticate"] = 'Bearer realm="mes"'
        return response, status
    g.api_user = user  # web.permissions.requires reads the role from here
    if not has_permission(user.role, Permission.API_USE):
        return forbidden(Permission.API_USE)
    workstation = request.headers.get("X-Workstation", "")[:60] or f"api:{request.remote_addr}"
    g.actor = AuditActor(user.id, user.display_name, workstation)
    return None


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):  # type: ignore[no-untyped-def]
    return error(STATUS.get(exc.kind, 409), exc.code, exc.message(language()))


@bp.errorhandler(IntegrityError)
def _integrity(_exc: IntegrityError):  # type: ignore[no-untyped-def]
    return error(409, "conflict", "The change conflicts with existing records.")


@bp.errorhandler(OperationalError)
def _locked(exc: OperationalError):  # type: ignore[no-untyped-def]
    if "locked" in str(exc.orig):
        return error(409, "concurrent_update", "Another station changed the same record; try again.")
    raise exc


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
    code = (exc.name or "error").lower().replace(" ", "_")
    return error(exc.code or 500, code, exc.description or code)


def register(app) -> None:  # type: ignore[no-untyped-def]
    """Attach the API (and its routes) to the app; unknown /api/v1 paths answer JSON 404 too."""
    from web.api import genealogy, materials, openapi, quality, units, workorders  # noqa: F401 - routes register

    app.register_blueprint(bp)
