"""Logging: one line per event with a UTC timestamp, the level and the component."""

from __future__ import annotations

import logging
import sys
import time

LOG_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)-7s %(name)s: %(message)s"


def configure_logging(level: str = "INFO", component: str | None = None) -> None:
    """Send every log record to stderr, one line each, timestamps in UTC."""
    formatter = logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime  # UTC, whatever the machine's zone
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter at INFO drowns the events an operator needs to see.
    for noisy in ("asyncua", "pymodbus", "waitress", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # Only the PLC simulators run an OPC UA server here; their "no security policy" notice is by design.
    logging.getLogger("asyncua.server.server").setLevel(max(logging.ERROR, root.level))
    if component:
        logging.getLogger("mes").info("%s starting (log level %s)", component, level)
