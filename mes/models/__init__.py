"""The one model layer: SQLAlchemy 2 typed declarative models."""

from mes.models.base import Base, UTCDateTime, utcnow
from mes.models.people import User
from mes.models.plant import Area, Equipment, EquipmentStatus, Line, Site, StateChange, Station
from mes.models.product import Brand, Product, Routing, RoutingOperation

__all__ = [
    "Area",
    "Base",
    "Brand",
    "Equipment",
    "EquipmentStatus",
    "Line",
    "Product",
    "Routing",
    "RoutingOperation",
    "Site",
    "StateChange",
    "Station",
    "UTCDateTime",
    "User",
    "utcnow",
]
