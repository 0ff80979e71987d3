"""equipment_adapters/simulators package."""
