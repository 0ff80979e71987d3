"""Loopback Server-Sent Event listeners for bench/web.py (asyncio); the pages are driven by wrk."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def _request(path: str, port: int, cookie: str, accept: str = "*/*", version: str = "1.1") -> bytes:
    return (f"GET {path} HTTP/{version}\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nAccept: {accept}\r\n"
            "Connection: keep-alive\r\n\r\n").encode()


@dataclass
class StreamResult:
    """What one SSE listener saw: time to its first status event and each marker's arrival."""

    first_event_s: float | None = None
    arrivals: dict[int, float] = field(default_factory=dict)
    refused: bool = False


async def sse_client(port: int, path: str, cookie: str, until: float, marker: Callable[[dict], int | None],
                     result: StreamResult) -> None:
    """Listen to an event stream until `until`, noting when each new marker value arrives."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        # HTTP/1.0: the stream comes unchunked, so events can be split on blank lines as they are.
        writer.write(_request(path, port, cookie, "text/event-stream", "1.0"))
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            result.refused = True
            return
        buffer = b""
        while time.perf_counter() < until:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), timeout=max(0.01, until - time.perf_counter()))
            except TimeoutError:
                break
            if not chunk:
                break
            buffer += chunk
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                _note(event, marker, result, started)
    finally:
        writer.close()
        await writer.wait_closed()


def _note(event: bytes, marker: Callable[[dict], int | None], result: StreamResult, started: float) -> None:
    now = time.perf_counter()
    data = [line[6:] for line in event.split(b"\n") if line.startswith(b"data: {\"line\"")]
    if not data:
        return
    if result.first_event_s is None:
        result.first_event_s = now - started
    value = marker(json.loads(data[0]))
    if value is not None and value not in result.arrivals:
        result.arrivals[value] = now
