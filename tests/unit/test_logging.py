"""Log lines: one per event, with a UTC timestamp, the level and the component."""

import logging
import re
import subprocess
import sys


def test_a_log_event_is_one_line_with_utc_time_level_and_component():
    code = (
        "import logging, os, time\n"
        "os.environ['TZ'] = 'Asia/Vladivostok'; time.tzset()\n"
        "from mes.logs import configure_logging\n"
        "configure_logging('INFO')\n"
        "logging.getLogger('mes.edge').warning('station %s offline', 'SCR01')\n"
        "logging.getLogger('mes.edge').debug('not shown at INFO')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT(\d\d):\d\d:\d\d\.\d{3}Z) WARNING mes\.edge: station SCR01 offline",
                         lines[0])
    assert match, lines[0]
    utc_hour = int(subprocess.run(["date", "-u", "+%H"], capture_output=True, text=True).stdout)
    assert int(match.group(2)) in {utc_hour, (utc_hour - 1) % 24}  # UTC, not the process's zone


def test_library_chatter_is_held_back_at_info():
    from mes.logs import configure_logging

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        assert not logging.getLogger("asyncua").isEnabledFor(logging.INFO)
        assert logging.getLogger("mes").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
