"""equipment_adapters package."""
