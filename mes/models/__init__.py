"""The one model layer: SQLAlchemy 2 typed declarative models."""

from mes.models.base import Base, UTCDateTime, utcnow
from mes.models.compliance import Alert, AuditEvent, ElectronicSignature, Override
from mes.models.edge import MachineResult, MachineResultValue
from mes.models.masterdata import Recipe, RecipeParameter, RecipeVersion
from mes.models.people import Qualification, User
from mes.models.plant import Area, Equipment, EquipmentStatus, Line, Site, StateChange, Station
from mes.models.product import Brand, Product, Routing, RoutingOperation
from mes.models.production import (
    Bom,
    BomLine,
    ComponentConsumption,
    MaterialLot,
    Measurement,
    MeasurementSpec,
    Nonconformance,
    NumberCounter,
    OperationRecord,
    Unit,
    WorkOrder,
)
from mes.models.quality import BatchRelease, ExceptionReview, Hold, NonconformanceNote
from mes.models.station_job import StationJob
from mes.models.terminal import DowntimeEvent, InstructionDocument, Terminal, WorkInstruction
from mes.models.tokens import ApiToken

__all__ = [
    "Alert",
    "ApiToken",
    "Area",
    "AuditEvent",
    "Base",
    "BatchRelease",
    "Bom",
    "BomLine",
    "Brand",
    "ComponentConsumption",
    "DowntimeEvent",
    "ElectronicSignature",
    "Equipment",
    "EquipmentStatus",
    "ExceptionReview",
    "Hold",
    "InstructionDocument",
    "Line",
    "MachineResult",
    "MachineResultValue",
    "MaterialLot",
    "Measurement",
    "MeasurementSpec",
    "Nonconformance",
    "NonconformanceNote",
    "NumberCounter",
    "OperationRecord",
    "Override",
    "Product",
    "Qualification",
    "Recipe",
    "RecipeParameter",
    "RecipeVersion",
    "Routing",
    "RoutingOperation",
    "Site",
    "StateChange",
    "Station",
    "StationJob",
    "Terminal",
    "UTCDateTime",
    "Unit",
    "User",
    "WorkInstruction",
    "WorkOrder",
    "utcnow",
]
