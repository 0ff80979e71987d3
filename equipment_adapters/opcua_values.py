"""OPC UA value rules that need no library: quality from StatusCode, wire types, raw coercion."""

from __future__ import annotations

from datetime import UTC, datetime

from equipment_adapters.base import Quality
from equipment_adapters.codecs import checked_int
from equipment_adapters.tags import DataType

SEVERITY_MASK = 0xC0000000
SEVERITY_UNCERTAIN = 0x40000000
BAD_NO_COMMUNICATION = 0x80310000

# Names of asyncua's ua.VariantType members, so this module stays free of the library.
VARIANT_TYPE = {
    DataType.BOOL: "Boolean",
    DataType.INT16: "Int16",
    DataType.UINT16: "UInt16",
    DataType.INT32: "Int32",
    DataType.UINT32: "UInt32",
    DataType.FLOAT32: "Float",
    DataType.FLOAT64: "Double",
    DataType.STRING: "String",
}

# Status codes meaning "we were refused", not "the server is away": retrying will not help.
ACCESS_DENIED_NAMES = frozenset({
    "BadUserAccessDenied",
    "BadIdentityTokenInvalid",
    "BadIdentityTokenRejected",
    "BadSecurityChecksFailed",
    "BadSecurityPolicyRejected",
    "BadSecurityModeRejected",
    "BadCertificateInvalid",
    "BadCertificateUntrusted",
    "BadCertificateUriInvalid",
    "BadCertificateHostNameInvalid",
    "BadCertificateTimeInvalid",
    "BadCertificateRevoked",
})


def quality_from_status(status_code: int) -> Quality:
    """Good / Uncertain / Bad from the two severity bits; reserved 0b11 counts as Bad."""
    severity = status_code & SEVERITY_MASK
    if severity == 0:
        return Quality.GOOD
    if severity == SEVERITY_UNCERTAIN:
        return Quality.UNCERTAIN
    return Quality.BAD


def as_utc(moment: datetime | None) -> datetime | None:
    """Timestamps from servers are UTC; make naive ones say so."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def coerce_raw(data_type: DataType, raw: float | int | bool | str) -> float | int | bool | str:
    """The Python value for a typed Variant; ValueError when it does not fit the type."""
    if data_type is DataType.STRING:
        if not isinstance(raw, str):
            raise ValueError(f"string tag needs text, got {raw!r}")
        return raw
    if isinstance(raw, str):
        raise ValueError(f"{data_type} tag needs a number, got {raw!r}")
    if data_type is DataType.BOOL:
        return bool(raw)
    if data_type in (DataType.FLOAT32, DataType.FLOAT64):
        return float(raw)
    return checked_int(data_type, raw)
