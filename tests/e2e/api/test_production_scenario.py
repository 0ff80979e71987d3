"""The issue's "done when": a PM-100 work order built end to end through the API, a failure reworked, traced."""

from sqlalchemy import select

from mes.compliance import verify_chain
from mes.models import AuditEvent
from mes.production.demo_data import BOARD, PM100
from tests.support.production import GOOD, MCU, SCREWS, battery_scan

STATIONS = {10: "SCR01", 20: "EST01", 30: "FT01", 40: "MARK01"}


def measurements(seq, **override):
    return [{"name": k, "value": override.get(k, v)} for k, v in GOOD[seq].items()]


def order(api, gtin, quantity):
    lead = api.as_user("lead")  # work orders are the line lead's (work_order.manage)
    wo = lead.ok("POST", "/work-orders", {"product_gtin": gtin, "quantity": quantity}, 201)
    assert wo["status"] == "planned"
    assert lead.ok("POST", f"/work-orders/{wo['number']}/release")["status"] == "released"
    serials = lead.ok("POST", f"/work-orders/{wo['number']}/serials", {"count": quantity}, 201)["serials"]
    return wo["number"], serials


def operation(api, serial, seq, scans=(), **override):
    api.ok("POST", f"/units/{serial}/operations/{seq}/start", {"station": STATIONS[seq]}, 201)
    for scan in scans:
        api.ok("POST", f"/units/{serial}/components", {"scan": scan}, 201)
    return api.ok("POST", f"/units/{serial}/operations/{seq}/complete", {"measurements": measurements(seq, **override)})


def board(api):
    _, (serial,) = order(api, BOARD, 1)
    api.ok("POST", f"/units/{serial}/operations/10/start", {"station": "FT01"}, 201)
    api.ok("POST", f"/units/{serial}/components", {"scan": MCU}, 201)
    done = api.ok("POST", f"/units/{serial}/operations/10/complete",
                  {"measurements": [{"name": "supply_current", "value": 110}]})
    assert done["result"] == "pass"
    return serial


def test_a_work_order_is_built_through_the_api_with_a_failure_reworked_and_traced_both_ways(api):
    number, serials = order(api, PM100, 2)
    boards = [board(api) for _ in serials]
    lot = api.ok("POST", "/material-lots", {"part_number": "BAT-2S", "lot_number": "B-API-1", "supplier": "Volt AG",
                                            "country_of_origin": "DE", "quantity": 10, "expiry": "2030-01-31",
                                            "gtin": "04607123990018"}, 201)
    assert lot["status"] == "quarantined"
    refused = api.post(f"/units/{serials[0]}/components", {"scan": battery_scan("X", "B-API-1")})
    assert refused.status_code == 409  # no operation in progress yet
    assert api.post(f"/material-lots/{lot['id']}/release", {"reason": "mine"}).status_code == 403  # quality's call
    api.as_user("quality").ok("POST", f"/material-lots/{lot['id']}/release", {"reason": "incoming inspection passed"})

    for serial, brd, battery in zip(serials, boards, ("PACK-1", "PACK-2"), strict=True):
        scans = (brd, battery_scan(battery, "B-API-1"), SCREWS)
        assert operation(api, serial, 10, scans)["result"] == "pass"
        assert operation(api, serial, 20)["result"] == "pass"

    failed = operation(api, serials[0], 30, rail_3v3=3.55)
    assert failed["result"] == "fail"
    held = api.ok("GET", f"/units/{serials[0]}")
    assert held["on_hold"] and held["nonconformances"][0]["status"] == "open"
    blocked = api.post(f"/units/{serials[0]}/operations/30/start", {"station": "FT01"})
    assert (blocked.status_code, blocked.get_json()["error"]["code"]) == (409, "unit_on_hold")
    assert api.post(f"/units/{serials[0]}/rework", {"reason": "mine"}).status_code == 403  # a quality disposition
    reworked = api.as_user("quality").ok("POST", f"/units/{serials[0]}/rework", {"reason": "connector re-seated"})
    assert (reworked["on_hold"], reworked["next_operation"]) == (False, 10)
    for seq in (10, 20):
        assert operation(api, serials[0], seq)["result"] == "pass"
    for serial in serials:
        for seq in (30, 40):
            assert operation(api, serial, seq)["result"] == "pass"

    wo = api.ok("GET", f"/work-orders/{number}")
    assert wo["status"] == "completed" and wo["units"] == {"completed": 2}
    history = api.ok("GET", f"/units/{serials[0]}")
    assert [(op["seq"], op["result"], op["retest_count"]) for op in history["operations"]] == [
        (10, "pass", 0), (20, "pass", 0), (30, "fail", 0), (10, "pass", 1), (20, "pass", 1), (30, "pass", 1),
        (40, "pass", 0)]
    assert history["nonconformances"][0]["disposition"] == "rework"
    failing = [m for op in history["operations"] for m in op["measurements"] if not m["passed"]]
    assert [(m["name"], m["value"], m["low"], m["high"]) for m in failing] == [("rail_3v3", 3.55, 3.2, 3.4)]

    trace = api.ok("GET", f"/units/{serials[1]}/trace")
    parts = {c["part_number"]: c for c in trace["components"]}
    assert parts["BAT-2S"]["serial"] == "PACK-2" and parts["BAT-2S"]["lot"]["supplier"] == "Volt AG"
    assert parts[BOARD]["unit"]["serial"] == boards[1]
    assert parts[BOARD]["unit"]["components"][0]["lot"]["lot_number"] == "M-2611"

    forward = api.ok("GET", "/lots/M-2611/where-used")
    assert sorted(forward["finished_units"]) == sorted(serials)
    assert number in forward["work_orders"]
    assert api.ok("GET", "/lots/B-API-1/where-used")["finished_units"] == sorted(serials)
    assert api.ok("GET", f"/units/{boards[0]}/where-used")["finished_units"] == [serials[0]]
    assert api.ok("GET", "/material-lots/" + str(lot["id"]))["quantity_on_hand"] == "8.0000"


def test_the_scenario_leaves_an_intact_audit_chain_naming_the_token_user_and_terminal(api, engine):
    order(api, PM100, 1)
    assert verify_chain(engine).intact
    with engine.connect() as conn:
        who = set(conn.execute(select(AuditEvent.user_name, AuditEvent.workstation)
                               .where(AuditEvent.entity == "work_order")))
    assert who == {("Olga Smirnova", "pytest-term")}  # the line lead manages work orders
