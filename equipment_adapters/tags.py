"""Tag maps: how a named machine value is addressed, typed and scaled on its device."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DataType(StrEnum):
    """Value types a tag can carry on the wire."""

    BOOL = "bool"
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    STRING = "string"  # Modbus: `length` registers, two characters each
    BIT = "bit"  # Modbus: bit `bit` (0..15) of a holding/input register


class ModbusTable(StrEnum):
    """The four Modbus data tables."""

    COIL = "coil"
    DISCRETE_INPUT = "discrete_input"
    HOLDING_REGISTER = "holding_register"
    INPUT_REGISTER = "input_register"


class Protocol(StrEnum):
    """Equipment protocols the adapters speak."""

    MODBUS_TCP = "modbus_tcp"
    OPC_UA = "opc_ua"


REGISTER_COUNT = {
    DataType.BOOL: 1,
    DataType.INT16: 1,
    DataType.UINT16: 1,
    DataType.BIT: 1,
    DataType.INT32: 2,
    DataType.UINT32: 2,
    DataType.FLOAT32: 2,
    DataType.FLOAT64: 4,
}


@dataclass(frozen=True, slots=True)
class ModbusAddress:
    """Where a tag lives on a Modbus device (protocol address, 0-based)."""

    table: ModbusTable
    address: int
    unit_id: int | None = None  # None: the device's unit id
    length: int = 1  # registers, for strings
    bit: int | None = None  # for DataType.BIT


@dataclass(frozen=True, slots=True)
class OpcUaAddress:
    """Where a tag lives on an OPC UA server: namespace URI + identifier ("s=…" or "i=…")."""

    namespace_uri: str
    identifier: str


@dataclass(frozen=True, slots=True)
class TagSpec:
    """One named value of a machine: address, type, scaling, unit and access."""

    name: str
    data_type: DataType
    modbus: ModbusAddress | None = None
    opcua: OpcUaAddress | None = None
    gain: float = 1.0
    offset: float = 0.0
    unit: str = ""
    writable: bool = False
    # OPC UA subscriptions only: per-item sampling (None: the subscription's interval), server-side
    # queue, and absolute deadband in raw units (0: report every change).
    sampling_interval_ms: float | None = None
    queue_size: int = 1
    deadband: float = 0.0

    def register_count(self) -> int:
        """How many 16-bit registers the tag occupies on a Modbus device."""
        if self.data_type is DataType.STRING:
            return self.modbus.length if self.modbus else 1
        return REGISTER_COUNT[self.data_type]

    def to_engineering(self, raw: float | int | bool | str) -> float | int | bool | str:
        """Apply gain and offset to a raw numeric value (strings and booleans pass through)."""
        if isinstance(raw, bool | str) or (self.gain == 1.0 and self.offset == 0.0):
            return raw
        return raw * self.gain + self.offset

    def to_raw(self, value: float | int | bool | str) -> float | int | bool | str:
        """Invert the scaling before a write; integer types are rounded."""
        if isinstance(value, bool | str) or (self.gain == 1.0 and self.offset == 0.0):
            return value
        raw = (value - self.offset) / self.gain
        if self.data_type in (DataType.FLOAT32, DataType.FLOAT64):
            return raw
        return round(raw)


@dataclass(frozen=True, slots=True)
class OpcUaSecurity:
    """OPC UA session security: policy, mode, certificates and user identity."""

    policy: str = "None"  # "None" or "Basic256Sha256"
    mode: str = "None"  # "None", "Sign", "SignAndEncrypt"
    certificate: str | None = None
    private_key: str | None = None
    server_certificate: str | None = None
    username: str | None = None
    password: str | None = None
    private_key_password: str | None = None
    application_uri: str | None = None  # None: taken from the client certificate's SAN URI


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """A machine as the adapters see it: protocol, endpoint and tag map."""

    name: str
    protocol: Protocol
    endpoint: str  # modbus: "host:port"; OPC UA: "opc.tcp://host:port/path"
    tags: tuple[TagSpec, ...] = ()
    unit_id: int = 1
    word_order: str = "big"  # "big" (ABCD) or "little" (CDAB); per device, never standardised
    timeout_s: float = 1.0
    poll_interval_s: float = 0.5
    security: OpcUaSecurity = field(default_factory=OpcUaSecurity)
    # Modbus: unused registers (or bits) a read may span to join two tags into one request.
    # 0 joins only touching tags: safe on devices whose register map has holes.
    max_read_gap: int = 0

    def tag(self, name: str) -> TagSpec:
        """The tag of that name; KeyError names the device when it is not in the map."""
        for tag in self.tags:
            if tag.name == name:
                return tag
        raise KeyError(f"device {self.name!r} has no tag {name!r}")
