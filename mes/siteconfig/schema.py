"""The site file's schema: an ISA-95 hierarchy, its equipment, brands, products and routings."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from equipment_adapters.tags import DataType, ModbusTable, Protocol
from mes.domain.gs1 import gtin_check_digit_ok
from mes.domain.shifts import Shift

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a site file must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TagConfig(Strict):
    """One tag of an equipment's tag map (Modbus or OPC UA addressing)."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    type: DataType
    table: ModbusTable | None = None
    address: Annotated[int, Field(ge=0, le=65535)] | None = None
    unit_id: Annotated[int, Field(ge=0, le=255)] | None = None
    length: Annotated[int, Field(ge=1, le=125)] = 1
    bit: Annotated[int, Field(ge=0, le=15)] | None = None
    namespace_uri: str | None = None
    identifier: Annotated[str, Field(pattern=r"^(s|i|g|b)=.+$")] | None = None
    gain: float = 1.0
    offset: float = 0.0
    unit: str = ""
    writable: bool = False
    sampling_interval_ms: Annotated[float, Field(ge=0)] | None = None
    queue_size: Annotated[int, Field(ge=1, le=10000)] = 1
    deadband: Annotated[float, Field(ge=0)] = 0.0

    @model_validator(mode="after")
    def _bit_needs_bit_number(self) -> TagConfig:
        if self.type is DataType.BIT and self.bit is None:
            raise ValueError("a 'bit' tag needs 'bit' (0..15)")
        return self


class SecurityConfig(Strict):
    """OPC UA session security (see docs/equipment-adapters.md); secrets belong in files, not here."""

    policy: Literal["None", "Basic256Sha256"] = "None"
    mode: Literal["None", "Sign", "SignAndEncrypt"] = "None"
    certificate: str | None = None
    private_key: str | None = None
    private_key_password: str | None = None
    server_certificate: str | None = None
    application_uri: str | None = None
    username: str | None = None
    password: str | None = None

    @model_validator(mode="after")
    def _policy_and_mode_agree(self) -> SecurityConfig:
        if (self.policy == "None") != (self.mode == "None"):
            raise ValueError("security 'policy' and 'mode' must both be None or both be set")
        if self.policy != "None" and not (self.certificate and self.private_key):
            raise ValueError("a security policy needs the client 'certificate' and 'private_key'")
        return self


class EquipmentConfig(Strict):
    """A machine: protocol, endpoint, tag map and (for the demo) its simulator."""

    code: Code
    name: str
    protocol: Protocol
    endpoint: str
    unit_id: Annotated[int, Field(ge=0, le=255)] = 1
    word_order: Literal["big", "little"] = "big"
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 1.0
    poll_interval_s: Annotated[float, Field(gt=0, le=3600)] = 0.5
    max_read_gap: Annotated[int, Field(ge=0, le=124)] = 0
    # Nameplate minimum seconds per unit (not the average): the Performance factor of OEE needs it.
    ideal_cycle_time_s: Annotated[float, Field(gt=0, le=86400)] | None = None
    calibration_due: date | None = None
    security: SecurityConfig = Field(default_factory=lambda: SecurityConfig())
    simulator: dict[str, Any] | None = None
    tags: list[TagConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _addresses_fit_the_protocol(self) -> EquipmentConfig:
        if self.protocol is Protocol.MODBUS_TCP:
            if not re.fullmatch(r"[^:\s]+:\d{1,5}", self.endpoint):
                raise ValueError(f"Modbus endpoint must be host:port, got {self.endpoint!r}")
            missing = [t.name for t in self.tags if t.table is None or t.address is None]
            if missing:
                raise ValueError(f"Modbus tags need 'table' and 'address': {', '.join(missing)}")
        else:
            if not self.endpoint.startswith("opc.tcp://"):
                raise ValueError(f"OPC UA endpoint must start with opc.tcp://, got {self.endpoint!r}")
            missing = [t.name for t in self.tags if not (t.namespace_uri and t.identifier)]
            if missing:
                raise ValueError(f"OPC UA tags need 'namespace_uri' and 'identifier': {', '.join(missing)}")
        names = [t.name for t in self.tags]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"tag names repeat: {', '.join(duplicates)}")
        return self


class StationConfig(Strict):
    """A station of a line and the equipment code that serves it."""

    code: Code
    name: str
    station_type: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    equipment: Code | None = None


class LineConfig(Strict):
    """A production line with its stations in flow order."""

    code: Code
    name: str
    stations: list[StationConfig] = Field(min_length=1)


class AreaConfig(Strict):
    """An area of the site."""

    code: Code
    name: str
    lines: list[LineConfig] = Field(min_length=1)


class SiteInfo(Strict):
    """The site itself."""

    code: Code
    name: str
    timezone: str = "Europe/Moscow"
    areas: list[AreaConfig] = Field(min_length=1)


