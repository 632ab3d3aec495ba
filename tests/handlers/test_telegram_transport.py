"""The Telegram adapter fed real update JSON (TelegramTransport.feed: its own translation);
the Bot talks to an in-process fake Bot API (tests/fake_telegram.py) that records calls."""

from __future__ import annotations

import pytest

from bot import texts
from bot.delivery.ports import SendError
from bot.dialog.types import Attachment, Button
from bot.message import Message
from tests.chat import outgoing
from tests.conftest import KOTELNICH, SLOBODSKOY
from tests.fake_telegram import ApiError
from tests.texts_helpers import fields, filled
from tests.tg_helpers import (
    ADMIN,
    CITIZEN,
    GROUP,
    OTHER_ADMIN,
    TgUser,
    accept_invite,
    add_to_group,
    file_appeal,
    joined,
    status,
)

# citizens


async def test_start_shows_menu_as_html_with_inline_keyboard(tg, fake) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    sent = await citizen.say("/start")
    assert sent and sent[-1].buttons
    call = fake.calls_of("sendMessage")[-1]
    assert call.params["parse_mode"] == "HTML"
    assert all("callback_data" in b for row in sent[-1].buttons for b in row)
    assert fake.calls_of("answerCallbackQuery") == []


async def test_deep_link_opens_institution_page_and_appeal_form(tg, fake) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    sent = await citizen.say(f"/start inst_{KOTELNICH}")
    assert "Котельничская" in sent[-1].text
    sent = await citizen.press(sent[-1], "apl")
    assert fields(texts.APPEAL_ASK_TEXT_FOR, joined(sent))["institution"] == "Котельничская ЦРБ"
    sent = await citizen.say("В регистратуре третий день не берут трубку")
    assert any(p.startswith("cat:") for p in sent[-1].payloads())
    sent = await citizen.say("/start inst_no-such-place")
    assert texts.INSTITUTION_LINK_UNKNOWN in joined(sent)
    assert "Котельничская" not in sent[-1].text


async def test_button_press_is_answered_and_handled(tg, fake) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    sent = await citizen.say("/start")
    await citizen.press(sent[-1], sent[-1].payloads()[0])
    assert len(fake.calls_of("answerCallbackQuery")) == 1


async def test_html_in_citizen_text_is_escaped_everywhere(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN, name="Админ Котельнич")
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN, name="<b>Вася</b> & Co")
    evil = "<script>alert(1)</script> & <b>не</b> берут трубку <a href='x'>"
    await file_appeal(citizen, evil)
    card = admin.last()
    assert evil in card.text  # the admin sees exactly what was written
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in card.html
    assert "<b>" not in card.html and "<script>" not in card.html
    assert "&lt;b&gt;Вася&lt;/b&gt; &amp; Co" in card.html
    for call in fake.calls_of("sendMessage") + fake.calls_of("editMessageText"):
        assert "<" not in call.params["text"], call.params["text"]


async def test_redelivered_update_is_handled_once(tg, fake) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    update = fake.message(CITIZEN, CITIZEN, "/start")
    assert await citizen.feed(update)
    assert await citizen.feed(update) == []


async def test_unsupported_updates_get_a_polite_answer_or_are_ignored(tg, fake) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    sticker = {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 1,
               "height": 1, "is_animated": False, "is_video": False}
    sent = await citizen.say(None, extra={"sticker": sticker})
    assert texts.ONLY_TEXT in joined(sent)
    sent = await citizen.say("исправленный текст", kind="edited_message",
                             extra={"edit_date": 1})
    assert texts.TELEGRAM_EDIT_IGNORED in joined(sent)
    # updates the bot has no use for: a channel post, a malformed update, a bot's message
    for update in (
        {"update_id": 1, "channel_post": {"message_id": 1, "date": 1, "text": "x",
                                          "chat": {"id": -1001, "type": "channel"}}},
        {"update_id": 2, "message": {"text": "no chat, no date"}},
    ):
        await tg.feed(update)
    bot_msg = fake.message(CITIZEN, 999, "hi", extra={"from": {"id": 999, "is_bot": True,
                                                               "first_name": "B"}})
    assert await citizen.feed(bot_msg) == []
    sent = await citizen.press_data(1, "garbage:::")
    assert sent  # the core answers a stale/unknown button politely
    sent = await citizen.say("/start")  # and the bot is still alive
    assert sent


