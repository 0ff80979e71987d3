"""Turn validated equipment entries into the adapters' DeviceSpec."""

from __future__ import annotations

from typing import Any

from equipment_adapters.tags import (
    DeviceSpec,
    ModbusAddress,
    OpcUaAddress,
    OpcUaSecurity,
    Protocol,
    TagSpec,
)
from mes.siteconfig.schema import EquipmentConfig, TagConfig


def device_spec(equipment: EquipmentConfig) -> DeviceSpec:
    """The DeviceSpec the adapters and simulators use for one machine."""
    return DeviceSpec(
        name=equipment.code,
        protocol=equipment.protocol,
        endpoint=equipment.endpoint,
        tags=tuple(tag_spec(t, equipment.protocol) for t in equipment.tags),
        unit_id=equipment.unit_id,
        word_order=equipment.word_order,
        timeout_s=equipment.timeout_s,
        poll_interval_s=equipment.poll_interval_s,
        security=OpcUaSecurity(**equipment.security.model_dump()),
        max_read_gap=equipment.max_read_gap,
    )


def device_spec_from_row(code: str, protocol: str, endpoint: str, connection: dict[str, Any],
                         tag_map: list[dict[str, Any]]) -> DeviceSpec:
    """Rebuild a DeviceSpec from an equipment row (connection settings and tag map as stored)."""
    config = EquipmentConfig.model_validate(
        {"code": code, "name": code, "protocol": protocol, "endpoint": endpoint, "tags": tag_map,
         **connection}
    )
    return device_spec(config)


def tag_spec(tag: TagConfig, protocol: Protocol) -> TagSpec:
    """One tag of the site file as the adapters' TagSpec."""
    modbus = opcua = None
    if protocol is Protocol.MODBUS_TCP:
        assert tag.table is not None and tag.address is not None  # checked by the schema
        modbus = ModbusAddress(tag.table, tag.address, tag.unit_id, tag.length, tag.bit)
    else:
        assert tag.namespace_uri and tag.identifier
        opcua = OpcUaAddress(tag.namespace_uri, tag.identifier)
    return TagSpec(
        name=tag.name,
        data_type=tag.type,
        modbus=modbus,
        opcua=opcua,
        gain=tag.gain,
        offset=tag.offset,
        unit=tag.unit,
        writable=tag.writable,
        sampling_interval_ms=tag.sampling_interval_ms,
        queue_size=tag.queue_size,
        deadband=tag.deadband,
    )
