"""`requires(permission)`: the authority check (21 CFR 11.10(d), (g)) on a web view or API endpoint.

Authentication happens before (web/auth.py for pages, web/api for bearer tokens); this decorator
answers 403 with a message in the user's language when the role lacks the permission. The view
keeps its permission in `required_permission`, which tests/e2e/test_route_access.py walks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, jsonify, render_template, request

from mes.compliance.errors import PermissionDenied
from mes.security.permissions import Permission, has_permission

F = TypeVar("F", bound=Callable[..., Any])


def current_role() -> str | None:
    """The role of whoever is signed in (page session or API token), or None."""
    user = g.get("user") or g.get("api_user")
    return user.role if user is not None else None


def requires(permission: Permission) -> Callable[[F], F]:
    """Refuse the view with 403 unless the signed-in user's role holds the permission."""
    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            role = current_role()
            if role is None or not has_permission(role, permission):
                return forbidden(permission)
            return view(*args, **kwargs)
        guarded.required_permission = permission  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]
    return decorate


def forbidden(permission: Permission):  # type: ignore[no-untyped-def]
    """The 403 answer: JSON for the API and JSON clients, the error page otherwise."""
    refusal = PermissionDenied(permission=permission.value)
    if request.blueprint == "api" or request.accept_mimetypes.best == "application/json":
        language = "ru" if request.accept_languages.best_match(["en", "ru"], default="en") == "ru" else "en"
        if g.get("user") is not None:
            language = g.get("lang", language)
        return jsonify(error={"code": refusal.code, "message": refusal.message(language)}), 403
    return render_template("error.html", message=refusal.message(g.get("lang", "ru"))), 403