async def test_bot_added_to_group_explains_how_to_bind(tg, fake) -> None:
    chat = {"id": GROUP, "type": "supergroup", "title": "Регистратура ЦРБ"}
    user = {"id": ADMIN, "is_bot": False, "first_name": "A"}
    me = {"id": 123, "is_bot": True, "first_name": "medfront"}
    await tg.feed({"update_id": 5, "my_chat_member": {
        "chat": chat, "from": user, "date": 1,
        "old_chat_member": {"status": "left", "user": me},
        "new_chat_member": {"status": "member", "user": me}}})
    await tg.app.courier.flush()
    assert "inv_" in fake.to(GROUP)[-1].text


# staff


async def test_private_admin_gets_card_replies_to_it_and_citizen_rates(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN, name="Админ Котельнич")
    await accept_invite(app, admin)
    staff_menu = [c for c in fake.calls_of("setMyCommands")
                  if c.params.get("scope", {}).get("chat_id") == ADMIN]
    assert staff_menu and any(c["command"] == "queue" for c in staff_menu[-1].params["commands"])

    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    number = f"2026-{appeal_id:06d}"
    card = admin.last()
    shown = fields(texts.CARD, card.text)
    assert shown["number"] == number and shown["institution"] == "Котельничская ЦРБ"
    assert shown["category"] == texts.CATEGORIES["registry"] and shown["due"]
    assert {p.split(":")[1] for p in card.payloads()} >= {"take", "ans", "redir", "close"}

    sent = await admin.say("Телефон регистратуры починили.", reply_to=card.message_id)
    assert texts.STAFF_ANSWER_QUEUED.format(number=number) in joined(sent)
    answer = citizen.last()
    assert fields(texts.CITIZEN_ANSWER, answer.text) == {
        "number": number, "institution": "Котельничская ЦРБ",
        "text": "Телефон регистратуры починили."}
    assert await status(app, appeal_id) == "answered"
    assert card.edits  # edited in place
    assert fields(texts.CARD, card.text)["status"] == texts.STATUSES["answered"]

    sent = await citizen.press(answer, f"rate:{appeal_id}:5")
    assert texts.RATE_THANKS in joined(sent)
    assert await status(app, appeal_id) == "closed"


async def test_staff_group_take_answer_button_and_card_edit(app, tg, fake) -> None:
    boss = TgUser(tg, fake, ADMIN, chat_id=GROUP, chat_type="supergroup", name="Главврач")
    await accept_invite(app, boss)
    colleague = TgUser(tg, fake, 3003, chat_id=GROUP, chat_type="supergroup",
                       name="Регистратор")
    await add_to_group(boss, colleague)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    number = f"2026-{appeal_id:06d}"
    card = fake.to(GROUP)[-1]
    assert fields(texts.CARD, card.text)["number"] == number

    assert await colleague.say("коллеги, кто возьмёт?") == []  # chatter is not for the bot
    sent = await colleague.press(card, "st:take")
    assert texts.STAFF_TAKEN.format(number=number) in joined(sent)
    assert fields(texts.CITIZEN_TAKEN, citizen.last().text)["number"] == number
    assert card.edits
    assert fields(texts.CARD, card.text)["status"] == texts.STATUSES["in_progress"]

    prompt = (await colleague.press(card, "st:ans"))[-1]
    assert prompt.text.startswith(texts.STAFF_ASK_ANSWER.format(number=number))
    assert prompt.text.endswith(texts.IN_GROUP_REPLY_HERE)
    assert await colleague.say("Записали вас к терапевту на 25 ноября.") == []  # not a reply
    assert await status(app, appeal_id) == "in_progress"
    sent = await colleague.say("Записали вас к терапевту на 25 ноября.",
                               reply_to=prompt.message_id)
    draft = fields(texts.STAFF_CONFIRM_ANSWER, joined(sent))  # shown back first
    assert draft == {"number": number, "text": "Записали вас к терапевту на 25 ноября."}
    assert await status(app, appeal_id) == "in_progress"
    sent = await colleague.confirm_answer()
    assert texts.STAFF_ANSWER_QUEUED.format(number=number) in joined(sent)
    assert fields(texts.CITIZEN_ANSWER, citizen.last().text) == {
        "number": number, "institution": "Котельничская ЦРБ",
        "text": "Записали вас к терапевту на 25 ноября."}
    assert await status(app, appeal_id) == "answered"


