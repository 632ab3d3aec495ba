"""The dialog suite runs on both backends: SQLite and PostgreSQL (skipped, with the reason,
where no PostgreSQL server is reachable: tests/pg.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
