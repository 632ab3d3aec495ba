"""The VK adapter fed with VK's event JSON (translated by handlers/vk_updates.py), on a fake_vk
VK API."""

from __future__ import annotations

import json

import pytest

from bot import texts
from bot.app import App
from handlers.vk import VkTransport
from handlers.vk_updates import incoming_from_button, incoming_from_message
from tests.chat import Chat, RecordingSender
from tests.conftest import KOTELNICH
from tests.fake_vk import FakeVk
from tests.texts_helpers import fields, filled
from tests.vk_helpers import VkPerson

STAFF_CHAT = 2_000_000_001


@pytest.fixture
def citizen(app: App, vk: VkTransport, fake_vk: FakeVk) -> VkPerson:
    return VkPerson(app, vk, fake_vk, 501, name=("Иван", "Петров"))


@pytest.fixture
async def staff_chat(app: App, vk: VkTransport, fake_vk: FakeVk) -> VkPerson:
    """Kotelnich CRB's admin, who bound the institution's staff conversation (the community
    added to a VK chat) with an invite, mentioning the community as chats require."""
    admin = VkPerson(app, vk, fake_vk, 601, peer_id=STAFF_CHAT, name=("Ольга", "Админ"))
    await admin.accept_invite("admin", KOTELNICH, mention=True)
    return admin


async def test_start_shows_the_menu_as_an_inline_keyboard_of_callback_buttons(
        citizen: VkPerson, fake_vk: FakeVk) -> None:
    replies = await citizen.say("/start")
    assert replies[0].text == texts.WELCOME
    menu = replies[-1]
    assert menu.keyboard is not None and menu.keyboard["inline"] is True
    button = menu.keyboard["buttons"][0][0]["action"]
    assert button["type"] == "callback"
    assert json.loads(button["payload"]) == {"p": "m:faq"}
    assert menu.labels == [texts.BTN_FAQ, texts.BTN_FIND, texts.BTN_APPEAL, texts.BTN_MY,
                           texts.BTN_HELP]
    send = [params for method, params in fake_vk.calls if method == "messages.send"][-1]
    assert send["peer_ids"] == "501" and send["disable_mentions"] == "1"


async def test_callback_button_is_answered_and_reaches_the_core(
        citizen: VkPerson, fake_vk: FakeVk) -> None:
    await citizen.say("/start")
    replies = await citizen.press("Задать вопрос")
    assert [m.text for m in replies] == [texts.FAQ_ASK]
    assert len(fake_vk.event_answers) == 1
    answer = fake_vk.event_answers[0]
    assert answer["user_id"] == "501" and answer["peer_id"] == "501" and answer["event_id"]


async def test_faq_question_as_free_text(citizen: VkPerson) -> None:
    (answer,) = await citizen.say("как записаться к врачу")
    assert "Госуслуг" in answer.text and answer.text.endswith(texts.FAQ_ANSWER_FOOTER)
    assert answer.labels == [texts.BTN_YES_HELPED, texts.BTN_NO_HELPED]
    (thanks,) = await citizen.press(texts.BTN_YES_HELPED)
    assert thanks.text == texts.FAQ_THANKS


async def test_seven_categories_and_cancel_fit_vk_inline_limits(citizen: VkPerson) -> None:
    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    (question,) = await citizen.say("В регистратуре третий день не берут трубку")
    rows = question.rows
    assert len(rows) <= 6 and sum(len(r) for r in rows) == 8
    assert [label for label, _ in rows[-1]] == [texts.BTN_CANCEL]  # alone at the bottom
    payloads = [p for row in rows for _, p in row][:7]
    assert payloads[0] == "cat:registry"  # guessed from the text: first, to confirm
    assert sorted(payloads) == sorted(f"cat:{k}" for k in texts.CATEGORIES)


