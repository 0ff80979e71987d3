"""Equipment administration: endpoint and due dates (audited), and a connection test with a timeout."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from equipment_adapters import create_adapter
from equipment_adapters.tags import DeviceSpec
from mes.compliance.audit import AuditActor, audit_changes
from mes.models import Equipment
from mes.production.common import get_by
from mes.production.masterdata_errors import InvalidMasterData
from mes.siteconfig.devices import device_spec_from_row

DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ConnectionReport:
    """The outcome of a connection test: reached or not, one tag read, the adapter's health."""

    equipment: str
    endpoint: str
    ok: bool
    tag: str | None
    value: Any
    quality: str | None
    consecutive_failures: int
    error: str | None
    elapsed_ms: int


def list_equipment(session: Session) -> list[Equipment]:
    """Every machine, by code."""
    return list(session.scalars(select(Equipment).order_by(Equipment.code)))


def update_equipment(session: Session, actor: AuditActor, code: str, *, endpoint: str,
                     calibration_due: date | None, maintenance_due: date | None, reason: str) -> Equipment:
    """Change a machine's endpoint or due dates; each changed field is audited old → new with the reason."""
    if not reason.strip():
        raise InvalidMasterData("say why the equipment changes", "укажите причину изменения оборудования")
    equipment = get_by(session, Equipment, "Equipment", code=code)
    try:  # the endpoint must still make a valid device with this tag map
        device_spec_from_row(code, equipment.protocol, endpoint.strip(), equipment.connection, equipment.tag_map)
    except (ValidationError, ValueError) as exc:
        raise InvalidMasterData(f"endpoint {endpoint!r} is not valid for {equipment.protocol}",
                                f"адрес {endpoint!r} недопустим для протокола {equipment.protocol}") from exc
    equipment.endpoint = endpoint.strip()
    equipment.calibration_due, equipment.maintenance_due = calibration_due, maintenance_due
    audit_changes(session, actor, equipment, "UPDATE", reason=reason.strip())
    return equipment


def device_of(session: Session, code: str) -> DeviceSpec:
    """The adapters' DeviceSpec of a machine as stored."""
    row = get_by(session, Equipment, "Equipment", code=code)
    return device_spec_from_row(row.code, row.protocol, row.endpoint, row.connection, row.tag_map)


async def probe(device: DeviceSpec, tag: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> ConnectionReport:
    """Connect, read one tag (`state` unless named), close; never longer than `timeout_s`."""
    names = [t.name for t in device.tags]
    name = tag or ("state" if "state" in names else (names[0] if names else None))
    if name is not None and name not in names:
        raise InvalidMasterData(f"{device.name} has no tag {name}", f"у {device.name} нет тега {name}")
    adapter = create_adapter(device, supervise=False)
    started = time.monotonic()
    value: Any = None
    quality: str | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(timeout_s):
            await adapter.connect()
            if name is not None:
                read = (await adapter.read([name]))[name]
                value, quality = read.value, read.quality.value
    except TimeoutError:
        error = f"no answer within {timeout_s:g} s"
    except Exception as exc:  # any failure is the test's finding, reported, not raised
        error = str(exc) or type(exc).__name__
    finally:
        try:
            async with asyncio.timeout(timeout_s):
                await adapter.close()
        except Exception:  # closing a dead connection may fail; the report already says why
            pass
    elapsed = int((time.monotonic() - started) * 1000)
    ok = error is None and quality == "good"
    if error is None and not ok:
        error = f"tag {name} read with quality {quality}"
    return ConnectionReport(device.name, device.endpoint, ok, name, value, quality,
                            0 if ok else max(1, adapter.health.consecutive_failures), error, elapsed)


def run_connection_test(session: Session, code: str, tag: str | None = None,
                    timeout_s: float = DEFAULT_TIMEOUT_S) -> ConnectionReport:
    """Run a connection test from synchronous code (a web request's thread has no event loop)."""
    return asyncio.run(probe(device_of(session, code), tag, timeout_s))
