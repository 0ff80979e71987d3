"""Settings of the edge runtime: MES_* environment variables over defaults."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from mes.settings import PROJECT_ROOT


def _var_dir(env: os._Environ[str] | dict[str, str]) -> Path:
    return Path(env.get("MES_VAR_DIR", PROJECT_ROOT / "var"))


@dataclass(frozen=True)
class EdgeSettings:
    """How one edge process captures results, answers interlocks and runs its periodic jobs."""

    edge_id: str = "edge"
    spool_dir: Path = PROJECT_ROOT / "var" / "spool"
    result_poll_s: float = 0.01  # result_ready polling where a result is due (mes.edge.cadence)
    result_slow_poll_s: float = 0.05  # ... and before it is due, or once the machine has stopped
    interlock_poll_s: float = 0.05  # interlock_request polling: well inside the 200 ms answer time
    interlock_check_timeout_s: float = 0.12  # a slow check answers NOK rather than letting the PLC time out
    db_timeout_s: float = 2.0  # a result write waiting longer than this goes to the spool
    replay_every_s: float = 1.0
    heartbeat_every_s: float = 60.0
    calibration_warn_days: int = 30
    master_data_every_s: float = 60.0  # how soon a changed calibration date reaches the interlock
    job_poll_s: float = 0.2  # station jobs: how often the edge looks for serials to write to load_serial
    job_send_timeout_s: float = 30.0  # a job whose serial cannot be written for this long fails
    job_result_timeout_s: float = 600.0  # a sent job with no result this long after sending fails
    # Level of the once-per-serial line for a result the MES cannot apply (unknown serial, not at this
    # step). WARNING on a real line; the demo, whose simulators invent serials, runs with INFO.
    unapplied_result_log_level: str = "WARNING"
    # gc.freeze() once the line is built (mes.edge.runtime.freeze_heap): `mes edge` does, an edge
    # embedded in a bigger process (the tests) need not freeze that process's heap.
    freeze_heap: bool = False

    @classmethod
    def from_env(cls, line_code: str, environ: dict[str, str] | None = None) -> EdgeSettings:
        """Settings for the edge of `line_code` from MES_EDGE_*, MES_SPOOL_DIR, MES_CALIBRATION_WARN_DAYS."""
        env = os.environ if environ is None else environ
        d = cls()
        return cls(
            edge_id=env.get("MES_EDGE_ID", f"edge-{line_code}@{socket.gethostname()}"),
            spool_dir=Path(env.get("MES_SPOOL_DIR", _var_dir(env) / "spool")),
            result_poll_s=float(env.get("MES_RESULT_POLL_S", d.result_poll_s)),
            result_slow_poll_s=float(env.get("MES_RESULT_SLOW_POLL_S", d.result_slow_poll_s)),
            interlock_poll_s=float(env.get("MES_INTERLOCK_POLL_S", d.interlock_poll_s)),
            interlock_check_timeout_s=float(env.get("MES_INTERLOCK_CHECK_TIMEOUT_S", d.interlock_check_timeout_s)),
            db_timeout_s=float(env.get("MES_EDGE_DB_TIMEOUT_S", d.db_timeout_s)),
            replay_every_s=float(env.get("MES_SPOOL_REPLAY_S", d.replay_every_s)),
            heartbeat_every_s=float(env.get("MES_EDGE_HEARTBEAT_S", d.heartbeat_every_s)),
            calibration_warn_days=int(env.get("MES_CALIBRATION_WARN_DAYS", d.calibration_warn_days)),
            master_data_every_s=float(env.get("MES_EDGE_MASTER_DATA_S", d.master_data_every_s)),
            job_poll_s=float(env.get("MES_STATION_JOB_POLL_S", d.job_poll_s)),
            job_send_timeout_s=float(env.get("MES_STATION_JOB_SEND_TIMEOUT_S", d.job_send_timeout_s)),
            job_result_timeout_s=float(env.get("MES_STATION_JOB_RESULT_TIMEOUT_S", d.job_result_timeout_s)),
            unapplied_result_log_level=env.get("MES_EDGE_UNAPPLIED_RESULT_LOG", d.unapplied_result_log_level).upper(),
            freeze_heap=env.get("MES_EDGE_FREEZE_HEAP", "1") != "0",
        )
