"""Equipment adapters: one small interface to Modbus TCP and OPC UA machines."""

from __future__ import annotations

from typing import Any

from equipment_adapters.base import EquipmentAdapter
from equipment_adapters.tags import DeviceSpec, Protocol

__all__ = ["create_adapter"]


def create_adapter(device: DeviceSpec, **options: Any) -> EquipmentAdapter:
    """The adapter for the device's protocol; options (backoff=, supervise=) go to its constructor."""
    # Imported here so a site with only Modbus machines never loads asyncua, and vice versa.
    if device.protocol == Protocol.MODBUS_TCP:
        from equipment_adapters.modbus import ModbusTcpAdapter

        return ModbusTcpAdapter(device, **options)
    if device.protocol == Protocol.OPC_UA:
        from equipment_adapters.opcua import OpcUaAdapter

        return OpcUaAdapter(device, **options)
    raise ValueError(f"device {device.name!r}: no adapter for protocol {device.protocol!r}")
