"""Terminal: binding a screen to a station, badge sign-in at the terminal, and work instructions with documents.

Binding: a line lead or administrator opens /terminal/setup on the screen itself and registers it to a
station; the browser keeps a random token in a long-lived, HttpOnly cookie and the database keeps its
SHA-256 (mes.production.terminals). Revoking the registration stops the token working.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from mes.compliance import record_audit
from mes.db import unit_of_work
from mes.domain.errors import DomainError
from mes.models import InstructionDocument, Routing, RoutingOperation, Station
from mes.production.terminals import (
    add_document,
    documents_of,
    instruction_of,
    list_terminals,
    register_terminal,
    remove_document,
    revoke_terminal,
    set_instruction,
    terminal_by_token,
)
from mes.security.permissions import Permission
from web.account import _authenticate_badge
from web.i18n import LANGUAGES
from web.i18n import gettext as _
from web.permissions import requires
from web.terminal import COOKIE, actor, bindings, bound_terminal, bp, sessions

COOKIE_MAX_AGE_S = 5 * 365 * 24 * 3600  # a registration lasts until it is revoked


@bp.route("/setup", methods=["GET", "POST"])
@requires(Permission.TERMINAL_REGISTER)
def setup():  # type: ignore[no-untyped-def]
    """Register this screen to a station (it remembers it), and list or revoke registered terminals."""
    if request.method == "POST":
        return _register()
    with sessions()() as db:
        bound = bound_terminal(db)
        stations = list(db.scalars(select(Station).order_by(Station.line_id, Station.position)))
        return render_template("terminal/setup.html", bound=bound, stations=stations, terminals=list_terminals(db),
                               languages=LANGUAGES)


def _register():  # type: ignore[no-untyped-def]
    try:
        with unit_of_work(sessions()) as db:
            registration = register_terminal(db, actor(), request.form.get("name", ""),
                                             request.form.get("station", ""), request.form.get("language", "ru"))
            name = registration.terminal.name
    except DomainError as error:
        flash(error.message(g.get("lang", "ru")), "error")
        return redirect(url_for("terminal.setup"))
    flash(_("This screen is now terminal %s.") % name, "info")
    response = redirect(url_for("terminal.setup"))
    response.set_cookie(COOKIE, registration.token, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="Lax",
                        secure=request.is_secure, path="/")
    return response


@bp.post("/setup/<int:terminal_id>/revoke")
@requires(Permission.TERMINAL_REGISTER)
def revoke(terminal_id: int):  # type: ignore[no-untyped-def]
    """Unbind a terminal (its screen shows the binding page again)."""
    try:
        with unit_of_work(sessions()) as db:
            revoke_terminal(db, actor(), terminal_id)
        bindings().forget()  # this process sees the revocation at once (others within the cache's 2 s)
    except DomainError as error:
        flash(error.message(g.get("lang", "ru")), "error")
    return redirect(url_for("terminal.setup"))


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """Badge and PIN sign-in at a terminal, in the terminal's language until someone signs in."""
    with sessions()() as db:
        terminal = terminal_by_token(db, request.cookies.get(COOKIE))
        station = db.get(Station, terminal.station_id) if terminal else None
        station_name = f"{station.code} — {station.name}" if station else None
    if terminal is not None and not request.args.get("lang") and "lang" not in session:
        session["lang"] = g.lang = terminal.language
    if request.method == "GET":
        return render_template("terminal/login.html", station_name=station_name)
    error = _authenticate_badge(request.form.get("badge", "").strip(), request.form.get("pin", ""))
    if error:
        flash(error, "error")
        return render_template("terminal/login.html", station_name=station_name), 401
    return redirect(url_for("terminal.index"))


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """Sign out at the terminal and show its badge sign-in for the next operator (any signed-in user, like
    auth.logout: leaving needs no permission)."""
    with unit_of_work(sessions()) as db:
        record_audit(db, actor=actor(), action="LOGOUT", entity="app_user", entity_id=str(g.user.id),
                     reason="terminal")
    session.clear()
    return redirect(url_for("terminal.login"))


@bp.get("/instructions")
@requires(Permission.ROUTING_APPROVE)
def instructions():  # type: ignore[no-untyped-def]
    """Every routing operation, to write its instruction and attach its drawings."""
    with sessions()() as db:
        rows = db.execute(select(Routing, RoutingOperation).join(RoutingOperation.routing)
                          .order_by(Routing.code, Routing.version, RoutingOperation.seq)).all()
        return render_template("terminal/instructions.html", rows=rows)


@bp.route("/instructions/<int:operation_id>", methods=["GET", "POST"])
@requires(Permission.ROUTING_APPROVE)
def instruction(operation_id: int):  # type: ignore[no-untyped-def]
    """Edit one operation's instruction text and documents."""
    if request.method == "POST":
        _save_instruction(operation_id)
        return redirect(url_for("terminal.instruction", operation_id=operation_id))
    with sessions()() as db:
        operation = db.get(RoutingOperation, operation_id)
        if operation is None:
            abort(404)
        return render_template("terminal/instruction.html", operation=operation, routing=operation.routing,
                               text=(instruction_of(db, operation_id) or None),
                               documents=documents_of(db, operation_id))


def _save_instruction(operation_id: int) -> None:
    upload = request.files.get("document")
    try:
        with unit_of_work(sessions()) as db:
            if "text" in request.form:
                set_instruction(db, actor(), operation_id, request.form["text"].replace("\r\n", "\n"))
            if upload is not None and upload.filename:
                add_document(db, actor(), operation_id, request.form.get("title", ""), upload.filename,
                             upload.mimetype, upload.read())
    except DomainError as error:
        flash(error.message(g.get("lang", "ru")), "error")
        return
    flash(_("Saved."), "info")


@bp.post("/documents/<int:document_id>/delete")
@requires(Permission.ROUTING_APPROVE)
def delete_document(document_id: int):  # type: ignore[no-untyped-def]
    """Detach a document from its instruction."""
    operation_id = None
    try:
        with unit_of_work(sessions()) as db:
            document = db.get(InstructionDocument, document_id)
            operation_id = document.routing_operation_id if document else None
            remove_document(db, actor(), document_id)
    except DomainError as error:
        flash(error.message(g.get("lang", "ru")), "error")
    if operation_id is None:
        return redirect(url_for("terminal.instructions"))
    return redirect(url_for("terminal.instruction", operation_id=operation_id))


@bp.get("/documents/<int:document_id>")
@requires(Permission.LINE_VIEW)
def document(document_id: int):  # type: ignore[no-untyped-def]
    """An instruction's image or PDF, to signed-in users only, never cached by shared caches."""
    with current_app.extensions["mes.sessions"]() as db:
        found = db.get(InstructionDocument, document_id)
        if found is None:
            abort(404)
        response = Response(found.content, mimetype=found.content_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response