async def test_appeal_from_vk_to_a_vk_staff_chat_and_the_answer_back(
        app: App, citizen: VkPerson, staff_chat: VkPerson, fake_vk: FakeVk) -> None:
    photo = fake_vk.photo(501, 457239017, "a1b2c3")
    confirmation = await citizen.file_appeal(attachments=[photo])
    number = fields(texts.APPEAL_FILED, confirmation.text)["number"]

    card = staff_chat.last()
    shown = fields(texts.CARD, card.text)
    assert (shown["number"], shown["institution"]) == (number, "Котельничская ЦРБ")
    assert shown["citizen"] == "Иван Петров"
    assert shown["text"] == "В регистратуре третий день не берут трубку"
    assert card.attachment == "photo501_457239017_a1b2c3"  # re-sent by its VK reference
    assert texts.BTN_TAKE in card.labels
    assert card.message_id == 0 and card.cmid > 0  # in chats VK gives only the cmid

    # The admin replies to the card in the chat (VK's reply_message names its cmid).
    replies = await staff_chat.say("Телефон регистратуры починили, звоните.", reply_to=card)
    assert any(filled(texts.STAFF_CONFIRM_ANSWER, m.text) for m in replies), [
        m.text for m in replies]
    replies = await staff_chat.confirm_answer()
    assert texts.STAFF_ANSWER_QUEUED.format(number=number) in [m.text for m in replies]
    answer = await fake_vk.wait_sent(501, "Телефон регистратуры починили")
    assert "1 ⭐" in answer.labels and texts.BTN_UNSOLVED in answer.labels
    assert card.edits, "the card was not edited to its new status"
    edit = [p for m, p in fake_vk.calls if m == "messages.edit"][-1]
    assert edit["peer_id"] == str(STAFF_CHAT) and edit["conversation_message_id"] == str(card.cmid)

    thanks = await citizen.press("5 ⭐", on=answer)
    assert thanks[0].text == texts.RATE_THANKS


async def test_staff_buttons_in_a_chat_are_authorised_per_presser(
        app: App, vk: VkTransport, fake_vk: FakeVk, citizen: VkPerson,
        staff_chat: VkPerson) -> None:
    number = fields(texts.APPEAL_FILED, (await citizen.file_appeal()).text)["number"]
    card = staff_chat.last()
    replies = await staff_chat.press("Взять в работу", on=card)
    assert any(m.text.startswith(texts.STAFF_TAKEN.format(number=number)) for m in replies), [
        m.text for m in replies]
    # A member of the staff chat may act; a stranger pressing a card in a private chat may not.
    stranger = VkPerson(app, vk, fake_vk, 999)
    update = fake_vk.press(999, card, "Ответить", inject=False)
    update["object"]["peer_id"] = 999
    replies = await stranger.feed(update)
    assert [m.text for m in replies] == [texts.STAFF_NOT_ALLOWED]


async def test_queue_and_reply_to_a_card_shown_directly(
        citizen: VkPerson, staff_chat: VkPerson, fake_vk: FakeVk) -> None:
    await citizen.file_appeal()
    (queue,) = await staff_chat.say(f"[club{fake_vk.group_id}|@medfront] /queue")
    assert "№" in queue.text
    replies = await staff_chat.press("№", on=queue)
    card = replies[-1]
    assert texts.BTN_ANSWER in card.labels
    await staff_chat.say("Ответ по карточке из очереди.", reply_to=card)
    await staff_chat.confirm_answer()
    await fake_vk.wait_sent(501, "Ответ по карточке из очереди.")


async def test_private_staff_inbox_and_private_card_reply(
        app: App, vk: VkTransport, fake_vk: FakeVk, citizen: VkPerson) -> None:
    admin = VkPerson(app, vk, fake_vk, 602)
    await admin.accept_invite("admin", KOTELNICH)
    await citizen.file_appeal()
    card = admin.last()
    assert card.message_id > 0 and texts.BTN_TAKE in card.labels
    await admin.press("Ответить", on=card)
    await admin.say("Ответ через кнопку.")
    await fake_vk.wait_sent(501, "Ответ через кнопку.")


async def test_group_chatter_is_ignored_but_commands_are_answered(
        staff_chat: VkPerson) -> None:
    assert await staff_chat.say("коллеги, кто сегодня дежурит?") == []
    replies = await staff_chat.say("/help")
    assert replies


async def test_community_added_to_a_chat_introduces_itself(
        app: App, vk: VkTransport, fake_vk: FakeVk) -> None:
    chat = VkPerson(app, vk, fake_vk, 700, peer_id=2_000_000_005)
    replies = await chat.say("", action={"type": "chat_invite_user",
                                         "member_id": -fake_vk.group_id})
    assert [m.text for m in replies] == [texts.VK_CHAT_HELLO]
    other = await chat.say("", action={"type": "chat_title_update", "text": "Штаб"})
    assert other == []


