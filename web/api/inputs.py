"""Reading JSON request bodies: wrong shapes and types become 400/422 errors, never a 500."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import request

from mes.domain.errors import DomainError
from mes.production.errors import InvalidInput


class BadJson(DomainError):
    code = "bad_json"
    kind = "bad_request"
    message_en = "The request body must be a JSON object"
    message_ru = "Тело запроса должно быть JSON-объектом"


def body() -> dict[str, Any]:
    """The JSON object sent; an empty body counts as {}."""
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadJson()
    return data


def text(data: dict[str, Any], name: str, required: bool = True, max_len: int = 200) -> str | None:
    """A string field."""
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"{name} is required")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise InvalidInput(f"{name} must be a non-empty string of at most {max_len} characters")
    return value.strip()


def integer(data: dict[str, Any], name: str, required: bool = True) -> int | None:
    """An integer field (booleans are not integers here)."""
    value = data.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be an integer")
    return value


def decimal(data: dict[str, Any], name: str, required: bool = True) -> Decimal | None:
    """A quantity: a JSON number or a decimal string."""
    value = data.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{name} must be a number")
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidInput(f"{name} must be a number") from exc
    if not result.is_finite():
        raise InvalidInput(f"{name} must be a finite number")
    return result


def iso_date(data: dict[str, Any], name: str) -> date | None:
    """An optional YYYY-MM-DD date."""
    value = data.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _fail(name)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a date YYYY-MM-DD") from exc


def boolean(data: dict[str, Any], name: str, default: bool = False) -> bool:
    """An optional true/false."""
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false")
    return value


def _fail(name: str) -> date:
    raise InvalidInput(f"{name} must be a date YYYY-MM-DD")
