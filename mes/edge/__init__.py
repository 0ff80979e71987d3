"""The edge runtime: owns one line's equipment adapters and writes what they see to the database."""

# Registers the state-history hook that closes a station's open stop when its machine returns to Execute.
from mes.edge import state_history as _state_history  # noqa: F401
