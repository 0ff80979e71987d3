"""An API client holding a bearer token of the demo operator, on the demo site ready for production."""

from __future__ import annotations

from typing import Any

import pytest

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.services.api_tokens import create_token
from tests.support.production import install


class Api:
    """The Flask test client speaking JSON with a bearer token."""

    def __init__(self, client, token: str) -> None:  # type: ignore[no-untyped-def]
        self.client, self.headers = client, {"Authorization": f"Bearer {token}", "X-Workstation": "pytest-term"}

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
def token(seeded) -> str:
    """A token acting as the demo operator."""
    install(seeded)
    with unit_of_work(seeded) as s:
        return create_token(s, AuditActor.system("pytest"), "operator", "test terminal")


@pytest.fixture
def api(client, token) -> Api:
    """The authenticated API client."""
    return Api(client, token)
