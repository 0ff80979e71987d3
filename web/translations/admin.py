"""Russian text of the admin screens (English is the key)."""

RUSSIAN: dict[str, str] = {
}
