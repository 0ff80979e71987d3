"""Helpers for the terminal tests: a registered screen, a signed-in operator, scans and results through the UI."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from mes.db import unit_of_work
from mes.models import AuditEvent
from tests.support.web import csrf_token, sign_in

PARTIAL = {"X-Terminal-Partial": "1"}


def register_screen(client: FlaskClient, station: str = "SCR01", language: str = "ru", name: str = "T-1"):  # type: ignore[no-untyped-def]
    """A line lead registers this client as a terminal of the station, then signs out."""
    sign_in(client, "lead")
    response = client.post("/terminal/setup", data={"name": name, "station": station, "language": language,
                                                    "csrf_token": csrf_token(client, "/terminal/setup")})
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/terminal/setup")})
    return response


def operator_at(client: FlaskClient, station: str = "SCR01", user: str = "operator", lang: str | None = None) -> str:
    """Register the screen, sign the operator in; returns the CSRF token of the terminal page."""
    register_screen(client, station)
    sign_in(client, user)
    if lang:
        client.get(f"/terminal/?lang={lang}")
    return csrf_token(client, "/terminal/")


def scan(client: FlaskClient, token: str, code: str) -> str:
    """What the scanner types, as terminal.js posts it; returns the work part's HTML."""
    response = client.post("/terminal/scan", data={"code": code, "csrf_token": token}, headers=PARTIAL)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def record(client: FlaskClient, token: str, verdict: str = "record", **values: object) -> str:
    """Press 'Record the result' (or 'Report a failure') with typed values."""
    data = {f"m_{name}": str(value) for name, value in values.items()}
    response = client.post("/terminal/complete", data={**data, "verdict": verdict, "csrf_token": token},
                           headers=PARTIAL)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def audit_count(sessions) -> int:  # type: ignore[no-untyped-def]
    """How many audit events exist."""
    with unit_of_work(sessions) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0
