"""Russian text of the terminal screens (English is the key)."""

RUSSIAN: dict[str, str] = {
}
