"""The edge runtime: owns one line's equipment adapters and writes what they see to the database."""
