"""Operator terminal: a touch screen bound to a station, driven by badge and barcode scanner.

One scan field takes everything the scanner reads: a unit's serial starts (or resumes) its current
operation here; while that operation is open, a scan is a component for it. Each action answers with
an outcome (ok / warn / error) in the operator's language with the next step; a refused action changes
nothing (its transaction is rolled back). Forms post normally; terminal.js posts them in the background
and swaps in the `_work.html` part, so the scanner's focus and the sounds survive.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.db import unit_of_work
from mes.domain.errors import DomainError
from mes.domain.labels import parse_scan
from mes.models import Equipment, Station, Terminal, Unit, WorkOrder
from mes.production.common import concurrency_guard
from mes.production.components import consume_component
from mes.production.downtime import REASONS
from mes.production.errors import NotFound
from mes.production.execution import complete_operation, start_operation
from mes.production.measurements import MeasurementInput
from mes.security.permissions import Permission, has_permission
from web.i18n import gettext as _
from web.i18n import state_label
from web.permissions import requires
from web.terminal_binding import BoundTerminals
from web.terminal_context import StepCache, machine_view, open_stop, station_job, unit_view
from web.terminal_messages import Outcome, refusal, unknown_barcode

bp = Blueprint("terminal", __name__, url_prefix="/terminal")

COOKIE = "mes_terminal"  # the terminal's random token; the database keeps only its hash
UNIT_KEY, OUTCOME_KEY, OVERRIDE_KEY = "terminal_unit", "terminal_outcome", "terminal_override"
JOB_LABELS = {"pending": "waiting for the machine", "sent": "in the machine", "done": "result recorded",
              "failed": "not finished"}
OVERRIDE_SUBJECT = {"not_qualified": "user", "calibration_expired": "equipment", "maintenance_due": "equipment"}


def sessions():  # type: ignore[no-untyped-def]
    """The app's session factory."""
    return current_app.extensions["mes.sessions"]


def bound_terminal(db: Session) -> tuple[Terminal, Station] | None:
    """The terminal this browser is registered as, and its station (detached copies, re-read every 2 s at most)."""
    return bindings().get(db, request.cookies.get(COOKIE))


def bindings() -> BoundTerminals:
    """This app's cache of terminal bindings (per app: a test's fresh database never sees another's)."""
    return current_app.extensions.setdefault("mes.terminal_bindings", BoundTerminals())


def actor(terminal: Terminal | None = None) -> AuditActor:
    """The signed-in operator, at this terminal (named in the audit trail's workstation)."""
    where = request.remote_addr or "unknown"
    workstation = f"terminal {terminal.name} ({where})" if terminal is not None else where
    return AuditActor(g.user.id, g.user.display_name, workstation[:100])


def set_outcome(outcome: Outcome) -> None:
    """Keep the outcome for the next rendering of the screen."""
    session[OUTCOME_KEY] = outcome.as_dict()


def attempt(work: Callable[[Session], Outcome], not_found: Callable[[NotFound], Outcome] | None = None) -> Outcome:
    """Run one action in its own transaction; a refusal rolls it back and becomes the outcome."""
    try:
        with concurrency_guard(), unit_of_work(sessions()) as db:
            return work(db)
    except NotFound as error:
        return not_found(error) if not_found else refusal(error)
    except DomainError as error:
        return refusal(error)


@bp.get("/")
@requires(Permission.UNIT_OPERATE)
def index():  # type: ignore[no-untyped-def]
    """The station screen, or how to bind this screen to a station."""
    with sessions()() as db:
        bound = bound_terminal(db)
        if bound is None:
            can_register = has_permission(g.user.role, Permission.TERMINAL_REGISTER)
            return render_template("terminal/unbound.html", can_register=can_register)
        return render_template("terminal/index.html", **screen(db, *bound))


def screen(db: Session, terminal: Terminal, station: Station) -> dict[str, Any]:
    """Everything the screen shows; the outcome is shown once."""
    serial = session.get(UNIT_KEY)
    view = unit_view(db, serial, station, _steps()) if serial else None
    return {**panel_context(db, terminal, station), "unit": view,
            "outcome": session.pop(OUTCOME_KEY, None), "override": session.get(OVERRIDE_KEY), "reasons": _reasons()}


def _steps() -> StepCache:
    """This app's cache of steps' master data (per app: a test's fresh database never sees another's)."""
    return current_app.extensions.setdefault("mes.terminal_steps", StepCache())