async def test_tampered_callback_for_another_institutions_appeal_is_refused(app, tg,
                                                                            fake) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    stranger = TgUser(tg, fake, OTHER_ADMIN, name="Админ Слободской")
    await accept_invite(app, stranger, SLOBODSKOY)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)  # to Kotelnich
    own = stranger.last()
    for action in ("take", "ans", "redir", "close", "card"):
        # a hand-made payload, pressed on a message of the stranger's own chat
        sent = await stranger.press_data(own.message_id, f"st:{action}:{appeal_id}")
        assert texts.STAFF_NOT_ALLOWED in joined(sent), (action, joined(sent))
    assert await status(app, appeal_id) == "new"
    # the citizen cannot act as staff either, nor rate someone else's appeal
    sent = await citizen.press_data(1, f"st:close:{appeal_id}")
    assert texts.STAFF_NOT_ALLOWED in joined(sent)
    sent = await stranger.press_data(own.message_id, f"rate:{appeal_id}:1")
    assert await status(app, appeal_id) == "new"
    assert texts.NOT_YOUR_APPEAL in joined(sent)


async def test_queue_and_stats_for_staff_only(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    sent = await admin.say("/queue")
    assert texts.STAFF_QUEUE_TITLE.format(count=1) in joined(sent)
    opener = next(m for m in sent if m.payloads())
    sent = await admin.press(opener, "st:card")
    card = sent[-1]
    assert fields(texts.CARD, card.text)["number"] == f"2026-{appeal_id:06d}"
    # the card shown by /queue is remembered: a reply to it answers the appeal
    await admin.say("Ответ через очередь.", reply_to=card.message_id)
    assert await status(app, appeal_id) == "answered"
    assert filled(texts.STATS, joined(await admin.say("/stats")))
    assert texts.STAFF_ONLY in joined(await citizen.say("/queue"))
    assert texts.STAFF_ONLY in joined(await citizen.say("/stats"))


async def test_attachments_pass_both_ways_with_copy_message(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    photo = fake.message(CITIZEN, CITIZEN, None, photo=True,
                         caption="Вот фото объявления в регистратуре, телефон не отвечает")
    sent = await citizen.feed(photo)
    sent = await citizen.press(sent[-1], "cat:registry")
    sent = await citizen.press(sent[-1], "consent:yes")
    sent = await citizen.press(sent[-1], "confirm:send")
    assert filled(texts.APPEAL_FILED, joined(sent))
    copies = fake.calls_of("copyMessage")
    assert len(copies) == 1
    assert copies[0].params["from_chat_id"] == str(CITIZEN)
    assert copies[0].params["message_id"] == str(photo["message"]["message_id"])
    card = next(m for m in fake.to(ADMIN) if filled(texts.CARD, m.text))
    assert fake.to(ADMIN)[-1].reply_to == card.message_id  # the copy hangs under the card

    reply = fake.message(ADMIN, ADMIN, None, document=True, caption="Ответ во вложении",
                         reply_to=card.message_id)
    await admin.feed(reply)
    answer_copy = fake.calls_of("copyMessage")[-1]
    assert answer_copy.params["chat_id"] == str(CITIZEN)
    assert answer_copy.params["from_chat_id"] == str(ADMIN)
    assert fields(texts.CITIZEN_ANSWER, joined(fake.to(CITIZEN)))["text"] == "Ответ во вложении"


# the sender


async def test_sender_splits_long_messages_and_keeps_buttons_on_the_last(tg, fake) -> None:
    text = ("Абзац текста. " * 50 + "\n\n") * 12  # ~8.5k characters
    buttons = [[Button("OK", "ok")]]
    message_id = await tg.sender.send(*outgoing("555", text, buttons))
    sent = fake.to(555)
    assert len(sent) == 3 and all(len(m.text) <= 4096 for m in sent)
    assert [bool(m.buttons) for m in sent] == [False, False, True]
    assert message_id == str(sent[-1].message_id)
    assert "".join(m.text for m in sent).replace("\n", "").replace(" ", "") == \
        text.replace("\n", "").replace(" ", "")
    # 4096 counts what the user sees, not the escaped HTML
    message_id = await tg.sender.send(*outgoing("556", "<&>" * 1365))
    assert len(fake.to(556)) == 1


async def test_sender_maps_errors(tg, fake) -> None:
    send = tg.sender.send
    fake.fail["sendMessage"] = [
        ApiError(429, "Too Many Requests: retry after 7", {"retry_after": 7}),
        ApiError(403, "Forbidden: bot was blocked by the user"),
        ApiError(500, "Internal Server Error"),
    ]
    with pytest.raises(SendError) as e:
        await send(*outgoing("1", "x"))
    assert e.value.retry_after == 7 and not e.value.permanent
    with pytest.raises(SendError) as e:
        await send(*outgoing("1", "x"))
    assert e.value.permanent
    with pytest.raises(SendError) as e:
        await send(*outgoing("1", "x"))
    assert not e.value.permanent and e.value.retry_after is None
    with pytest.raises(SendError) as e:
        await send(*outgoing("404", "x"))  # chat not found
    assert e.value.permanent

    message_id = await send(*outgoing("7", "карточка", [[Button("a", "a")]]))
    await tg.sender.edit("7", message_id, Message("карточка", [[Button("a", "a")]]))  # not modified: ok
    with pytest.raises(SendError) as e:
        await tg.sender.edit("7", "999", Message("x", []))
    assert e.value.permanent


async def test_sender_network_error_is_transient(app) -> None:
    from handlers.telegram import make_bot
    from handlers.telegram_sender import TelegramSender

    bot = make_bot("123:TEST", "http://127.0.0.1:9")  # nothing listens there
    try:
        with pytest.raises(SendError) as e:
            await TelegramSender(bot).send(*outgoing("1", "x"))
        assert not e.value.permanent
    finally:
        await bot.session.close()


async def test_attachments_from_vk_become_a_note(tg, fake) -> None:
    att = (Attachment("photo", "photo-1_2"), Attachment("document", "doc-1_3"))
    await tg.sender.send(*outgoing("10", "Ответ учреждения", attachments=att,
                                  source_platform="vk"))
    note = fields(texts.ATTACHMENT_ELSEWHERE, fake.to(10)[-1].text)
    assert note["count"] == "2" and note["platform"] == texts.PLATFORM_NAMES_IN["vk"]
    assert fake.calls_of("copyMessage") == [] and fake.calls_of("sendPhoto") == []


async def test_attachment_whose_original_is_gone_is_sent_by_file_id(tg, fake) -> None:
    att = (Attachment("photo", "photo9-big", "1001", "0"),)  # message 0: "not found"
    await tg.sender.send(*outgoing("11", "Карточка", attachments=att,
                                  source_platform="telegram"))
    assert fake.calls_of("sendPhoto")[-1].params["photo"] == "photo9-big"


async def test_citizen_on_telegram_admin_on_another_platform(app, tg, fake) -> None:
    from tests.chat import Chat, RecordingSender

    vk = RecordingSender()
    app.senders["vk"] = vk.for_platform("vk")
    vk_admin = Chat(app, vk, "vk", user_id="777", name="Админ ВК")
    await vk_admin.accept_invite("admin", KOTELNICH)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    card = vk.last_to("777")
    assert card.platform == "vk"
    assert fields(texts.CARD, card.text)["number"] == f"2026-{appeal_id:06d}"
    await vk_admin.say("Ответ из ВК.", reply_to_message_id=card.message_id)
    await app.courier.flush()
    assert fields(texts.CITIZEN_ANSWER, citizen.last().text) == {
        "number": f"2026-{appeal_id:06d}", "institution": "Котельничская ЦРБ",
        "text": "Ответ из ВК."}
    assert await status(app, appeal_id) == "answered"


async def test_start_registers_command_menus(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    fake.calls.clear()
    await tg.start()
    assert fake.calls_of("deleteWebhook")
    scopes = {c.params.get("scope", {}).get("type"): c.params["commands"]
              for c in fake.calls_of("setMyCommands")}
    names = {scope: [c["command"] for c in cmds] for scope, cmds in scopes.items()}
    assert "appeal" in names["default"] and "queue" not in names["default"]
    assert "queue" in names["all_group_chats"] and "stats" in names["all_group_chats"]
    assert "queue" in names["chat"]  # the admin's private chat
