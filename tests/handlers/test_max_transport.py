"""The MAX transport fed with MAX's update JSON (tests/fake_max builds it) on the fake MAX Bot
API: the citizen's menu, FAQ, appeal form and /my; staff inboxes by deep link in a dialog
and by command in a group chat; cards edited in place keeping their buttons; replies to
cards; cross-platform answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot import texts
from bot.app import App
from handlers.max import MaxTransport
from handlers.max_updates import Me, incoming_of
from tests.chat import Chat, RecordingSender
from tests.conftest import KOTELNICH
from tests.fake_max import FakeMax
from tests.max_helpers import MaxPerson, max_transport
from tests.texts_helpers import fields

STAFF_GROUP = -70_000_000_000_500


@pytest.fixture
async def fake_max() -> AsyncIterator[FakeMax]:
    async with FakeMax() as fake:
        yield fake


@pytest.fixture
async def mx(app: App, fake_max: FakeMax) -> AsyncIterator[MaxTransport]:
    transport = await max_transport(app, fake_max)
    yield transport
    await transport.close()


@pytest.fixture
def citizen(app: App, mx: MaxTransport, fake_max: FakeMax) -> MaxPerson:
    return MaxPerson(app, mx, fake_max, 1001)


@pytest.fixture
async def admin(app: App, mx: MaxTransport, fake_max: FakeMax) -> MaxPerson:
    """Kotelnich CRB's admin, whose private inbox was opened by a deep link's Start."""
    person = MaxPerson(app, mx, fake_max, 2001, name=("Ольга", "Админ"))
    replies = await person.start(f"inv_{await person.invite_token('admin', KOTELNICH)}")
    assert replies[-1].text == texts.INVITE_ACCEPTED_ADMIN.format(
        institution="Котельничская ЦРБ"), [m.text for m in replies]
    return person


@pytest.fixture
async def staff_group(app: App, mx: MaxTransport, fake_max: FakeMax) -> MaxPerson:
    """Kotelnich CRB's staff group chat, bound by its admin with /start inv_<token>."""
    person = MaxPerson(app, mx, fake_max, 2002, group=STAFF_GROUP, name=("Анна", "Старшая"))
    hello = await person.feed(fake_max.bot_added(STAFF_GROUP, inject=False))
    assert [m.text for m in hello] == [texts.MAX_CHAT_HELLO]
    token = await person.invite_token("admin", KOTELNICH)
    replies = await person.say(f"/start inv_{token}")
    assert replies[-1].text == texts.INVITE_ACCEPTED_ADMIN.format(
        institution="Котельничская ЦРБ") + texts.MAX_CHAT_HEARS, [m.text for m in replies]
    return person


async def test_start_button_shows_the_menu_of_callback_buttons(
        citizen: MaxPerson, fake_max: FakeMax) -> None:
    replies = await citizen.start()
    assert replies[0].text == texts.WELCOME
    menu = replies[-1]
    assert menu.labels == [texts.BTN_FAQ, texts.BTN_FIND, texts.BTN_APPEAL, texts.BTN_MY,
                           texts.BTN_HELP]
    assert {b["type"] for row in menu.rows for b in row} == {"callback"}
    assert menu.payload(texts.BTN_FAQ) == "m:faq"
    send = fake_max.calls_to("POST", "/messages")[-1]
    assert send.query == {"user_id": "1001"} and send.status == 200
    assert "format" not in send.body  # plain text: nothing of a citizen's is read as markup


async def test_a_press_is_answered_and_reaches_the_core(
        citizen: MaxPerson, fake_max: FakeMax) -> None:
    await citizen.start()
    replies = await citizen.press(texts.BTN_FAQ)
    assert [m.text for m in replies] == [texts.FAQ_ASK]
    [answer] = fake_max.answers
    assert answer.user_id == 1001 and answer.notification


