"""In-process: an aiogram session that calls the fake directly (no HTTP), file downloads
included."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientResponseError, RequestInfo
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from tests.fake_telegram.bot_api import FakeTelegram
from tests.fake_telegram.records import ApiError, FileUpload, attach


class RecordingSession(BaseSession):
    """aiogram's Bot talks to `fake` without HTTP; responses go through aiogram's own
    response checking, so errors become the real aiogram exceptions."""

    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__()
        self.fake = fake

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:  # noqa: ASYNC109
        params: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            value = self.prepare_value(value, bot=bot, files=files)
            if value:
                params[key] = value
        uploads = {}
        for name, value in files.items():  # InputFiles, as aiogram's multipart carries them
            data = b"".join([chunk async for chunk in value.read(bot)])
            uploads[name] = FileUpload(value.filename or name, data)
        try:
            result = await self.fake.call(method.__api_method__, attach(params, uploads))
            body, status = {"ok": True, "result": result}, 200
        except ApiError as exc:
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            status = exc.code
        response = self.check_response(bot=bot, method=method, status_code=status,
                                       content=json.dumps(body))
        return cast(TelegramType, response.result)

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None,
                             timeout: int = 30, chunk_size: int = 65536,  # noqa: ASYNC109
                             raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        """A file download (/file/bot<token>/<file_path>) from the fake; a path it has not
        is a 404, raised as aiohttp raises it."""
        _, _, rest = url.partition("/file/bot")
        data = self.fake.download(rest.partition("/")[2])
        if data is None:
            if raise_for_status:
                raise ClientResponseError(
                    RequestInfo(URL(url), "GET", CIMultiDictProxy(CIMultiDict()), URL(url)),
                    (), status=404, message="Not Found")
            return
        for start in range(0, len(data), chunk_size):
            yield data[start:start + chunk_size]

    async def close(self) -> None:
        return None


def recording_session(fake: FakeTelegram) -> RecordingSession:
    return RecordingSession(fake)
