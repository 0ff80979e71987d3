"""Administration of equipment: endpoint, calibration and maintenance dates, and the connection test."""

from __future__ import annotations

import asyncio
from typing import Any

from flask import flash, redirect, request, url_for

from mes.domain.errors import DomainError
from mes.models import Equipment, EquipmentStatus
from mes.production.common import get_by
from mes.production.errors import InvalidInput
from mes.production.masterdata_equipment import DEFAULT_TIMEOUT_S, device_of, list_equipment, probe, update_equipment
from mes.security.permissions import Permission
from web.admin import actor, bp, field, refused, render
from web.admin_people import optional_date
from web.api.transaction import read_only, transaction
from web.i18n import gettext as _
from web.permissions import requires


@bp.get("/equipment")
@requires(Permission.EQUIPMENT_MANAGE)
def equipment():  # type: ignore[no-untyped-def]
    """Every machine: protocol, endpoint, due dates and what the edge last saw."""
    with read_only() as s:
        rows = [(e, s.get(EquipmentStatus, e.id)) for e in list_equipment(s)]
    return render("admin/equipment.html", rows=rows)


def machine_page(code: str, **extra: Any) -> str:
    """One machine's form, its tags, and a connection test report when one was just run."""
    with read_only() as s:
        row = get_by(s, Equipment, "Equipment", code=code)
        status = s.get(EquipmentStatus, row.id)
    return render("admin/machine.html", machine=row, status=status, timeout=DEFAULT_TIMEOUT_S, **extra)


@bp.get("/equipment/<code>")
@requires(Permission.EQUIPMENT_MANAGE)
def machine(code: str):  # type: ignore[no-untyped-def]
    """One machine."""
    return machine_page(code)


@bp.post("/equipment/<code>")
@requires(Permission.EQUIPMENT_MANAGE)
def update_machine(code: str):  # type: ignore[no-untyped-def]
    """Change the endpoint or the due dates, with a reason; audited old → new."""
    try:
        endpoint = field("endpoint", "Endpoint", 300)
        calibration = optional_date(request.form.get("calibration_due", ""), "Calibration due")
        maintenance = optional_date(request.form.get("maintenance_due", ""), "Maintenance due")
        reason = field("reason", "Reason", 500)
        with transaction() as s:
            update_equipment(s, actor(), code, endpoint=endpoint, calibration_due=calibration,
                             maintenance_due=maintenance, reason=reason)
    except DomainError as exc:
        return refused(machine_page, exc, "update", code=code)
    flash(_("Equipment {code} saved.").format(code=code), "success")
    return redirect(url_for("admin.machine", code=code), 303)


class TimeoutInvalid(InvalidInput):
    code = "timeout_invalid"
    message_en = "The timeout is a number of seconds from 0.5 to 30"
    message_ru = "Тайм-аут — число секунд от 0,5 до 30"


@bp.post("/equipment/<code>/test")
@requires(Permission.EQUIPMENT_MANAGE)
def test_machine(code: str):  # type: ignore[no-untyped-def]
    """Connect, read one tag and report health, within the timeout; changes nothing."""
    try:
        tag = field("tag", "Tag", 80, required=False) or None
        timeout = _timeout(request.form.get("timeout", ""))
        with read_only() as s:
            device = device_of(s, code)
        report = asyncio.run(probe(device, tag, timeout))  # no session held while the machine is asked
    except DomainError as exc:
        return refused(machine_page, exc, "test", code=code)
    return machine_page(code, report=report)


def _timeout(text: str) -> float:
    try:
        value = float(text.replace(",", ".")) if text.strip() else DEFAULT_TIMEOUT_S
    except ValueError as exc:
        raise TimeoutInvalid() from exc
    if not 0.5 <= value <= 30:
        raise TimeoutInvalid()
    return value