def panel_context(db: Session, terminal: Terminal, station: Station) -> dict[str, Any]:
    """What the live panel shows (read every second: only the machine, its job and the open stop)."""
    return {"terminal": terminal, "station": station, "machine": machine_view(db, station),
            "stop": open_stop(db, station), "job": station_job(db, station), "state_label": state_label,
            "stop_reason_name": _reason_name, "job_label": _job_label}


def _reasons() -> list[tuple[str, str]]:
    return [(code, _(name)) for code, name in REASONS.items()]


def _job_label(status: str) -> str:
    return _(JOB_LABELS.get(status, status))


def _reason_name(code: str) -> str:
    return REASONS.get(code, code)


def _after():  # type: ignore[no-untyped-def]
    """Answer an action: the work part for terminal.js, else back to the screen (post/redirect/get)."""
    if request.headers.get("X-Terminal-Partial") != "1":
        return redirect(url_for("terminal.index"))
    with sessions()() as db:
        bound = bound_terminal(db)
        if bound is None:
            return render_template("terminal/unbound.html", can_register=False), 409
        return render_template("terminal/_work.html", **screen(db, *bound))


def _require_bound():  # type: ignore[no-untyped-def]
    with sessions()() as db:
        bound = bound_terminal(db)
        if bound is not None:
            db.expunge_all()  # plain values for the request; the rows are re-read in each transaction
    return bound


def open_unit() -> tuple[Terminal, Station, str] | None:
    """The bound terminal, its station and the open unit's serial; None, with the outcome said, if either is missing."""
    bound = _require_bound()
    serial = session.get(UNIT_KEY)
    if bound is None or not serial:
        set_outcome(Outcome("warn", _("No unit is open at this station."), _("Scan the unit's serial label.")))
        return None
    return bound[0], bound[1], serial


@bp.post("/scan")
@requires(Permission.UNIT_OPERATE)
def scan():  # type: ignore[no-untyped-def]
    """Whatever the scanner read: a unit's serial, or a component of the open operation."""
    bound = _require_bound()
    if bound is None:
        return _after()
    terminal, station = bound
    code = request.form.get("code", "").strip()
    if not code:
        set_outcome(Outcome("warn", _("Nothing was scanned."), _("Scan the unit's serial label.")))
        return _after()
    current = session.get(UNIT_KEY)
    with sessions()() as db:
        view = unit_view(db, current, station) if current else None
        other_unit = _other_unit_of_same_product(db, code, current) if view and view.open_here else False
    if view is not None and view.open_here and code != current:
        if other_unit:
            set_outcome(Outcome("warn", _("This is another unit: %s.") % code,
                                _("Finish the unit on the screen first, or press 'Put unit aside'.")))
        else:
            set_outcome(_consume(terminal, current, code))
        return _after()
    set_outcome(_start_or_resume(terminal, station, code))
    return _after()


def _serial_of(code: str) -> str | None:
    """The serial a unit label carries: the plain text, or AI (21) of a GS1 code."""
    identity = parse_scan(code)
    return identity.serial


def _other_unit_of_same_product(db: Session, code: str, current: str | None) -> bool:
    """True when the scan names another unit of the same product as the open one (not a component)."""
    if current is None:
        return False
    try:
        serial = _serial_of(code)
    except DomainError:
        return False
    if not serial or serial == current:
        return False
    products = db.scalars(select(WorkOrder.product_id).join(Unit, Unit.work_order_id == WorkOrder.id)
                          .where(Unit.serial.in_([serial, current]))).all()
    return len(products) == 2 and products[0] == products[1]


def _start_or_resume(terminal: Terminal, station: Station, code: str) -> Outcome:
    """Start the unit's next operation here (or go back to the one open here); refusals change nothing."""
    try:
        serial = _serial_of(code)
    except DomainError as error:
        return refusal(error)
    if not serial:
        return unknown_barcode(code)

    def work(db: Session) -> Outcome:
        unit = db.scalars(select(Unit).where(Unit.serial == serial)).one_or_none()
        if unit is None:
            return unknown_barcode(code)
        view = unit_view(db, serial, station)
        if view is not None and view.open_here:
            session[UNIT_KEY] = serial
            text = _("Unit %(serial)s: operation %(seq)s continues.")
            return Outcome("ok", text % {"serial": serial, "seq": view.seq})
        equipment = db.scalars(select(Equipment.code).where(Equipment.station_id == station.id)
                               .order_by(Equipment.code)).first()
        record = start_operation(db, actor(terminal), serial, unit.next_seq if unit.next_seq is not None else -1,
                                 station.code, equipment)
        session[UNIT_KEY] = serial
        session.pop(OVERRIDE_KEY, None)
        return Outcome("ok", _("Unit %(serial)s: operation %(seq)s started.") % {"serial": serial, "seq": record.seq},
                       _("Follow the work instruction, scan the components, then record the result."))

    outcome = attempt(work)
    if outcome.code in OVERRIDE_SUBJECT:
        _offer_override(outcome, serial, station)
    return outcome


