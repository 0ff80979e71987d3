"""A small JSON control API for the simulators on 127.0.0.1 (stdlib asyncio, no web framework)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from equipment_adapters.simulators.faults import FaultError
from equipment_adapters.simulators.station import SimulatorServer

log = logging.getLogger(__name__)
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}
MAX_BODY = 64 * 1024


class ControlApi:
    """GET /machines · POST /machines/<code>/faults {"fault", "seconds", …} · DELETE /machines/<code>/faults."""

    def __init__(self, machines: Callable[[], dict[str, SimulatorServer]], port: int = 0) -> None:
        self._machines = machines
        self._port = port
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        """Listen on 127.0.0.1 only: the API can stop production simulators, so never on the network."""
        self._server = await asyncio.start_server(self._serve_client, "127.0.0.1", self._port)

    async def stop(self) -> None:
        """Stop listening and finish the connections in flight."""
        if self._server is None:
            return
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            status, body = await self._answer(reader)
            payload = json.dumps(body).encode()
            head = (f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n")
            writer.write(head.encode() + payload)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away; nothing to answer
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, Any]:
        request_line = (await reader.readline()).decode("latin-1").split()
        headers = {}
        while (line := (await reader.readline()).decode("latin-1").strip()):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if len(request_line) < 2 or length > MAX_BODY:
            return 400, {"error": "malformed request"}
        raw = await reader.readexactly(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            return 400, {"error": "body is not JSON"}
        try:
            return self.route(request_line[0], request_line[1], body)
        except Exception:
            log.exception("control API failed on %s %s", request_line[0], request_line[1])
            return 500, {"error": "internal error"}

    def route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        """Status and JSON body for one request (public so it is testable without sockets)."""
        parts = [p for p in path.split("?")[0].split("/") if p]
        machines = self._machines()
        if parts == ["machines"]:
            if method != "GET":
                return 405, {"error": "use GET"}
            return 200, [m.status() for m in machines.values()]
        if len(parts) not in (2, 3) or parts[0] != "machines" or parts[1] not in machines:
            return 404, {"error": f"no such machine or path: {path}"}
        machine = machines[parts[1]]
        if len(parts) == 2 and method == "GET":
            return 200, machine.status()
        if len(parts) == 3 and parts[2] == "faults":
            return self._faults(machine, method, body)
        return 404, {"error": f"no such path: {path}"}

    def _faults(self, machine: SimulatorServer, method: str, body: Any) -> tuple[int, Any]:
        if method == "DELETE":
            machine.clear_faults()
            return 200, machine.status()
        if method != "POST":
            return 405, {"error": "use POST or DELETE"}
        if not isinstance(body, dict) or "fault" not in body:
            return 400, {"error": 'body must be {"fault": "...", "seconds": N, …}'}
        options = {k: v for k, v in body.items() if k not in ("fault", "seconds")}
        try:
            seconds = None if body.get("seconds") is None else float(body["seconds"])
            inject_fault(machine, str(body["fault"]), seconds, **options)
        except (FaultError, ValueError, TypeError) as error:
            return 400, {"error": str(error)}
        return 200, machine.status()


def inject_fault(machine: SimulatorServer, fault: str, seconds: float | None = None, **options: Any) -> None:
    """Play a fault on one machine: the function the CLI and the HTTP API both call."""
    machine.inject(fault, seconds, **options)
