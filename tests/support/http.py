"""A small HTTP client with cookies for tests against a running web process (loopback only)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
from typing import Any


class Browser:
    """Cookies, CSRF-aware sign-in and JSON reads against http://127.0.0.1:PORT."""

    def __init__(self, base_url: str) -> None:
        assert base_url.startswith("http://127.0.0.1:"), "tests talk to loopback only"
        self.base_url = base_url.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        """GET a path; returns (status, body)."""
        try:
            with self.opener.open(self.base_url + path, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def json(self, path: str) -> Any:
        """GET a JSON endpoint and decode it."""
        status, body = self.get(path)
        assert status == 200, (status, body[:200])
        return json.loads(body)

    def sign_in(self, username: str, password: str) -> None:
        """Sign in through the form with its CSRF token."""
        _status, page = self.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
        with self.opener.open(self.base_url + "/login", data=data.encode(), timeout=5) as response:
            assert response.status == 200, response.status
