"""The optional ideal cycle time of a machine, which OEE's performance factor needs."""

from pathlib import Path

import pytest

from mes.settings import DEFAULT_SITE_FILE
from mes.siteconfig import SiteConfigError, load_site_config, parse_site_config

DEMO_TEXT = DEFAULT_SITE_FILE.read_text(encoding="utf-8")


def test_every_demo_machine_names_its_ideal_cycle_time():
    assert all(e.ideal_cycle_time_s for e in load_site_config(DEFAULT_SITE_FILE).equipment)


def test_a_machine_may_leave_its_ideal_cycle_time_out():
    text = DEMO_TEXT.replace("    ideal_cycle_time_s: 3.5  # nameplate minimum, for OEE\n", "")
    site = parse_site_config(text, Path("site.yaml"))
    assert next(e for e in site.equipment if e.code == "SCR01-SPINDLE").ideal_cycle_time_s is None


def test_a_zero_ideal_cycle_time_is_refused_with_its_field_named():
    text = DEMO_TEXT.replace("ideal_cycle_time_s: 3.5", "ideal_cycle_time_s: 0")
    with pytest.raises(SiteConfigError) as caught:
        parse_site_config(text, Path("site.yaml"))
    assert [p.field for p in caught.value.problems] == ["equipment[0].ideal_cycle_time_s"]
