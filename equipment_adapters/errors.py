"""Typed equipment errors: each carries the device and the address that failed."""

from __future__ import annotations


class EquipmentError(Exception):
    """A device could not do what was asked; never returned as None."""

    def __init__(self, device: str, address: str, message: str) -> None:
        super().__init__(f"{device} [{address}]: {message}")
        self.device = device
        self.address = address
        self.message = message


class DeviceUnavailable(EquipmentError):
    """The connection is down or could not be made."""


class AccessDenied(DeviceUnavailable):
    """The device refused our identity: wrong user/password, untrusted certificate, policy rejected."""


class DeviceTimeout(EquipmentError):
    """The device did not answer within the timeout."""


class ModbusExceptionResponse(EquipmentError):
    """The Modbus device answered with an exception code (01 illegal function, 02 address, …)."""

    def __init__(self, device: str, address: str, exception_code: int) -> None:
        super().__init__(device, address, f"Modbus exception {exception_code:#04x}")
        self.exception_code = exception_code


class BadStatus(EquipmentError):
    """The OPC UA server answered with a Bad status code."""

    def __init__(self, device: str, address: str, status_code: int, name: str = "") -> None:
        super().__init__(device, address, f"status {name or hex(status_code)}")
        self.status_code = status_code


class WriteVerifyError(EquipmentError):
    """A value read back after a write differs from the value written."""


class TagConfigError(EquipmentError):
    """The tag map does not allow the operation (unknown tag, read-only tag, bad type)."""
