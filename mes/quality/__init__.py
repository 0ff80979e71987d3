"""Quality records: nonconformances, holds, review by exception and batch release (ISO 13485 §7.5, §8.3)."""
