"""Conversations that cannot cross (issue 11, defect 1): the state belongs to (platform,
chat, user). What a staff member left unfinished in one chat never picks up their words in
another; in a staff group the bot hears only commands, buttons and replies to its own
messages. Through the Telegram and VK transports' own update translation."""

from __future__ import annotations

from bot import texts
from tests.conftest import KOTELNICH
from tests.fake_vk import FakeVk
from tests.texts_helpers import fields, filled, template_pattern
from tests.tg_helpers import (
    ADMIN,
    CITIZEN,
    GROUP,
    TgUser,
    accept_invite,
    file_appeal,
    fill_appeal,
    status,
)
from tests.vk_helpers import VkPerson

STAFF_CHAT = 2_000_000_001


async def _staff_in_both(app, tg, fake) -> tuple[TgUser, TgUser]:  # type: ignore[no-untyped-def]
    """One admin in the institution's staff group and in a private chat with the bot."""
    in_group = TgUser(tg, fake, ADMIN, chat_id=GROUP, chat_type="supergroup", name="Ольга")
    await accept_invite(app, in_group)
    return in_group, TgUser(tg, fake, ADMIN, name="Ольга")


async def test_an_unfinished_find_or_form_in_private_does_not_answer_group_chatter(
        app, tg, fake) -> None:
    in_group, private = await _staff_in_both(app, tg, fake)
    await private.say("/find")  # left waiting for a name
    assert await in_group.say("Ольга, посмотри карточку, пожалуйста") == []
    await private.say("/appeal")
    await private.say("котельничская црб")
    assert private.last().text == texts.APPEAL_ASK_TEXT_FOR.format(
        institution="Котельничская ЦРБ")  # waits for the appeal text
    assert await in_group.say("Коллеги, у кого сегодня приём после обеда?") == []
    # the form is still there, in its own chat
    sent = await private.say("В регистратуре третий день не берут трубку")
    sent = await private.press(sent[-1], "cat:registry")
    assert sent[-1].text == texts.APPEAL_ASK_CONSENT
    assert texts.BTN_CONSENT_YES in [b["text"] for row in sent[-1].buttons for b in row]


async def test_an_answer_started_in_the_group_cannot_be_finished_in_private(
        app, tg, fake) -> None:
    in_group, private = await _staff_in_both(app, tg, fake)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    card = next(m for m in fake.to(GROUP) if m.text.startswith("Обращение №"))
    await in_group.press(card, "st:ans")  # «Ответить» in the group
    before = len(fake.to(CITIZEN))
    sent = await private.say("как записаться к врачу")  # a question of her own, in private
    assert fake.to(CITIZEN)[before:] == []  # nothing reached the citizen
    assert await status(app, appeal_id) == "new"
    assert any("Госуслуг" in m.text for m in sent)  # the FAQ answered her in private
    prompt = next(m for m in reversed(fake.to(GROUP)) if "Напишите ответ" in m.text)
    await in_group.say("Записали вас на понедельник.", reply_to=prompt.message_id)
    await in_group.confirm_answer()
    assert fields(texts.CITIZEN_ANSWER, citizen.last().text) == {
        "number": f"2026-{appeal_id:06d}", "institution": "Котельничская ЦРБ",
        "text": "Записали вас на понедельник."}
    assert await status(app, appeal_id) == "answered"


async def test_vk_the_same_in_a_staff_conversation(app, vk, fake_vk: FakeVk) -> None:
    in_chat = VkPerson(app, vk, fake_vk, 601, peer_id=STAFF_CHAT, name=("Ольга", "Админ"))
    await in_chat.accept_invite("admin", KOTELNICH, mention=True)
    private = VkPerson(app, vk, fake_vk, 601)
    citizen = VkPerson(app, vk, fake_vk, 501, name=("Иван", "Петров"))
    await citizen.file_appeal()
    card = next(m for m in fake_vk.to(STAFF_CHAT) if m.text.startswith("Обращение №"))
    await private.say("/find")
    assert await in_chat.say("Ольга, посмотри, пожалуйста") == []
    await in_chat.press("Ответить", on=card)
    before = len(fake_vk.to(501))
    await private.say("как записаться к врачу")
    assert fake_vk.to(501)[before:] == []
    prompt = next(m for m in reversed(fake_vk.to(STAFF_CHAT)) if "Напишите ответ" in m.text)
    await in_chat.say("Записали вас на понедельник.", reply_to=prompt)
    await in_chat.confirm_answer()
    answer = {"number": fields(texts.CARD, card.text)["number"],
              "institution": "Котельничская ЦРБ", "text": "Записали вас на понедельник."}
    assert any(filled(texts.CITIZEN_ANSWER, m.text) and fields(texts.CITIZEN_ANSWER, m.text)
               == answer for m in fake_vk.to(501))


