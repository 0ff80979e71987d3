"""Russian text of the quality screens (English is the key)."""

RUSSIAN: dict[str, str] = {
}
