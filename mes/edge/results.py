"""A result block as the PLC publishes it (docs/plc-handshakes.md §a), and reading it in one request."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from equipment_adapters.base import EquipmentAdapter, TagValue
from equipment_adapters.tags import DeviceSpec

HANDSHAKE = ("result_ready", "result_seq", "result_status", "result_serial", "result_cycle_time")
NOT_MEASUREMENTS = frozenset({*HANDSHAKE, "result_ack"})
PASS = 1


class IncompleteResult(Exception):
    """The block read is not a published result (ready dropped, sequence moved, a value not good)."""


@dataclass(frozen=True)
class ResultValue:
    """One result_* value with its engineering unit; strings go to `text`."""

    name: str
    value: float | None
    text: str | None
    unit: str


@dataclass(frozen=True)
class ResultBlock:
    """Everything the edge records for one result; serialisable for the spool."""

    equipment_id: int
    equipment_code: str
    sequence: int
    serial: str
    status_code: int
    cycle_time_s: float | None
    received_at: datetime
    source_timestamp: datetime | None
    values: tuple[ResultValue, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """result_status 1 is pass; anything else is not."""
        return self.status_code == PASS

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps as ISO 8601 with offset)."""
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat()
        data["source_timestamp"] = self.source_timestamp.isoformat() if self.source_timestamp else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResultBlock:
        """The block back from to_json()."""
        source = data["source_timestamp"]
        return cls(**{**data, "received_at": datetime.fromisoformat(data["received_at"]),
                      "source_timestamp": datetime.fromisoformat(source) if source else None,
                      "values": tuple(ResultValue(**v) for v in data["values"])})


def measurement_tags(spec: DeviceSpec) -> list[str]:
    """The result_* tags that are measurements (not the handshake), in tag-map order."""
    return [t.name for t in spec.tags if t.name.startswith("result_") and t.name not in NOT_MEASUREMENTS]


def block_tags(spec: DeviceSpec) -> list[str]:
    """Every tag of the result block: flag and sequence included, so one read sees one consistent block."""
    return [name for name in HANDSHAKE if _has(spec, name)] + measurement_tags(spec)


async def read_block(adapter: EquipmentAdapter, equipment_id: int, expected_seq: int) -> ResultBlock:
    """Read the published result `expected_seq`; IncompleteResult when the PLC is not showing it now."""
    block = parse_block(adapter.device, equipment_id, await adapter.read(block_tags(adapter.device)))
    if block is None or block.sequence != expected_seq:
        raise IncompleteResult(f"{adapter.device.name}: result {expected_seq} no longer published")
    return block


def parse_block(spec: DeviceSpec, equipment_id: int, tags: dict[str, TagValue]) -> ResultBlock | None:
    """The published result in a read of block_tags(); None when result_ready is not 1.

    IncompleteResult when a value of a published block is not good.
    """
    ready, seq = tags["result_ready"], tags["result_seq"]
    if not (ready.is_good and ready.value == 1 and seq.is_good and seq.value):
        return None
    bad = [name for name, v in tags.items() if not v.is_good]
    if bad:
        raise IncompleteResult(f"{spec.name}: values not good: {', '.join(bad)}")
    return _block(spec, equipment_id, tags)


def _block(spec: DeviceSpec, equipment_id: int, tags: dict[str, TagValue]) -> ResultBlock:
    seq = tags["result_seq"]
    cycle = tags.get("result_cycle_time")
    return ResultBlock(
        equipment_id=equipment_id,
        equipment_code=spec.name,
        sequence=int(seq.value),  # type: ignore[arg-type]
        serial=str(tags["result_serial"].value or "").strip(),
        status_code=int(tags["result_status"].value or 0),
        cycle_time_s=float(cycle.value) if cycle is not None and cycle.value is not None else None,
        received_at=seq.received_at,
        source_timestamp=seq.source_timestamp,
        values=tuple(_value(spec, tags[name]) for name in measurement_tags(spec)),
    )


def _value(spec: DeviceSpec, tag: TagValue) -> ResultValue:
    unit = spec.tag(tag.name).unit
    if isinstance(tag.value, str):
        return ResultValue(tag.name, None, tag.value[:200], unit)
    return ResultValue(tag.name, None if tag.value is None else float(tag.value), None, unit)


def _has(spec: DeviceSpec, name: str) -> bool:
    return any(t.name == name for t in spec.tags)
