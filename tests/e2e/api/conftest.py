"""An API client with bearer tokens of the demo users, on the demo site ready for production.

`api` acts as the demo operator; `api.as_user("lead")` (or "quality") as another demo user, for the
actions the operator's role may not take (tests/e2e/test_route_access.py checks those refusals).
"""

from __future__ import annotations

from typing import Any

import pytest

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.security.permissions import has_permission
from mes.services.api_tokens import create_token
from tests.support.production import install

ROLE_OF_USER = {"operator": "operator", "lead": "line_lead", "quality": "quality_engineer"}
DEMO_USERS = tuple(ROLE_OF_USER)


class Api:
    """The Flask test client speaking JSON with a bearer token (or one per demo user, picked per endpoint)."""

    def __init__(self, client, token: str, tokens: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
        self.client, self.tokens = client, tokens or {}
        self.headers = {"Authorization": f"Bearer {token}", "X-Workstation": "pytest-term"}

    def as_user(self, username: str) -> Api:
        """The same client acting as another demo user."""
        return Api(self.client, self.tokens[username], self.tokens)

    def allowed_to(self, method: str, path: str) -> Api:
        """The client acting as the first demo user (operator, lead, quality) whose role may call the endpoint."""
        app = self.client.application
        endpoint, _ = app.url_map.bind("localhost").match(f"/api/v1{path}", method)
        needed = getattr(app.view_functions[endpoint], "required_permission", None)
        for username, role in ROLE_OF_USER.items():
            if needed is None or has_permission(role, needed):
                return self.as_user(username)
        raise AssertionError(f"no demo user may call {method} {path}")

    def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.post(f"/api/v1{path}", json=json, headers=self.headers, **kw)

    def ok(self, method: str, path: str, json: Any = None, status: int = 200) -> Any:
        """Call and insist on the status; return the JSON."""
        response = self.get(path) if method == "GET" else self.post(path, json)
        assert response.status_code == status, response.get_json()
        return response.get_json()


@pytest.fixture
def tokens(seeded) -> dict[str, str]:
    """Tokens of the demo operator, line lead and quality engineer, by user name."""
    install(seeded)
    with unit_of_work(seeded) as s:
        return {user: create_token(s, AuditActor.system("pytest"), user, "test terminal") for user in DEMO_USERS}


@pytest.fixture
def token(tokens) -> str:
    """A token acting as the demo operator."""
    return tokens["operator"]


@pytest.fixture
def api(client, tokens) -> Api:
    """The authenticated API client."""
    return Api(client, tokens["operator"], tokens)
