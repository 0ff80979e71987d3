"""The OpenAPI 3 document of /api/v1, written by hand; a test checks it names every route."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from web.api import bp

ERROR = {"$ref": "#/components/schemas/Error"}


def _obj(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


STR, INT, NUM, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
QTY = {"oneOf": [NUM, STR], "description": "a number or a decimal string"}
MEASUREMENT = _obj(["name", "value"], name=STR, value=NUM,
                   manual={**BOOL, "description": "typed by a person (flagged in the record)"})
SCHEMAS = {
    "Error": _obj(["error"], error=_obj(["code", "message"], code=STR, message=STR)),
    "WorkOrderIn": _obj(["product_gtin", "quantity"], product_gtin=STR, quantity=INT, number=STR),
    "SerialsIn": _obj(["count"], count=INT),
    "StartIn": _obj(["station"], station=STR, equipment=STR),
    "CompleteIn": _obj([], measurements={"type": "array", "items": MEASUREMENT},
                       failed={**BOOL, "description": "the station reports a failure"}),
    "MeasurementsIn": _obj(["measurements"], measurements={"type": "array", "items": MEASUREMENT}),
    "ComponentIn": _obj(["scan"], quantity=QTY, scan={
        **STR, "description": "GS1 element string, MES1| internal label, or a unit serial"}),
    "ReasonIn": _obj(["reason"], reason=STR),
    "NcIn": _obj(["serial", "description"], serial=STR, description=STR, source={
        **STR, "enum": ["manual", "label_scan", "machine_fault"]}),
    "NoteIn": _obj(["text"], text=STR),
    "DispositionIn": _obj(["disposition", "password"], disposition={**STR, "enum": [
        "use_as_is", "rework", "scrap", "return_to_supplier", "concession"]}, justification={
        **STR, "description": "required for a concession"}, password={**STR, "format": "password"}),
    "HoldIn": _obj(["entity", "key", "reason"], entity={**STR, "enum": ["unit", "work_order", "material_lot"]},
                   key={**STR, "description": "serial, work order number or material lot id"}, reason=STR),
    "ReviewIn": _obj(["key", "decision", "password"], key=STR, decision=STR, password={**STR, "format": "password"}),
    "ReleaseIn": _obj(["password"], password={**STR, "format": "password"}, quantity={
        **INT, "description": "default: every completed unit not on hold"}),
    "OverrideIn": _obj(["serial", "seq", "check", "subject", "reason", "password"], serial=STR, seq=INT, check={
        **STR, "enum": ["calibration_expired", "maintenance_due", "not_qualified"]}, subject={
        **STR, "description": "equipment code (calibration, maintenance) or the operator's user name (qualification)"},
        reason=STR, password={**STR, "format": "password"}, username={
        **STR, "description": "the signing line lead, when not the token's user (a lead at an operator's terminal)"}),
    "CompletionsIn": _obj(["completions"], completions={
        "type": "array", "maxItems": 500, "description": "each item judged on its own; valid ones are written",
        "items": _obj(["serial", "seq"], serial=STR, seq=INT, station={
            **STR, "description": "start the operation at this station first (omit: it is in progress)"},
            equipment=STR, scans={"type": "array", "items": {"oneOf": [STR, _obj(["scan"], scan=STR, quantity=QTY)]}},
            measurements={"type": "array", "items": MEASUREMENT}, failed=BOOL)}),
    "LotIn": _obj(["part_number", "lot_number", "supplier", "country_of_origin", "quantity"],
                  part_number=STR, lot_number=STR, supplier=STR, country_of_origin=STR, quantity=QTY,
                  expiry={**STR, "format": "date"}, gtin=STR),
}


INT_PARAMS = ("seq", "lot_id", "hold_id", "override_id")


def _op(summary: str, ok: int = 200, body: str | None = None, params: tuple[str, ...] = (),
        query: tuple[str, ...] = (), errors: tuple[int, ...] = (404,)) -> dict[str, Any]:
    responses: dict[str, Any] = {str(ok): {"description": "OK", "content": {"application/json": {}}}}
    for status in (401, *errors):
        responses[str(status)] = {"description": "error", "content": {"application/json": {"schema": ERROR}}}
    op: dict[str, Any] = {"summary": summary, "responses": responses, "parameters": [
        *({"name": p, "in": "path", "required": True, "schema": INT if p in INT_PARAMS else STR} for p in params),
        *({"name": q, "in": "query", "required": False, "schema": STR} for q in query)]}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
    return op


def _pdf(summary: str, param: str) -> dict[str, Any]:
    op = _op(summary, params=(param,), query=("lang",))
    op["responses"]["200"] = {"description": "PDF", "content": {"application/pdf": {}}}
    return op


W = (400, 404, 409, 422)  # the errors a write can answer
PATHS = {
    "/work-orders": {"get": _op("List work orders", query=("status", "limit"), errors=(422,)),
                     "post": _op("Create a planned work order", 201, "WorkOrderIn", errors=W)},
    "/work-orders/{number}": {"get": _op("Get a work order", params=("number",))},
    "/work-orders/{number}/release": {"post": _op("Release a work order", params=("number",), errors=W)},
    "/work-orders/{number}/hold": {"post": _op("Hold a work order", 200, "ReasonIn", ("number",), errors=W)},
    "/work-orders/{number}/resume": {"post": _op("Resume a held work order", 200, "ReasonIn", ("number",),
                                                 errors=W)},
    "/work-orders/{number}/serials": {"post": _op("Allocate serials", 201, "SerialsIn", ("number",), errors=W)},
    "/operations/completions": {"post": _op("Complete operations of many units (a result per item)", 200,
                                            "CompletionsIn", errors=(400, 409, 422))},
    "/units/{serial}": {"get": _op("Get a unit with its history", params=("serial",))},
    "/units/{serial}/operations/{seq}/start": {"post": _op("Start an operation", 201, "StartIn",
                                                           ("serial", "seq"), errors=W)},
    "/units/{serial}/operations/{seq}/complete": {"post": _op("Complete the operation in progress", 200,
                                                              "CompleteIn", ("serial", "seq"), errors=W)},
    "/units/{serial}/measurements": {"post": _op("Record measurements", 201, "MeasurementsIn", ("serial",),
                                                 errors=W)},
    "/units/{serial}/components": {"post": _op("Consume a scanned component", 201, "ComponentIn", ("serial",),
                                               errors=W)},
    "/units/{serial}/rework": {"post": _op("Rework the held unit", 200, "ReasonIn", ("serial",), errors=W)},
    "/units/{serial}/scrap": {"post": _op("Scrap the unit", 200, "ReasonIn", ("serial",), errors=W)},
    "/units/{serial}/trace": {"get": _op("Backward genealogy of a unit", params=("serial",))},
    "/units/{serial}/where-used": {"get": _op("Forward genealogy of a component serial", params=("serial",))},
    "/lots/{lot}/where-used": {"get": _op("Forward genealogy of a material lot", params=("lot",),
                                          query=("part_number",))},
    "/material-lots": {"post": _op("Receive a material lot (quarantined)", 201, "LotIn", errors=W)},
    "/material-lots/{lot_id}": {"get": _op("Get a material lot", params=("lot_id",))},
    "/material-lots/{lot_id}/release": {"post": _op("Release a lot", params=("lot_id",), errors=W)},
    "/material-lots/{lot_id}/quarantine": {"post": _op("Quarantine a lot", 200, "ReasonIn", ("lot_id",),
                                                       errors=W)},
    "/units/{serial}/dhr": {"get": _op("Device history record (JSON; export audited)", params=("serial",),
                                       query=("lang",))},
    "/units/{serial}/dhr.pdf": {"get": _pdf("Device history record as PDF (export audited)", "serial")},
    "/work-orders/{number}/batch-record": {"get": _op("Batch record with exceptions (JSON; export audited)",
                                                      params=("number",), query=("lang",))},
    "/work-orders/{number}/batch-record.pdf": {"get": _pdf("Batch record as PDF (export audited)", "number")},
    # Under batch-record/: /work-orders/{number}/release already releases a planned order to the floor.
    "/work-orders/{number}/batch-record/review": {"post": _op(
        "Review one exception, e-signed 'reviewed'", 201, "ReviewIn", ("number",), errors=W)},
    "/work-orders/{number}/batch-record/release": {"post": _op(
        "QA batch release, e-signed 'released'; 409 exceptions_open", 200, "ReleaseIn", ("number",), errors=W)},
    "/nonconformances": {"post": _op("Open a nonconformance on a unit (the unit is held)", 201, "NcIn",
                                     errors=W)},
    "/nonconformances/{number}/notes": {"post": _op("Append an investigation note", 201, "NoteIn", ("number",),
                                                    errors=W)},
    "/nonconformances/{number}/disposition": {"post": _op("Disposition, e-signed 'dispositioned'", 200,
                                                          "DispositionIn", ("number",), errors=W)},
    "/holds": {"post": _op("Hold a unit, work order or material lot", 201, "HoldIn", errors=W)},
    "/holds/{hold_id}/release": {"post": _op("Release a hold", 200, "ReasonIn", ("hold_id",), errors=W)},
    "/overrides": {"get": _op("Overrides of refused starts, oldest first", query=(
        "serial", "work_order", "unused", "limit"), errors=(422,)),
                   "post": _op("A line lead lets one refused start through, e-signed 'approved' with a reason",
                               201, "OverrideIn", errors=W)},
    "/overrides/{override_id}": {"get": _op("One override with its signature", params=("override_id",))},
    "/history/{entity}/{entity_id}": {"get": _op(
        "A record's audit history and signatures (audit.view)", params=("entity", "entity_id"), errors=(403,))},
    "/audit": {"get": _op("Search the audit trail, newest first (audit.view); page on with before_id", query=(
        "user", "user_id", "entity", "entity_id", "action", "since", "until", "limit", "before_id"),
        errors=(403, 422))},
    "/openapi.json": {"get": {"summary": "This document", "security": [],
                              "responses": {"200": {"description": "OK"}}}},
}
# Master data (docs/master-data.md): approvals are e-signatures "approved" by another person than the author.
PARAMETER = _obj(["name", "value"], name=STR, value=STR, unit=STR, min=NUM, max=NUM)
OPERATION = _obj(["seq", "name", "station_type"], seq=INT, name=STR, station_type=STR,
                 required_qualification=STR, recipe={**STR, "description": "recipe code"})
BOM_LINE = _obj(["part_number", "quantity"], part_number=STR, quantity=QTY, description=STR, capture={
    **STR, "enum": ["none", "lot", "serial"]}, operation_seq=INT, substitutes={"type": "array", "items": STR})
SIGN_IN = _obj(["password"], password={**STR, "format": "password"}, reason=STR)
SCHEMAS |= {
    "RecipeIn": _obj(["code", "name", "equipment_kind"], code=STR, name=STR, product_gtin=STR, equipment_kind={
        **STR, "description": "the station type whose machines run it"}),
    "RecipeVersionIn": _obj([], note=STR, parameters={"type": "array", "items": PARAMETER,
                                                      "description": "default: a copy of the newest version's"}),
    "ParametersIn": _obj(["parameters"], note=STR, parameters={"type": "array", "items": PARAMETER}),
    "ApproveIn": SIGN_IN,
    "RoutingVersionIn": _obj([], operations={"type": "array", "items": OPERATION,
                                             "description": "default: a copy of the newest version"}),
    "BrandIn": _obj(["code", "name", "gs1_company_prefix", "serial_scheme", "lot_scheme", "label_template_set"],
                    code=STR, name=STR, gs1_company_prefix=STR, serial_scheme=STR, lot_scheme=STR,
                    label_template_set=STR),
    "ProductIn": _obj(["gtin", "model", "revision"], gtin={**STR, "description": "14 digits, check digit checked"},
                      model=STR, revision=STR, registration_number=STR, registration_date={**STR, "format": "date"},
                      routing={**STR, "description": "routing code"}),
    "BomIn": _obj(["lines"], lines={"type": "array", "items": BOM_LINE}),
    "ConnectionTestIn": _obj([], tag={**STR, "description": "default: state"}, timeout_s=NUM),
}
PATHS |= {
    "/recipes": {"get": _op("List recipes with their versions", errors=()),
                 "post": _op("Create a recipe", 201, "RecipeIn", errors=W)},
    "/recipes/{code}": {"get": _op("Get a recipe with its versions", params=("code",))},
    "/recipes/{code}/approved": {"get": _op("The approved version (the only one a machine runs); "
                                            "409 recipe_not_approved", params=("code",), errors=(404, 409))},
    "/recipes/{code}/versions": {"post": _op("Draft a new version", 201, "RecipeVersionIn", ("code",), errors=W)},
    "/recipes/{code}/versions/{version}/parameters": {"post": _op(
        "Replace a draft's parameters", 200, "ParametersIn", ("code", "version"), errors=W)},
    "/recipes/{code}/versions/{version}/approve": {"post": _op(
        "Approve a draft, e-signed 'approved' (two-person rule)", 200, "ApproveIn", ("code", "version"), errors=W)},
    "/routings": {"get": _op("List routing versions", errors=())},
    "/routings/{code}/versions": {"post": _op("Draft a new routing version", 201, "RoutingVersionIn", ("code",),
                                              errors=W)},
    "/routings/{code}/versions/{version}": {"get": _op("Get a routing version", params=("code", "version"))},
    "/routings/{code}/versions/{version}/approve": {"post": _op(
        "Approve a routing version, e-signed 'approved' (two-person rule)", 200, "ApproveIn", ("code", "version"),
        errors=W)},
    "/products": {"get": _op("List brands with their products", errors=())},
    "/brands": {"post": _op("Create a brand", 201, "BrandIn", errors=W)},
    "/brands/{code}/products": {"post": _op("Create a product of a brand", 201, "ProductIn", ("code",), errors=W)},
    "/products/{gtin}/boms": {"post": _op("Draft a new BOM version", 201, "BomIn", ("gtin",), errors=W)},
    "/products/{gtin}/boms/{version}/approve": {"post": _op(
        "Approve a BOM version, e-signed 'approved' (two-person rule)", 200, "ApproveIn", ("gtin", "version"),
        errors=W)},
    "/equipment": {"get": _op("List equipment", errors=())},
    "/equipment/{code}/connection-test": {"post": _op(
        "Connect, read one tag, report health (ok=false with the error)", 200, "ConnectionTestIn", ("code",),
        errors=W)},
}
# Draft editing (docs/master-data.md): operations of a draft routing version, lines of a draft BOM version.
SPEC = _obj(["name"], name=STR, unit=STR, min=NUM, max=NUM, source_tag={
    **STR, "description": "machine tag; absent: entered by hand"})
SPEC["properties"]["required"] = {**BOOL, "description": "default true"}  # `required` is _obj's own argument
SCHEMAS |= {
    "OperationIn": _obj(["seq", "name", "station_type"], seq=INT, name=STR, station_type={
        **STR, "description": "a station type some station has"}, required_qualification={
        **STR, "description": "a qualification somebody holds"}, recipe={
        **STR, "description": "code of an approved recipe for this station type"}, rework_target_seq={
        **INT, "description": "an earlier or the same operation; absent: retest here"},
        plan={"type": "array", "items": SPEC}),
    "OperationPatch": _obj([], seq={**INT, "description": "a new number moves the operation"}, name=STR,
                           station_type=STR, required_qualification=STR, recipe=STR, rework_target_seq={
                               **INT, "nullable": True, "description": "null: retest here"}),
    "PlanIn": _obj(["plan"], plan={"type": "array", "items": SPEC}),
    "OrderIn": _obj(["order"], order={"type": "array", "items": INT,
                                      "description": "every operation number once, in the new order"}),
    "BomLineIn": BOM_LINE,
}
PATHS |= {
    "/routings/{code}/versions/{version}/operations": {"post": _op(
        "Insert an operation into a draft routing version", 201, "OperationIn", ("code", "version"), errors=W)},
    "/routings/{code}/versions/{version}/operations/{seq}": {
        "patch": _op("Change (or renumber) an operation of a draft", 200, "OperationPatch",
                     ("code", "version", "seq"), errors=W),
        "delete": _op("Remove an operation of a draft with its plan and instruction",
                      params=("code", "version", "seq"), errors=W)},
    "/routings/{code}/versions/{version}/operations/{seq}/plan": {"put": _op(
        "Replace the data collection plan of an operation of a draft", 200, "PlanIn", ("code", "version", "seq"),
        errors=W)},
    "/routings/{code}/versions/{version}/order": {"put": _op(
        "Reorder the operations of a draft (numbers kept)", 200, "OrderIn", ("code", "version"), errors=W)},
    "/products/{gtin}/boms": {"get": _op("List the product's BOM versions with their lines", params=("gtin",)),
                              **PATHS["/products/{gtin}/boms"]},
    "/products/{gtin}/boms/{version}/lines": {"post": _op(
        "Add a line to a draft BOM version", 201, "BomLineIn", ("gtin", "version"), errors=W)},
    "/products/{gtin}/boms/{version}/lines/{position}": {
        "put": _op("Replace a line of a draft BOM version", 200, "BomLineIn", ("gtin", "version", "position"),
                   errors=W),
        "delete": _op("Remove a line of a draft BOM version", params=("gtin", "version", "position"), errors=W)},
}
for _ops in PATHS.values():  # line positions are integers in the path
    for _param in (p for op in _ops.values() for p in op.get("parameters", ()) if p["name"] == "position"):
        _param["schema"] = INT
for _ops in PATHS.values():  # version numbers are integers in the path
    for _param in (p for op in _ops.values() for p in op.get("parameters", ()) if p["name"] == "version"):
        _param["schema"] = INT
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Technopolis MES production API", "version": "1",
             "description": "Work orders, units, operations, measurements, components, lots and genealogy. "
                            "Errors: {error: {code, message}}; Accept-Language: ru for Russian messages."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": SCHEMAS},
    "paths": PATHS,
}


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI document (public: it holds no data)."""
    return jsonify(DOCUMENT)


# Downtime report (web/api/downtime.py), and the signer's user name on quality signatures (§11.200(a)):
# added after DOCUMENT, which holds PATHS and SCHEMAS by reference.
PATHS["/downtime"] = {"get": _op(
    "Downtime per station and reason for a shift (?shift=&day=) or site-local dates (?from=&to=), default the "
    "shift running now; totals in Pareto order; 422 invalid_date, unknown_shift, unknown_downtime_reason",
    query=("shift", "day", "from", "to", "line", "station", "reason"), errors=(403, 422))}
for _schema in ("ReviewIn", "ReleaseIn", "DispositionIn"):
    SCHEMAS[_schema]["properties"]["username"] = {
        **STR, "description": "the signer's user name; checked against the token's user (both components)"}
