from __future__ import annotations

import pytest

from sim.territory.catchment import Territory


@pytest.fixture(scope="session")
def territory() -> Territory:
    return Territory.load()