async def test_typed_menu_words_open_the_menu_and_junk_is_no_faq_gap(
        app, vk, fake_vk: FakeVk) -> None:
    citizen = VkPerson(app, vk, fake_vk, 777)
    for word in ("Начать", "меню", "start"):
        replies = await citizen.say(word)
        assert replies and texts.BTN_FAQ in replies[-1].labels, word
    for junk in ("🙂", ".", "?!"):
        await citizen.say(junk)
    async with app.db.unit() as repos:
        assert await repos.faq_stats.top_unanswered(10) == []


async def test_a_status_is_told_in_a_sentence_of_its_own(app, tg, fake) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    appeal_id = await file_appeal(TgUser(tg, fake, CITIZEN))
    card = next(m for m in fake.to(ADMIN) if m.text.startswith("Обращение №"))
    await admin.say("Ответили.", reply_to=card.message_id)
    sent = await admin.press_data(card.message_id, f"st:take:{appeal_id}")
    answered = texts.APPEAL_STATE["answered"].format(number=f"2026-{appeal_id:06d}")
    assert answered in "\n".join(m.text for m in sent)


async def test_staff_group_help_queue_deadline_and_double_tap(
        app, tg, fake) -> None:
    """Issue 11's UX list, through the Telegram transport."""
    group = TgUser(tg, fake, ADMIN, chat_id=GROUP, chat_type="supergroup")
    await accept_invite(app, group)
    for command in ("/start@medfront_test_bot", "/help"):
        sent = await group.say(command)
        assert texts.STAFF_GROUP_HELP in sent[-1].text, command
    citizen = TgUser(tg, fake, CITIZEN)
    confirm = await fill_appeal(citizen)
    sent = await citizen.press(confirm, "confirm:send")
    assert filled(texts.APPEAL_FILED, sent[0].text)
    sent = await citizen.press(confirm, "confirm:send")  # a double tap
    assert filled(texts.APPEAL_ALREADY_SENT, sent[-1].text)
    assert texts.STALE_BUTTON not in sent[-1].text
    queue = (await group.say("/queue"))[-1].text
    assert filled(texts.QUEUE_FIRST_DUE, queue)  # the nearer deadline, labelled


async def test_a_vk_conversation_is_told_how_the_bot_hears_it(app, vk, fake_vk: FakeVk) -> None:
    in_chat = VkPerson(app, vk, fake_vk, 601, peer_id=STAFF_CHAT)
    await in_chat.accept_invite("admin", KOTELNICH, mention=True)
    assert texts.VK_CHAT_HEARS.strip() in in_chat.last().text
    citizen = VkPerson(app, vk, fake_vk, 501)
    await citizen.file_appeal()
    card = next(m for m in fake_vk.to(STAFF_CHAT) if m.text.startswith("Обращение №"))
    prompt = (await in_chat.press("Ответить", on=card))[-1]
    assert prompt.text.endswith(texts.IN_VK_CHAT_REPLY_HERE)
    assert texts.IN_GROUP_REPLY_HERE.strip() not in prompt.text and "группа" not in prompt.text
    hello = await VkPerson(app, vk, fake_vk, 602, peer_id=2_000_000_002).feed(
        fake_vk.bot_added(2_000_000_002, inject=False))
    assert hello and hello[-1].text == texts.VK_CHAT_HELLO


async def test_voice_and_location_are_attached_to_an_appeal_and_explained_outside_it(
        app, tg, fake) -> None:
    voice = {"voice": {"file_id": "AwAD-voice", "file_unique_id": "v1", "duration": 7}}
    location = {"location": {"latitude": 58.3, "longitude": 48.3}}
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    sent = await citizen.say(None, extra=voice)  # outside the form
    assert sent[-1].text == texts.ATTACHMENT_OUTSIDE_FORM
    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    sent = await citizen.say(None, extra=voice)
    assert filled(texts.APPEAL_ATTACHMENT_ADDED, sent[-1].text)
    await citizen.say(None, extra=location)
    sent = await citizen.say("В регистратуре третий день не берут трубку, запись голосом")
    sent = await citizen.press(sent[-1], "cat:registry")
    sent = await citizen.press(sent[-1], "consent:yes")
    await citizen.press(sent[-1], "confirm:send")
    copies = [c for c in fake.calls_of("copyMessage") if int(c.params["chat_id"]) == ADMIN]
    assert len(copies) == 2  # the voice message and the location, under the card