async def test_an_edited_message_is_answered_as_in_telegram(
        citizen: VkPerson, fake_vk: FakeVk) -> None:
    update = {"type": "message_edit", "event_id": "ed1", "object": {
        "from_id": 501, "peer_id": 501, "out": 0, "conversation_message_id": 3, "id": 3,
        "text": "исправил", "attachments": [], "date": 1}}
    replies = await citizen.feed(update)
    assert [m.text for m in replies] == [texts.TELEGRAM_EDIT_IGNORED]
    own = {"type": "message_edit", "event_id": "ed2", "object": {
        "from_id": -fake_vk.group_id, "peer_id": 501, "out": 1, "conversation_message_id": 4,
        "text": "карточка", "date": 1}}
    assert await citizen.feed(own) == []


async def test_vk_start_button_and_text_keyboard_payload(citizen: VkPerson) -> None:
    replies = await citizen.say("Начать", payload={"command": "start"})
    assert replies[0].text == texts.WELCOME
    replies = await citizen.say(texts.BTN_MY, payload={"p": "m:my"})
    assert replies[0].text == texts.MY_EMPTY


async def test_redelivered_event_is_handled_once(citizen: VkPerson, fake_vk: FakeVk) -> None:
    update = fake_vk.message_new(501, "/start", inject=False)
    first = await citizen.feed(update)
    again = await citizen.feed(update)
    assert first and again == []


async def test_bad_events_never_crash_and_odd_payloads_get_a_polite_answer(
        citizen: VkPerson, fake_vk: FakeVk, vk: VkTransport) -> None:
    for junk in ({"type": "message_new"}, {"type": "message_new", "object": {"message": {}}},
                 {"type": "message_new", "object": {"message": {"peer_id": "x"}}},
                 {"type": "no_such_event", "object": {}}, {"type": "message_event"},
                 {"type": "message_event", "object": {"peer_id": 501}}):
        await vk.submit(junk)
    update = fake_vk.message_new(501, "", inject=False)
    update["object"]["message"]["payload"] = "{not json"
    replies = await citizen.feed(update)
    assert replies  # treated as an empty text: a polite answer
    for payload in ({"p": "st:take:999999"}, {"p": 5}, {"x": 1}, "garbage"):
        update = {"type": "message_event", "object": {
            "user_id": 501, "peer_id": 501, "event_id": "e1", "payload": payload,
            "conversation_message_id": 1}, "event_id": f"ev-{payload!s}"}
        replies = await citizen.feed(update)
        assert replies, payload
    replies = await citizen.say("Ещё вопрос: как записаться к врачу?")
    assert replies


async def test_a_blocked_citizen_does_not_stop_the_bot(citizen: VkPerson, fake_vk: FakeVk) -> None:
    fake_vk.blocked.add(501)
    assert await citizen.say("/start") == []
    fake_vk.blocked.clear()
    assert await citizen.say("/start")


async def test_attachments_and_replies_are_translated() -> None:
    group_id = 77
    update = {"type": "message_new", "event_id": "abc", "object": {"message": {
        "from_id": 5, "peer_id": 2_000_000_003, "conversation_message_id": 12, "id": 0,
        "text": "[club77|@medfront], ответ", "attachments": [
            {"type": "photo", "photo": {"id": 2, "owner_id": 5, "access_key": "kk"}},
            {"type": "doc", "doc": {"id": 3, "owner_id": -4, "title": "акт.pdf"}},
            {"type": "sticker", "sticker": {"sticker_id": 1}},
            {"type": "audio_message", "audio_message": {"id": 7, "owner_id": 5}},
        ],
        "fwd_messages": [],
        "reply_message": {"from_id": -77, "conversation_message_id": 9, "text": "card"}}}}
    inc = incoming_from_message(update, group_id, "Имя")
    assert inc is not None
    assert (inc.platform, inc.chat_id, inc.user_id, inc.is_group) == ("vk", "2000000003", "5",
                                                                      True)
    assert inc.text == "ответ" and inc.reply_to_message_id == "9" and inc.message_id == "12"
    assert inc.update_id == "abc"
    assert [(a.kind, a.ref) for a in inc.attachments] == [
        ("photo", "photo5_2_kk"), ("document", "doc-4_3"), ("other", "audio_message5_7")]
    assert inc.attachments[0].source_chat_id == "2000000003"

    # A forward stands for a reply only when it is the bot's message from this chat.
    message = update["object"]["message"]
    del message["reply_message"]
    message["fwd_messages"] = [{"from_id": -77, "conversation_message_id": 4,
                                "peer_id": 2_000_000_003}]
    assert incoming_from_message(update, group_id).reply_to_message_id == "4"
    message["fwd_messages"][0]["peer_id"] = 42
    assert incoming_from_message(update, group_id).reply_to_message_id is None

    message["out"] = 1
    assert incoming_from_message(update, group_id) is None

    button = incoming_from_button({"type": "message_event", "object": {
        "user_id": 5, "peer_id": 5, "event_id": "x1", "payload": {"p": "m:faq"},
        "conversation_message_id": 3}})
    assert button is not None
    assert (button.payload, button.update_id, button.is_group) == ("m:faq", "cb:x1", False)


