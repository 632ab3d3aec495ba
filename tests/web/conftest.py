"""The web console's fixtures: a test client on the app of tests/conftest.py. The suite runs
on both backends, SQLite and PostgreSQL (skipped, with the reason, where no PostgreSQL
server is reachable: tests/pg.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from bot.app import App
from tests.chat import RecordingSender
from tests.web.helpers import client_for


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def client(app: App, sender: RecordingSender) -> AsyncIterator[TestClient[object, object]]:
    web = await client_for(app)
    yield web
    await web.close()
