"""Helpers for driving the web app through Flask's test client, CSRF included."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a page hands out in its form."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = "demo"):  # type: ignore[no-untyped-def]
    """Sign in through the real form, token and all; returns the response."""
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})