async def test_citizen_on_vk_admin_on_telegram(app: App, vk: VkTransport, fake_vk: FakeVk,
                                               citizen: VkPerson) -> None:
    recorder = RecordingSender()
    app.senders["telegram"] = recorder.for_platform("telegram")
    admin = Chat(app, recorder, "telegram", user_id="2001", name="Админ")
    await admin.accept_invite("admin", KOTELNICH)
    await citizen.file_appeal(attachments=[fake_vk.photo(501, 11)])
    card = recorder.last_to("2001")
    assert fields(texts.CARD, card.text)["citizen"] == "Иван Петров"
    assert card.attachments  # Telegram notes them itself
    await admin.say("Ответ из Telegram.", reply_to_message_id=card.message_id)
    await app.courier.flush()
    answer = await fake_vk.wait_sent(501, "Ответ из Telegram.")
    assert "1 ⭐" in answer.labels


async def test_citizen_on_telegram_admin_on_vk(app: App, vk: VkTransport, fake_vk: FakeVk,
                                               staff_chat: VkPerson) -> None:
    recorder = RecordingSender()
    app.senders["telegram"] = recorder.for_platform("telegram")
    citizen = Chat(app, recorder, "telegram", user_id="1001", name="Пётр")
    await citizen.file_appeal()
    card = staff_chat.last()
    shown = fields(texts.CARD, card.text)
    assert (shown["citizen"], shown["platform"]) == ("Пётр", "Telegram")
    await staff_chat.say("Ответ из ВКонтакте.", reply_to=card)
    await staff_chat.confirm_answer()
    answer = recorder.last_to("1001")
    assert fields(texts.CITIZEN_ANSWER, answer.text) == {
        "number": shown["number"], "institution": "Котельничская ЦРБ",
        "text": "Ответ из ВКонтакте."}
    assert any("rate:" in b.payload for row in answer.buttons for b in row)


async def test_answer_with_a_vk_photo_reaches_a_telegram_citizen_as_a_note(
        app: App, vk: VkTransport, fake_vk: FakeVk, staff_chat: VkPerson) -> None:
    recorder = RecordingSender()
    app.senders["telegram"] = recorder.for_platform("telegram")
    citizen = Chat(app, recorder, "telegram", user_id="1001")
    await citizen.file_appeal()
    card = staff_chat.last()
    await staff_chat.say("Справка во вложении.", reply_to=card,
                         attachments=[fake_vk.photo(601, 5, "zz")])
    await staff_chat.confirm_answer()
    answer = recorder.last_to("1001")
    assert [a.ref for a in answer.attachments] == ["photo601_5_zz"]


async def test_events_without_ids_are_each_answered(citizen: VkPerson, fake_vk: FakeVk) -> None:
    """No event_id and no conversation_message_id (an old API version): nothing to dedupe
    by, and the replies must not share a random_id either (VK would drop the second)."""
    replies = []
    for _ in range(2):
        update = fake_vk.message_new(501, "/help", inject=False)
        update.pop("event_id", None)
        del update["object"]["message"]["conversation_message_id"]
        replies += await citizen.feed(update)
    assert [m.text for m in replies] == [texts.HELP, texts.HELP]