async def test_a_single_match_is_shown_as_the_match(app, tg, fake) -> None:
    """«кардио» finds one institution without a clear score: no list of one to choose from."""
    citizen = TgUser(tg, fake, CITIZEN)
    sent = await citizen.say("/find кардио")
    assert texts.FIND_CHOOSE not in sent[-1].text
    assert sent[-1].payloads()[0] == "apl"  # the institution's card, with «Написать обращение»


async def test_an_appeal_no_one_receives_is_not_called_passed_on(app, tg, fake) -> None:
    """Issue 11, defect 3, through Telegram: no inbox and no operator (ALLOW_NO_OPERATORS)."""
    citizen = TgUser(tg, fake, CITIZEN)
    sent = await citizen.press(await fill_appeal(citizen, institution="слободская црб"),
                               "confirm:send")
    whole = template_pattern(texts.APPEAL_FILED_UNSEEN).fullmatch(sent[0].text)  # nothing else
    assert whole is not None and whole["institution"] == "Слободская ЦРБ", sent[0].text


def test_the_page_hint_says_what_is_true_on_each_platform() -> None:
    from bot.formatting import institution_card
    from directory.model import Institution

    bare = Institution("x-1", "Больница без страниц")
    assert texts.SEARCH_HINT_TELEGRAM in institution_card(bare, "telegram")
    assert "отметкой официального" not in institution_card(bare, "telegram")
    assert "vk.com/search" in institution_card(bare, "vk")


async def test_invisible_and_control_characters_never_reach_cards(app, tg, fake) -> None:
    """Issue 12, item 12: bidi overrides, zero-width and control characters are removed;
    ordinary Unicode and emoji (compound ones too) stay."""
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN, name="\u202eвонавИ Пётр")
    await file_appeal(citizen, text="Не бер\u200bут труб\u0007ку \u2066третий\u2069 день 👨‍👩‍👧 😡")
    card = next(m for m in fake.to(ADMIN) if m.text.startswith("Обращение №"))
    for bad in ("\u202e", "\u200b", "\u0007", "\u2066", "\u2069"):
        assert bad not in card.text
    shown = fields(texts.CARD, card.text)
    assert (shown["text"], shown["citizen"]) == ("Не берут трубку третий день 👨‍👩‍👧 😡",
                                                 "вонавИ Пётр")


async def test_logs_carry_no_text_name_or_phone_even_at_debug(app, vk, fake_vk: FakeVk,
                                                              caplog) -> None:
    """Issue 12, item 8: through the VK transport, everything logged at DEBUG."""
    import logging

    from bot.logs import QUIET, quiet_libraries

    levels = {name: logging.getLogger(name).level for name in QUIET}
    for name in QUIET:  # unquieted (an earlier test may have run the CLI's logging set-up)
        logging.getLogger(name).setLevel(logging.NOTSET)
    caplog.set_level(logging.DEBUG)
    try:
        citizen = VkPerson(app, vk, fake_vk, 501, name=("Секретина", "Приватова"))
        await citizen.say("у меня гипертония что делать")
        # vkbottle's router (which logged whole events at DEBUG) is no longer used; its API
        # client and aiosqlite still can: unquieted, a library's DEBUG line gets through
        logging.getLogger("vkbottle.api").debug("request with гипертония")
        assert "гипертония" in caplog.text
        caplog.clear()
        quiet_libraries()
        logging.getLogger("vkbottle.api").debug("request with гипертония")
        admin = VkPerson(app, vk, fake_vk, 601)
        await admin.accept_invite("admin", KOTELNICH)
        await citizen.file_appeal(text="Диагноз гипертония, мой телефон +7 912 345-67-89")
        await citizen.say("у меня гипертония что делать")
        for secret in ("гипертония", "912 345", "Секретина", "Приватова", fake_vk.token):
            assert secret not in caplog.text, secret
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
