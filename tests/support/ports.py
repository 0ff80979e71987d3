"""Free loopback ports for servers started by tests."""

from __future__ import annotations

import re
import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_file_on_free_ports(text: str) -> str:
    """The site file's text with every loopback endpoint moved to a free port."""
    return re.sub(r"127\.0\.0\.1:(\d+)", lambda _m: f"127.0.0.1:{free_port()}", text)
