"""The seeded demo site with the production master data installed."""

import pytest

from tests.support.production import install


@pytest.fixture
def plant(seeded):
    """Sessions on the demo site, ready to produce the PM-100."""
    install(seeded)
    return seeded
