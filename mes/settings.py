"""Settings: environment variables (MES_*) over built-in defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SITE_FILE = PROJECT_ROOT / "config" / "demo-site.yaml"


def _default_database_url() -> str:
    var_dir = Path(os.environ.get("MES_VAR_DIR", PROJECT_ROOT / "var"))
    return f"sqlite:///{var_dir / 'mes.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Process-wide settings; read once at start-up, passed to whatever needs them."""

    database_url: str = field(default_factory=_default_database_url)
    site_file: Path = DEFAULT_SITE_FILE
    host: str = "127.0.0.1"
    port: int = 5000
    log_level: str = "INFO"
    secret_key: str | None = None
    timezone: str = "Europe/Moscow"
    simulator_control_port: int = 15099
    shift_starts: str = "06:00,14:00,22:00"  # site local time; OEE on the line page is per shift

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from MES_* variables; unset ones keep their defaults."""
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            database_url=env.get("MES_DATABASE_URL", defaults.database_url),
            site_file=Path(env.get("MES_SITE_FILE", defaults.site_file)),
            host=env.get("MES_HOST", defaults.host),
            port=int(env.get("MES_PORT", defaults.port)),
            log_level=env.get("MES_LOG_LEVEL", defaults.log_level).upper(),
            secret_key=env.get("MES_SECRET_KEY"),
            timezone=env.get("MES_TIMEZONE", defaults.timezone),
            simulator_control_port=int(
                env.get("MES_SIMULATOR_CONTROL_PORT", defaults.simulator_control_port)
            ),
            shift_starts=env.get("MES_SHIFT_STARTS", defaults.shift_starts),
        )