async def test_faq_question_as_free_text(citizen: MaxPerson) -> None:
    replies = await citizen.say("как записаться к врачу")
    assert replies and texts.BTN_YES_HELPED in replies[-1].labels


async def test_deep_link_to_an_institution_opens_its_page(citizen: MaxPerson) -> None:
    replies = await citizen.start(f"inst_{KOTELNICH}")
    assert "Котельничская" in (replies[0].text or "")


async def test_a_redelivered_update_is_handled_once(
        citizen: MaxPerson, fake_max: FakeMax) -> None:
    update = fake_max.message(1001, "/help", inject=False)
    first = await citizen.feed(update)
    again = await citizen.feed(update)
    assert first and again == []


async def test_appeal_to_a_private_inbox_card_buttons_and_reply(
        app: App, citizen: MaxPerson, admin: MaxPerson, fake_max: FakeMax) -> None:
    await citizen.file_appeal()
    card = admin.last()
    shown = fields(texts.CARD, card.text or "")
    assert (shown["institution"], shown["citizen"]) == ("Котельничская ЦРБ", "Иван Петров")
    assert texts.BTN_TAKE in card.labels
    replies = await admin.press(texts.BTN_TAKE, on=card)
    assert card.edits and card.edits[-1].via == "edit", "the card was not edited in place"
    assert card.buttons and texts.BTN_ANSWER in card.labels  # the keyboard kept
    assert [m.text for m in replies] == [texts.STAFF_TAKEN.format(number=shown["number"])]
    assert fields(texts.CARD, card.text or "")["status"] == texts.STATUSES["in_progress"]
    await admin.say("Телефон регистратуры починили, звоните с 8 до 20.", reply_to=card)
    answer = await fake_max.wait_sent(fake_max.dialog(1001), "Телефон регистратуры починили")
    assert "4 ⭐" in answer.labels
    thanks = await citizen.press("4 ⭐", on=answer)
    assert thanks[0].text == texts.RATE_THANKS
    mine = await citizen.say("/my")
    assert "№" in (mine[0].text or "")


async def test_group_inbox_reply_to_a_card_with_confirmation(
        citizen: MaxPerson, staff_group: MaxPerson, fake_max: FakeMax) -> None:
    await citizen.file_appeal()
    card = staff_group.last()
    assert texts.BTN_TAKE in card.labels
    assert await staff_group.say("коллеги, кто сегодня дежурит?") == []
    replies = await staff_group.say("Ответ из общего чата.", reply_to=card)
    assert any(m.text == texts.STAFF_CONFIRM_ANSWER.format(
        number=fields(texts.CARD, card.text or "")["number"], text="Ответ из общего чата.")
        for m in replies), [m.text for m in replies]
    await staff_group.confirm_answer()
    await fake_max.wait_sent(fake_max.dialog(1001), "Ответ из общего чата.")
    assert card.edits and fields(texts.CARD, card.text or "")["status"] == texts.STATUSES[
        "answered"]


async def test_bot_removed_marks_the_inbox_unreachable_and_added_restores_it(
        app: App, staff_group: MaxPerson, fake_max: FakeMax) -> None:
    assert await staff_group.feed(fake_max.bot_removed(STAFF_GROUP, 2002, inject=False)) == []
    async with app.db.unit() as repos:
        assert await repos.people.inbox_chats(KOTELNICH) == []
    back = await staff_group.feed(fake_max.bot_added(STAFF_GROUP, inject=False))
    assert back and back[0].text == texts.INBOX_RESTORED.format(
        institutions="Котельничская ЦРБ")
    async with app.db.unit() as repos:
        assert [c.chat_id for c in await repos.people.inbox_chats(KOTELNICH)] == [
            str(STAFF_GROUP)]


async def test_an_edited_message_is_answered_as_elsewhere(
        citizen: MaxPerson, fake_max: FakeMax) -> None:
    original = fake_max.message(1001, "вопрос", inject=False)
    await citizen.feed(original)
    replies = await citizen.feed(fake_max.message_edited(original, "вопрос!", inject=False))
    assert [m.text for m in replies] == [texts.TELEGRAM_EDIT_IGNORED]


