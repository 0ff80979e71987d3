"""Batch operation completions for the ERP and the edge: many units in one request, a result per item."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from mes.domain.errors import DomainError
from mes.production.completions import MAX_BATCH, CompletionOutcome, CompletionRequest, ComponentScan
from mes.production.completions import complete_operations as complete_all
from mes.production.errors import InvalidInput
from mes.production.measurements import parse_measurement
from mes.security.permissions import Permission
from web.api import STATUS, bp, language
from web.api.inputs import body, boolean, decimal, integer, text
from web.api.transaction import transaction
from web.permissions import requires


@bp.post("/operations/completions")
@requires(Permission.UNIT_OPERATE)
def complete_operations():  # type: ignore[no-untyped-def]
    """Complete {completions: [{serial, seq, station?, equipment?, scans?, measurements?, failed?}]} (at most
    MAX_BATCH): each item judged on its own; the valid ones are written in one transaction."""
    items = body().get("completions")
    if not isinstance(items, list) or not items:
        raise InvalidInput("completions must be a non-empty list")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} completions in one request")
    parsed: list[CompletionRequest | DomainError] = []
    for item in items:
        try:
            parsed.append(_request(item))
        except DomainError as exc:
            parsed.append(exc)
    requests = [p for p in parsed if isinstance(p, CompletionRequest)]
    with transaction() as s:
        outcomes = iter(complete_all(s, g.actor, requests))
        results = [_result(i, p if isinstance(p, DomainError) else next(outcomes)) for i, p in enumerate(parsed)]
    refused = sum(1 for r in results if not r["ok"])
    return jsonify(completed=len(results) - refused, refused=refused, results=results)


def _request(item: Any) -> CompletionRequest:
    """One item of the body as a request; InvalidInput names what is wrong with it."""
    if not isinstance(item, dict):
        raise InvalidInput("each completion must be an object")
    raw_scans, raw_values = item.get("scans", []), item.get("measurements", [])
    if not isinstance(raw_scans, list) or not isinstance(raw_values, list):
        raise InvalidInput("scans and measurements must be lists")
    return CompletionRequest(
        serial=text(item, "serial", max_len=40) or "", seq=integer(item, "seq") or 0,
        measurements=tuple(parse_measurement(raw) for raw in raw_values), failed=boolean(item, "failed"),
        station_code=text(item, "station", required=False, max_len=40),
        equipment_code=text(item, "equipment", required=False, max_len=60),
        scans=tuple(_scan(raw) for raw in raw_scans))


def _scan(raw: Any) -> ComponentScan:
    if isinstance(raw, str):
        raw = {"scan": raw}
    if not isinstance(raw, dict):
        raise InvalidInput("each scan must be a string or {scan, quantity?}")
    return ComponentScan(text(raw, "scan", max_len=200) or "", decimal(raw, "quantity", required=False))


def _result(index: int, outcome: CompletionOutcome | DomainError) -> dict[str, Any]:
    if isinstance(outcome, DomainError):
        return {"index": index, "ok": False, "error": _error(outcome)}
    request = outcome.request
    if outcome.error is not None:
        return {"index": index, "serial": request.serial, "seq": request.seq, "ok": False,
                "error": _error(outcome.error)}
    record = outcome.record
    assert record is not None
    return {"index": index, "serial": request.serial, "seq": request.seq, "ok": True,
            "operation": {"id": record.id, "result": record.result, "retest_count": record.retest_count}}


def _error(exc: DomainError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message(language()), "status": STATUS.get(exc.kind, 409)}
