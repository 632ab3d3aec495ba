"""The web console's fixtures: a test client on the app of tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from bot.app import App
from tests.chat import RecordingSender
from tests.web.helpers import client_for


@pytest.fixture
async def client(app: App, sender: RecordingSender) -> AsyncIterator[TestClient[object, object]]:
    web = await client_for(app)
    yield web
    await web.close()
