"""The REST API under /api/v1: JSON in and out, bearer-token authentication, typed errors."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import RequestRedirect

from mes.compliance.audit import AuditActor
from mes.domain.errors import DomainError
from mes.security.permissions import Permission, has_permission
from mes.services.api_tokens import user_for_token
from web.permissions import forbidden

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC = {"api.openapi"}
STATUS = {"bad_request": 400, "invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403}
MAX_BODY_BYTES = 1024 * 1024  # far above any request the API takes; a larger body is refused with 413
log = logging.getLogger(__name__)
HTTP_CODES = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
              405: "method_not_allowed", 413: "request_too_large", 415: "unsupported_media_type",
              429: "too_many_requests", 500: "internal_error"}
HTTP_MESSAGES = {
    404: ("No such API endpoint or record.", "Нет такого адреса API или записи."),
    405: ("The endpoint does not take this HTTP method.", "Этот адрес API не принимает такой метод HTTP."),
    413: ("The request body is too large.", "Тело запроса слишком велико."),
    500: ("Internal error; the change was not saved. The error is logged.",
          "Внутренняя ошибка; изменение не сохранено. Ошибка записана в журнал."),
}


def language() -> str:
    """Russian when the client prefers it, else English."""
    return "ru" if request.accept_languages.best_match(["en", "ru"], default="en") == "ru" else "en"


def error(status: int, code: str, message: str):  # type: ignore[no-untyped-def]
    """The API's one error shape."""
    return jsonify(error={"code": code, "message": message}), status


@bp.before_request
def limit_body() -> None:
    """Bodies above MAX_BODY_BYTES are refused (413) when read, before they are buffered."""
    request.max_content_length = MAX_BODY_BYTES


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
    return _internal(exc)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
    return http_error(exc)


@bp.errorhandler(Exception)
def _internal(exc: Exception):  # type: ignore[no-untyped-def]
    """Anything unexpected: logged with its traceback, answered as JSON 500 (the transaction rolled back)."""
    log.exception("API %s %s failed", request.method, request.path, exc_info=exc)
    return http_error(InternalServerError())


def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    """An HTTP error (404, 405, 413, ...) in the API's error shape, the message in the client's language."""
    status = exc.code or 500
    code = HTTP_CODES.get(status) or (exc.name or "error").lower().replace(" ", "_")
    en_ru = HTTP_MESSAGES.get(status)
    message = (en_ru[1] if language() == "ru" else en_ru[0]) if en_ru else (exc.description or code)
    response, status = error(status, code, message)
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response, status


def _unrouted_api_request():  # type: ignore[no-untyped-def]
    """A path under /api/v1 that matches no route (404) or not with this method (405): JSON, not the HTML page.

    Blueprint error handlers never see these (no route, so no blueprint), hence an app-level hook
    that only looks at /api/v1 paths.
    """
    failure = request.routing_exception
    if failure is None or isinstance(failure, RequestRedirect) or not request.path.startswith(bp.url_prefix + "/"):
        return None
    return http_error(failure) if isinstance(failure, HTTPException) else None


def register(app) -> None:  # type: ignore[no-untyped-def]
    """Attach the API (and its routes) to the app; unknown /api/v1 paths answer JSON 404 too."""
    from web.api import (  # noqa: F401 - routes register
        completions,
        downtime,
        genealogy,
        history,
        masterdata,
        materials,
        openapi,
        overrides,
        quality,
        units,
        workorders,
    )

    app.register_blueprint(bp)
    # First of the app's hooks: the sign-in redirect for pages must not answer an API path.
    app.before_request_funcs.setdefault(None, []).insert(0, _unrouted_api_request)
