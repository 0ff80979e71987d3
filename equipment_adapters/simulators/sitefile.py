"""Read the `equipment:` section of a site file into DeviceSpecs, for standalone runs and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from equipment_adapters.tags import (
    DataType,
    DeviceSpec,
    ModbusAddress,
    ModbusTable,
    OpcUaAddress,
    OpcUaSecurity,
    Protocol,
    TagSpec,
)

# The MES validates site files with its own schema (mes/siteconfig); this reader stays minimal so the
# simulators need nothing from `mes`.


def load_equipment(path: str | Path) -> tuple[list[DeviceSpec], dict[str, dict[str, Any]]]:
    """DeviceSpecs of every machine with a `simulator:` block, and those blocks by equipment code."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entries = document["equipment"] if isinstance(document, dict) else document
    devices, sims = [], {}
    for entry in entries:
        if entry.get("simulator"):
            devices.append(device_from_entry(entry))
            sims[entry["code"]] = dict(entry["simulator"])
    return devices, sims


def device_from_entry(entry: dict[str, Any]) -> DeviceSpec:
    """One equipment entry of the site file as a DeviceSpec."""
    protocol = Protocol(entry["protocol"])
    return DeviceSpec(
        name=entry["code"],
        protocol=protocol,
        endpoint=str(entry["endpoint"]),
        tags=tuple(tag_from_entry(tag, protocol) for tag in entry["tags"]),
        unit_id=int(entry.get("unit_id", 1)),
        word_order=entry.get("word_order", "big"),
        security=OpcUaSecurity(**entry.get("security", {})),
    )


def tag_from_entry(tag: dict[str, Any], protocol: Protocol) -> TagSpec:
    """One tag entry as a TagSpec."""
    modbus = opcua = None
    if protocol is Protocol.MODBUS_TCP:
        modbus = ModbusAddress(ModbusTable(tag["table"]), int(tag["address"]), tag.get("unit_id"),
                               int(tag.get("length", 1)), tag.get("bit"))
    else:
        opcua = OpcUaAddress(tag["namespace_uri"], tag["identifier"])
    return TagSpec(name=tag["name"], data_type=DataType(tag["type"]), modbus=modbus, opcua=opcua,
                   gain=float(tag.get("gain", 1.0)), offset=float(tag.get("offset", 0.0)),
                   unit=tag.get("unit", ""), writable=bool(tag.get("writable", False)))