class RegistrationCertificate(Strict):
    """A Roszdravnadzor registration certificate (РУ)."""

    number: str
    date: date


class ProductConfig(Strict):
    """A device model, identified by its GTIN."""

    gtin: Annotated[str, Field(pattern=r"^\d{14}$")]
    model: str
    revision: str
    registration_certificate: RegistrationCertificate | None = None
    routing: Code

    @field_validator("gtin")
    @classmethod
    def _check_digit(cls, gtin: str) -> str:
        if not gtin_check_digit_ok(gtin):
            raise ValueError(f"GTIN {gtin} has a wrong check digit")
        return gtin


class BrandConfig(Strict):
    """A brand with its GS1 prefix, numbering schemes and products."""

    code: Code
    name: str
    gs1_company_prefix: Annotated[str, Field(pattern=r"^\d{6,12}$")]
    serial_scheme: str
    lot_scheme: str
    label_template_set: str
    products: list[ProductConfig] = Field(default_factory=list)


class OperationConfig(Strict):
    """One operation of a routing."""

    seq: Annotated[int, Field(ge=1)]
    name: str
    station_type: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class RoutingConfig(Strict):
    """A version of a routing."""

    code: Code
    version: Annotated[int, Field(ge=1)]
    operations: list[OperationConfig] = Field(min_length=1)

    @field_validator("operations")
    @classmethod
    def _ascending(cls, operations: list[OperationConfig]) -> list[OperationConfig]:
        seqs = [op.seq for op in operations]
        if seqs != sorted(set(seqs)):
            raise ValueError("operation 'seq' numbers must be unique and ascending")
        return operations


class UserConfig(Strict):
    """A demo user (the password comes from the seeding command, never from the file)."""

    username: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.\-]*$")]
    display_name: str
    role: Literal["operator", "line_lead", "quality_engineer", "process_engineer", "administrator"]
    language: Literal["ru", "en"] = "ru"


class ShiftConfig(Strict):
    """A shift: it starts at `start` (site local time, HH:MM) and runs until the next shift starts."""

    code: Annotated[str, Field(min_length=1, max_length=10, pattern=r"^[A-Za-z0-9]+$")]
    name: Annotated[str, Field(min_length=1, max_length=60)]
    start: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


DEFAULT_SHIFTS = [ShiftConfig(code="1", name="Shift 1", start="06:00"),
                  ShiftConfig(code="2", name="Shift 2", start="14:00"),
                  ShiftConfig(code="3", name="Shift 3", start="22:00")]


class SiteConfig(Strict):
    """A whole site file."""

    site: SiteInfo
    # OEE and the downtime report are per shift; without this section: 3 × 8 h from 06:00 local time.
    shifts: list[ShiftConfig] = Field(default_factory=lambda: list(DEFAULT_SHIFTS), min_length=1, max_length=12)
    equipment: list[EquipmentConfig] = Field(default_factory=list)
    brands: list[BrandConfig] = Field(default_factory=list)
    routings: list[RoutingConfig] = Field(default_factory=list)
    users: list[UserConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> SiteConfig:
        equipment = {e.code for e in self.equipment}
        routings = {r.code for r in self.routings}
        for area in self.site.areas:
            for line in area.lines:
                for station in line.stations:
                    if station.equipment and station.equipment not in equipment:
                        raise ValueError(
                            f"station {station.code} names equipment {station.equipment!r}, "
                            "which is not under 'equipment'"
                        )
        for brand in self.brands:
            for product in brand.products:
                if product.routing not in routings:
                    raise ValueError(
                        f"product {product.gtin} names routing {product.routing!r}, "
                        "which is not under 'routings'"
                    )
        return self

    @field_validator("shifts")
    @classmethod
    def _shifts_distinct(cls, shifts: list[ShiftConfig]) -> list[ShiftConfig]:
        for attribute in ("code", "start"):
            values = [getattr(s, attribute) for s in shifts]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"shift {attribute}s repeat: {', '.join(repeated)}")
        return shifts

    def shift_calendar(self) -> tuple[Shift, ...]:
        """The shifts in time order, as the OEE and downtime services take them."""
        return tuple(sorted((Shift(s.code, s.name, time.fromisoformat(s.start)) for s in self.shifts),
                            key=lambda s: s.start))

    def lines(self) -> list[LineConfig]:
        """Every line of the site, in file order."""
        return [line for area in self.site.areas for line in area.lines]

    def equipment_for_line(self, line_code: str) -> list[EquipmentConfig]:
        """The equipment serving the stations of one line."""
        by_code = {e.code: e for e in self.equipment}
        for line in self.lines():
            if line.code == line_code:
                return [by_code[s.equipment] for s in line.stations if s.equipment]
        raise KeyError(f"no line {line_code!r} in the site file")
