"""Webhook mode: the aiohttp app checks Telegram's secret-token header, then handles."""

from __future__ import annotations

from aiogram import Bot
from aiohttp.test_utils import TestClient, TestServer

from bot.app import telegram_transport
from tests.fake_telegram import FakeTelegram, recording_session

SECRET = "s3cret_token-1"


async def test_webhook_refuses_wrong_secret_and_handles_right_one(app) -> None:
    fake = FakeTelegram()
    transport = telegram_transport(app, bot=Bot("123:TEST", session=recording_session(fake)))
    transport.webhook_secret = SECRET
    update = fake.message(1001, 1001, "/start")
    path = app.settings.telegram_webhook_path
    async with TestClient(TestServer(transport.webhook_app(), host="127.0.0.1")) as client:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            response = await client.post(path, json=update, headers=headers)
            assert response.status == 401
        assert fake.to(1001) == []

        response = await client.post(path, json=update,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert response.status == 200
        async with app.db.unit() as repos:  # handled (its replies queued) before the response
            assert await repos.outbox.unsent_of_chat("telegram", "1001")

        # Unreadable: 200 all the same (Telegram would resend it for ever), kept for operators
        response = await client.post(path, data=b"not json",
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert response.status == 200
        async with app.db.unit() as repos:
            [letter] = await repos.dead_letters.recent()
        assert letter.raw == "not json" and letter.reason.startswith("not_json")
    await transport.close()


async def test_webhook_mode_start_sets_the_webhook_with_secret(app) -> None:
    fake = FakeTelegram()
    transport = telegram_transport(app, bot=Bot("123:TEST", session=recording_session(fake)))
    transport.webhook_url, transport.webhook_secret = "https://bot.example.org/tg", SECRET
    await transport.start()
    call = fake.calls_of("setWebhook")[-1]
    assert call.params["url"] == "https://bot.example.org/tg"
    assert call.params["secret_token"] == SECRET
    assert fake.calls_of("deleteWebhook") == []
    await transport.close()