def _offer_override(outcome: Outcome, serial: str, station: Station) -> None:
    """Remember the refused start so a line lead can sign an override for exactly it."""
    with sessions()() as db:
        unit = db.scalars(select(Unit).where(Unit.serial == serial)).one()
        equipment = db.scalars(select(Equipment.code).where(Equipment.station_id == station.id)
                               .order_by(Equipment.code)).first()
        subject = g.user.username if outcome.code == "not_qualified" else (equipment or "")
        session[OVERRIDE_KEY] = {"check": outcome.code, "subject": subject, "serial": serial, "seq": unit.next_seq}


def _consume(terminal: Terminal, serial: str, code: str) -> Outcome:
    """Build the scanned component into the open operation."""
    def work(db: Session) -> Outcome:
        row = consume_component(db, actor(terminal), serial, code)
        return Outcome("ok", _("Component %(part)s recorded (quantity %(qty)s).")
                       % {"part": row.part_number, "qty": _quantity(row.quantity)})

    return attempt(work, not_found=lambda _error: unknown_barcode(code))


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}"


@bp.post("/complete")
@requires(Permission.UNIT_OPERATE)
def complete():  # type: ignore[no-untyped-def]
    """Record the typed values and finish the open operation: pass within limits, or fail (NC and hold)."""
    opened = open_unit()
    if opened is None:
        return _after()
    terminal, station, serial = opened
    try:
        items = _typed_measurements()
    except ValueError as error:
        set_outcome(Outcome("error", _("%s is not a number.") % str(error),
                            _("Type a number (a point or a comma before the decimals), then record the result again.")))
        return _after()
    failed = request.form.get("verdict") == "fail"
    set_outcome(_complete(terminal, station, serial, items, failed))
    return _after()


def _typed_measurements() -> list[MeasurementInput]:
    """The values typed on the screen (fields m_<name>); empty fields are left out."""
    items = []
    for key, raw in request.form.items():
        if not key.startswith("m_") or not raw.strip():
            continue
        name = key.removeprefix("m_")
        try:
            value = float(raw.strip().replace(",", "."))
        except ValueError:
            raise ValueError(name) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(name)
        items.append(MeasurementInput(name, value, manual=True))
    return items


def _complete(terminal: Terminal, station: Station, serial: str, items: list[MeasurementInput],
              failed: bool) -> Outcome:
    def work(db: Session) -> Outcome:
        view = unit_view(db, serial, station)
        if view is None or not view.open_here or view.seq is None:
            return Outcome("warn", _("No operation of unit %s is open at this station.") % serial,
                           _("Scan the unit's serial label."))
        record = complete_operation(db, actor(terminal), serial, view.seq, items, failed=failed)
        return result_outcome(db, serial, station, record.result == "pass", view.seq)

    return attempt(work)


def result_outcome(db: Session, serial: str, station: Station, passed: bool, seq: int) -> Outcome:
    """What the operator does with the unit after its result."""
    after = unit_view(db, serial, station)
    if passed:
        where = after.next_step if after and after.next_step else ""
        next_step = (_("Take the unit to operation %s.") % where) if where else _("The unit is finished.")
        return Outcome("ok", _("PASS: unit %(serial)s, operation %(seq)s.") % {"serial": serial, "seq": seq}, next_step,
                       "pass")
    return Outcome("error", _("FAIL: unit %(serial)s, operation %(seq)s. A nonconformance was opened and the unit "
                              "is on hold.") % {"serial": serial, "seq": seq},
                   _("Put the unit on the hold shelf and call quality."), "fail")


@bp.post("/aside")
@requires(Permission.UNIT_OPERATE)
def aside():  # type: ignore[no-untyped-def]
    """Clear the screen for the next unit (an open operation stays open here; scan the unit to go on)."""
    serial = session.pop(UNIT_KEY, None)
    session.pop(OVERRIDE_KEY, None)
    if serial:
        set_outcome(Outcome("ok", _("Unit %s put aside.") % serial, _("Scan the next unit.")))
    return _after()


from web import terminal_machine, terminal_setup, terminal_stops  # noqa: E402,F401  (their routes join this blueprint)
