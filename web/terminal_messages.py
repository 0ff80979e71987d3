"""What the terminal says when something is refused: the rule in plain words, and what to do next.

The services raise typed errors with a message in Russian and English (mes.domain.errors); the
terminal adds, per error code, the next step an operator can take at the station.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g

from mes.domain.errors import DomainError
from web.i18n import gettext as _

# error code -> what the operator does next (English key; Russian in web/translations/terminal.py).
NEXT_STEP: dict[str, str] = {
    "unknown_barcode": "Check that you scanned the unit's serial label or the component's label, then scan again. "
                       "If the label is damaged, call the line lead.",
    "wrong_part": "Put this part back. Take the part shown in the component list and scan it.",
    "unit_on_hold": "Do not work on this unit. Put it on the hold shelf and call quality.",
    "out_of_sequence": "Take the unit to the station of its next operation, shown above.",
    "wrong_station_type": "This unit's next operation is done at another station. Take it there.",
    "operation_already_started": "The operation is already open at another station: finish it there, "
                                 "or ask the line lead.",
    "operation_not_started": "Scan the unit's serial first to start its operation here.",
    "unit_not_in_production": "This unit needs no more work here. Put it aside and call the line lead.",
    "not_qualified": "Ask the line lead: they can let this start through by signing an override below.",
    "calibration_expired": "Do not use this machine. Call the line lead or maintenance; "
                           "the line lead may sign an override below.",
    "maintenance_due": "Call maintenance. The line lead may sign an override below.",
    "wrong_work_order_status": "The work order is not open for production. Ask the line lead.",
    "lot_not_released": "Do not use this lot. Take a released lot and scan it.",
    "lot_expired": "Do not use this lot: it is expired. Take a lot within its date and scan it.",
    "insufficient_quantity": "The system shows this lot as used up. Take a new lot and tell the stores.",
    "component_already_consumed": "This serial is already built into another unit. Take another part and scan it.",
    "component_not_usable": "This subassembly is not finished or is on hold. Take a finished one.",
    "serial_required": "Scan the label with the component's serial number (the 2D code).",
    "too_many_components": "Enough of this part is already recorded for the unit. Go on with the next part.",
    "missing_components": "Scan the missing components, then record the result again.",
    "measurement_missing": "Type in every required value, then record the result again.",
    "unknown_measurement": "Use only the fields shown for this operation.",
    "invalid_input": "Check what you typed and try again.",
    "label_malformed": "The label could not be read. Scan it again; if it keeps failing, call the line lead.",
    "concurrent_update": "Someone changed this unit at the same moment. Scan it again.",
    "signature_wrong_credentials": "Check the line lead's user name or badge and password, then sign again.",
    "signer_not_authorized": "Only a line lead may sign this override.",
    "signature_reason_required": "Write why the start is allowed, then sign again.",
    "downtime_already_open": "The stop is recorded. Press 'Running again' when the station works.",
    "no_open_downtime": "There is no open stop at this station.",
    "permission_denied": "Ask the line lead.",
    "station_busy": "The machine already has a unit. Wait for its result, or cancel that job.",
    "unit_already_loaded": "The unit is already in the machine. Wait for its result.",
    "not_started_at_station": "Scan the unit's serial first to start its operation here.",
    "no_machine_at_station": "This station has no machine: record the result by hand.",
}
DEFAULT_NEXT_STEP = "Call the line lead."


@dataclass(frozen=True)
class Outcome:
    """What the last action did: kind ok / warn / error, the message, the next step, the error code."""

    kind: str
    message: str
    next_step: str = ""
    code: str = ""

    def as_dict(self) -> dict[str, str]:
        """For the session (it holds plain data only)."""
        return {"kind": self.kind, "message": self.message, "next_step": self.next_step, "code": self.code}


def refusal(error: DomainError) -> Outcome:
    """The outcome of a refused action, in the operator's language."""
    code = "label_malformed" if error.code.startswith("gs1_") else error.code  # every unreadable label alike
    return Outcome("error", error.message(g.get("lang", "ru")), _(NEXT_STEP.get(code, DEFAULT_NEXT_STEP)),
                   error.code)


def unknown_barcode(scan: str) -> Outcome:
    """A scan that names no unit, lot or component the MES knows."""
    shown = scan if len(scan) <= 40 else scan[:37] + "…"
    return Outcome("error", _("Unknown barcode: %s") % shown, _(NEXT_STEP["unknown_barcode"]), "unknown_barcode")
