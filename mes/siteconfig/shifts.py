"""The shift calendar a process uses: the site file's `shifts` section, else the MES_SHIFT_STARTS setting."""

from __future__ import annotations

from pathlib import Path

from mes.domain.shifts import Shift, as_shifts, parse_shift_starts
from mes.siteconfig.loader import load_site_config


def shift_calendar(site_file: Path, fallback_starts: str) -> tuple[Shift, ...]:
    """The site file's shifts when it has a `shifts` section; else shifts starting at `fallback_starts`.

    A site file that exists but is invalid raises SiteConfigError (file, line, field), as `mes seed` does.
    """
    if site_file.is_file():
        config = load_site_config(site_file)
        if "shifts" in config.model_fields_set:
            return config.shift_calendar()
    return as_shifts(parse_shift_starts(fallback_starts))