def test_translation_of_replies_groups_and_mentions() -> None:
    me = Me(229, "medfront_bot")
    update = {"update_type": "message_created", "timestamp": 5, "message": {
        "sender": {"user_id": 7, "name": "Анна", "is_bot": False},
        "recipient": {"chat_id": -50, "chat_type": "chat"},
        "body": {"mid": "mid.1", "text": "@medfront_bot /queue", "attachments": [
            {"type": "image", "payload": {"token": "tk", "url": "https://x"}},
            {"type": "sticker", "payload": {"code": "s"}}]},
        "link": {"type": "reply", "sender": {"user_id": 229, "is_bot": True},
                 "chat_id": -50, "message": {"mid": "mid.0", "text": "Обращение №1"}}}}
    inc = incoming_of(update, me)
    assert inc is not None
    assert (inc.chat_id, inc.user_id, inc.is_group, inc.text) == ("-50", "7", True, "/queue")
    assert (inc.reply_to_message_id, inc.reply_to_bot, inc.reply_to_text) == (
        "mid.0", True, "Обращение №1")
    assert [(a.kind, a.ref) for a in inc.attachments] == [("photo", "image:tk")]
    assert inc.update_id == "m:mid.1"
    own = {**update, "message": {**update["message"], "sender": {"user_id": 229, "is_bot": True}}}
    assert incoming_of(own, me) is None
    start = incoming_of({"update_type": "bot_started", "timestamp": 9, "chat_id": 900,
                         "user": {"user_id": 7, "name": "Анна"}, "payload": "inv_abc"}, me)
    assert start is not None and (start.chat_id, start.text) == ("7", "/start inv_abc")
    assert incoming_of({"update_type": "user_added", "chat_id": -50}, me) is None


async def test_citizen_on_max_admin_on_telegram_and_on_vk(
        app: App, citizen: MaxPerson, fake_max: FakeMax) -> None:
    recorder = RecordingSender()
    for platform in ("telegram", "vk"):
        app.senders[platform] = recorder.for_platform(platform)
    for platform, admin_id in (("telegram", "3001"), ("vk", "3002")):
        admin = Chat(app, recorder, platform, user_id=admin_id, name="Админ")
        await admin.accept_invite("admin", KOTELNICH)
    await citizen.file_appeal()
    for platform, admin_id in (("telegram", "3001"), ("vk", "3002")):
        card = recorder.last_to(admin_id)
        shown = fields(texts.CARD, card.text)
        assert (shown["citizen"], shown["platform"]) == ("Иван Петров", "MAX")
        admin = Chat(app, recorder, platform, user_id=admin_id, name="Админ")
        await admin.say(f"Ответ из {platform}.", reply_to_message_id=card.message_id)
        await app.courier.flush()
        answer = await fake_max.wait_sent(fake_max.dialog(1001), f"Ответ из {platform}.")
        assert "1 ⭐" in answer.labels


async def test_citizen_on_telegram_admin_on_max(
        app: App, admin: MaxPerson, fake_max: FakeMax) -> None:
    recorder = RecordingSender()
    app.senders["telegram"] = recorder.for_platform("telegram")
    citizen = Chat(app, recorder, "telegram", user_id="1001", name="Пётр")
    await citizen.file_appeal()
    card = admin.last()
    shown = fields(texts.CARD, card.text or "")
    assert (shown["citizen"], shown["platform"]) == ("Пётр", "Telegram")
    await admin.say("Ответ из MAX.", reply_to=card)
    answer = recorder.last_to("1001")
    assert fields(texts.CITIZEN_ANSWER, answer.text) == {
        "number": shown["number"], "institution": "Котельничская ЦРБ", "text": "Ответ из MAX."}
    assert any("rate:" in b.payload for row in answer.buttons for b in row)
