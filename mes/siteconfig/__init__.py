"""Site files: schema, loading with file/line/field errors, conversion to device specs."""

from mes.siteconfig.loader import ConfigProblem, SiteConfigError, load_site_config, parse_site_config
from mes.siteconfig.schema import SiteConfig

__all__ = ["ConfigProblem", "SiteConfig", "SiteConfigError", "load_site_config", "parse_site_config"]
