"""Operator-terminal data and pages for bench/web.py: a terminal bound to SCR01 with a PM-100 unit open on it.

The measured session is an operator's at that terminal after scanning the unit (its cookie carries the
unit and the terminal's token), so the page renders everything a working terminal shows: the step, its
instruction, three component lines, the measurement plan, the live machine and its last result.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from http.cookiejar import Cookie, CookieJar

from sqlalchemy import select

from mes.compliance.audit import AuditActor
from mes.db import create_db_engine, session_factory, unit_of_work
from mes.models import Routing, RoutingOperation
from mes.production.demo_data import PM100, install_demo_production
from mes.production.serials import allocate_serials
from mes.production.terminals import register_terminal, set_instruction
from mes.production.workorders import create_work_order, release_work_order

ACTOR = AuditActor(None, "bench", "bench")
INSTRUCTION = "\n".join(f"{n}. Step {n} of the housing screwing: place, hold, tighten, check." for n in range(1, 13))


def terminal_pages() -> list[tuple[str, str]]:
    """(figure name, path) of the pages measured: the station screen and the live panel it reads every second."""
    return [("terminal page", "/terminal/"), ("terminal live panel", "/terminal/panel")]


def prepare_terminal_data(database_url: str) -> tuple[str, str]:
    """A terminal at SCR01, the PM-100's data and an instruction for its screwing step; (terminal token, serial)."""
    engine = create_db_engine(database_url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            install_demo_production(session, ACTOR)
            number = create_work_order(session, ACTOR, PM100, 10).number
            release_work_order(session, ACTOR, number)
            serial = allocate_serials(session, ACTOR, number, 1)[0]
            token = register_terminal(session, ACTOR, "bench terminal", "SCR01").token
        with unit_of_work(session_factory(engine)) as session:
            op_id = session.scalars(select(RoutingOperation.id).join(RoutingOperation.routing).where(
                Routing.code == "R-PM100", RoutingOperation.seq == 10)).one()
            set_instruction(session, ACTOR, op_id, INSTRUCTION)
    finally:
        engine.dispose()
    return token, serial


def terminal_cookie(port: int, password: str, token: str, serial: str) -> str:
    """Sign the operator in at the terminal and scan the unit (starting its step); the Cookie header value."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    jar.set_cookie(Cookie(0, "mes_terminal", token, None, False, "127.0.0.1", False, False, "/", True, False, None,
                          False, None, None, {}))
    page = opener.open(f"{base}/login", timeout=5).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "operator", "password": password, "csrf_token": csrf}).encode()
    opener.open(f"{base}/login?next=/terminal/", data=form, timeout=5)
    page = opener.open(f"{base}/terminal/", timeout=5).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    scanned = opener.open(f"{base}/terminal/scan", data=urllib.parse.urlencode(
        {"code": serial, "csrf_token": csrf}).encode(), timeout=5).read().decode()
    if serial not in scanned:
        raise SystemExit("the terminal did not open the bench unit")
    return "; ".join(f"{c.name}={c.value}" for c in jar)
