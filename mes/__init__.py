"""mes package."""
