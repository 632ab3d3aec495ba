"""Citizen flows through Dialog.handle on a migrated temporary database."""

from __future__ import annotations

from bot import texts
from bot.app import build_app
from bot.config import Settings
from bot.dialog.types import Incoming
from storage.store import open_store
from tests.chat import Chat, RecordingSender
from tests.conftest import KOTELNICH
from tests.db_helpers import rows
from tests.texts_helpers import fields, filled


async def test_start_shows_welcome_and_menu(citizen: Chat) -> None:
    await citizen.say("/start")
    assert [r.text for r in citizen.replies] == [texts.WELCOME, texts.MENU]
    assert texts.BTN_APPEAL in citizen.labels()


async def test_free_text_from_menu_goes_to_faq_with_feedback(citizen: Chat, app) -> None:
    await citizen.say("как вызвать врача на дом")
    assert "на дом" in citizen.texts() and texts.FAQ_ANSWER_FOOTER in citizen.texts()
    await citizen.press("Нет")
    assert texts.FAQ_SORRY in citizen.texts()
    async with app.db.unit() as repos:
        assert await repos.faq_stats.least_helpful() == [("doctor_home_visit", 0, 1)]


async def test_unknown_question_is_recorded_and_handed_over(citizen: Chat, app) -> None:
    await citizen.say("сколько стоит проезд в трамвае")
    assert texts.FAQ_NO_MATCH in citizen.texts()
    assert texts.FAQ_SUGGEST not in citizen.texts()  # nothing close enough to suggest
    assert texts.BTN_APPEAL in citizen.labels()
    async with app.db.unit() as repos:
        gaps = await repos.faq_stats.top_unanswered()
    assert gaps == [("сколько стоит проезд в трамвае", 1)]


async def test_find_page_clear_winner_shows_card_with_search_hint(citizen: Chat) -> None:
    await citizen.say("/find котельничская црб")
    text = citizen.texts()
    assert "Котельничская центральная районная больница" in text
    assert texts.NO_PAGES in text
    assert texts.SEARCH_HINT_TELEGRAM in text  # the hint for the platform the citizen uses


async def test_find_ambiguous_offers_top_three_then_card(citizen: Chat) -> None:
    await citizen.say("/find")
    await citizen.say("больница")  # («областная больница» has a clear winner now)
    assert citizen.texts() == texts.FIND_CHOOSE
    picks = [b for b in citizen.labels() if b != texts.BTN_CANCEL]
    assert len(picks) == 3 and texts.BTN_CANCEL in citizen.labels()
    await citizen.press(picks[0])
    assert filled(texts.INSTITUTION_ADDRESS, citizen.texts())
    assert texts.FIND_CHOOSE not in citizen.texts()


async def test_find_nothing_says_so_politely(citizen: Chat) -> None:
    await citizen.say("/find")
    await citizen.say("фывапролджэ ячсмить")
    assert citizen.texts() == texts.FIND_NOTHING.format(query="фывапролджэ ячсмить")
    await citizen.say("ы")
    assert texts.FIND_TOO_SHORT in citizen.texts()


async def test_file_appeal_shows_number_and_deadlines_and_card_reaches_inbox(
    citizen: Chat, admin: Chat, sender: RecordingSender, app
) -> None:
    appeal_id = await citizen.file_appeal()
    filed = fields(texts.APPEAL_FILED, citizen.texts())
    assert filed["number"] == f"2026-{appeal_id:06d}"
    assert filed["first_due"].startswith("24.11.2026") and filed["due"].startswith("23.12.2026")
    card = sender.last_to(admin.chat_id)
    assert fields(texts.CARD, card.text)["number"] == filed["number"]
    assert "третий день" in card.text
    async with app.db.unit() as repos:
        appeal = await repos.appeals.get(appeal_id)
        events = await repos.appeals.events(appeal_id)
    assert appeal is not None and appeal.institution_id == KOTELNICH
    assert appeal.status == "new" and appeal.platform == "telegram"
    assert [e.kind for e in events] == ["created"]


async def test_my_appeals_lists_status_and_deadline(citizen: Chat) -> None:
    await citizen.say("/my")
    assert citizen.texts() == texts.MY_EMPTY
    await citizen.file_appeal()
    await citizen.say("/my")
    item = fields(texts.MY_ITEM, citizen.texts())
    assert item["institution"] == "Котельничская ЦРБ"
    assert item["status"] == texts.STATUSES["new"]
    assert filled(texts.MY_DEADLINE, citizen.texts())


CANCEL_STEPS = [
    [],  # the institution question
    ["котельничская црб"],  # text
    ["котельничская црб", "Не берут трубку в регистратуре"],  # category buttons
    ["котельничская црб", "Не берут трубку в регистратуре", "@Регистратура"],  # consent
    ["котельничская црб", "Не берут трубку в регистратуре", "@Регистратура", "@Согласен"],
]


async def test_cancel_from_each_step_files_nothing(citizen: Chat, app) -> None:
    async def reach(steps: list[str]) -> None:
        await citizen.say("/appeal")
        for step in steps:
            await (citizen.press(step[1:]) if step.startswith("@") else citizen.say(step))

    for steps in CANCEL_STEPS:
        await reach(steps)
        await citizen.say("/cancel")
        assert texts.CANCELLED in citizen.texts(), steps
        await reach(steps)
        await citizen.press("Отменить")  # the button works too
        assert texts.CANCELLED in citizen.texts(), steps
    async with app.db.unit() as repos:
        assert await repos.appeals.of_citizen(1) == []
        assert await repos.outbox.unsent_of_chat("telegram", "1001") == []
    # no card, no notice: only the bot's replies
    assert rows(app, "SELECT DISTINCT kind FROM outbox") == [("reply",)]


async def test_invalid_input_at_every_step_gets_a_clear_answer(citizen: Chat) -> None:
    await citizen.say("/appeal")
    await citizen.say("")  # a sticker: no text
    assert texts.ONLY_TEXT in citizen.texts()
    await citizen.say("zzzzzzzzzzzzzzz qqqqqqq")
    assert texts.FIND_NOTHING.format(query="zzzzzzzzzzzzzzz qqqqqqq") in citizen.texts()
    await citizen.say("котельничская црб")
    await citizen.say("плохо")
    assert filled(texts.APPEAL_TEXT_TOO_SHORT, citizen.texts())
    await citizen.say("я" * 5000)
    assert filled(texts.TOO_LONG, citizen.texts())
    await citizen.say("Запись к неврологу только через месяц, помогите")
    await citizen.say("просто текст вместо кнопки")
    assert texts.APPEAL_PRESS_BUTTON in citizen.texts()
    await citizen.send(payload="cat:nonsense")
    assert texts.STALE_BUTTON in citizen.texts()
    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    await citizen.say("Запись к неврологу только через месяц, помогите")
    await citizen.press("Запись")
    await citizen.say("да")  # text instead of the consent button
    assert texts.APPEAL_PRESS_BUTTON in citizen.texts()
    await citizen.press("Согласен")
    await citizen.say("отправляй")
    assert filled(texts.APPEAL_CONFIRM, citizen.texts())
    await citizen.send(payload="confirm:explode")
    assert texts.STALE_BUTTON in citizen.texts()
    await citizen.send(payload="rate:abc:5")
    assert texts.STALE_BUTTON in citizen.texts()
    await citizen.say("/nonsense")
    assert texts.UNKNOWN_COMMAND in citizen.texts()


async def test_consent_refused_files_nothing(citizen: Chat, app) -> None:
    await citizen.fill_appeal(text="Не берут трубку в регистратуре")
    await citizen.press("Не согласен")
    assert texts.APPEAL_CONSENT_REFUSED in citizen.texts()
    async with app.db.unit() as repos:
        assert await repos.appeals.of_citizen(1) == []


async def test_edit_text_before_sending(citizen: Chat, app) -> None:
    await citizen.fill_appeal(text="Первый вариант текста обращения")
    await citizen.press("Согласен")
    await citizen.press("Изменить текст")
    await citizen.say("Второй вариант текста обращения")
    await citizen.press("Согласен")
    assert fields(texts.APPEAL_CONFIRM, citizen.texts())["text"] == (
        "Второй вариант текста обращения")
    await citizen.press("Отправить")
    appeal_id = citizen.replies[0].appeal_id
    async with app.db.unit() as repos:
        assert (await repos.appeals.get(appeal_id)).text == "Второй вариант текста обращения"


async def test_restart_in_the_middle_of_the_form_resumes_it(
    settings: Settings, clock, sender: RecordingSender, app
) -> None:
    first = Chat(app, sender, "vk", user_id="555")
    await first.say("/appeal")
    await first.say("котельничская црб")
    await first.say("После перезапуска бота форма не потерялась")
    await app.close()

    restarted = await build_app(settings, clock)
    try:
        restarted.senders.update(app.senders)
        again = Chat(restarted, sender, "vk", user_id="555")
        await again.send(payload="cat:registry")  # the button sent before the restart
        assert texts.APPEAL_ASK_CONSENT in again.texts()
        await again.press("Согласен")
        await again.press("Отправить")
        assert filled(texts.APPEAL_FILED_UNSEEN, again.texts())  # no inbox in this test
    finally:
        await restarted.close()
        app.db = await open_store(settings.database)  # let the fixture close it


async def test_deep_link_opens_institution_and_appeal_form(citizen: Chat) -> None:
    await citizen.say(f"/start inst_{KOTELNICH}")
    assert "Котельничская центральная районная больница" in citizen.texts()
    await citizen.press("Написать обращение сюда")
    assert fields(texts.APPEAL_ASK_TEXT_FOR, citizen.texts())["institution"] == (
        "Котельничская ЦРБ")
    await citizen.say("/start inst_nope")
    assert texts.INSTITUTION_LINK_UNKNOWN in citizen.texts()


async def test_photo_attached_to_appeal_reaches_the_card(citizen: Chat, admin: Chat,
                                                         sender: RecordingSender) -> None:
    from bot.dialog.types import Attachment

    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    await citizen.send(text="", attachments=(Attachment("photo", "AgAD-photo", "1001", "7"),))
    assert fields(texts.APPEAL_ATTACHMENT_ADDED, citizen.texts())["count"] == "1"
    await citizen.say("Вот фото очереди у кабинета терапевта")
    await citizen.press("Качество")
    await citizen.press("Согласен")
    assert texts.APPEAL_ATTACHMENTS.format(count=1) in citizen.texts()
    await citizen.press("Отправить")
    card = sender.last_to(admin.chat_id)
    assert [a.ref for a in card.attachments] == ["AgAD-photo"]


async def test_redelivered_update_is_not_handled_twice(citizen: Chat, app) -> None:
    await citizen.fill_appeal(text="Не берут трубку в регистратуре")
    await citizen.press("Согласен")
    payload = citizen.button("Отправить").payload
    first = await citizen.send(payload=payload, update_id="u-1")
    assert filled(texts.APPEAL_FILED_UNSEEN, first[0].text)
    assert await citizen.send(payload=payload, update_id="u-1") == []  # the same update again
    async with app.db.unit() as repos:
        assert len(await repos.appeals.of_citizen(1)) == 1


async def test_replies_committed_with_the_turn_survive_a_crash_before_sending(
    citizen: Chat, app, sender: RecordingSender
) -> None:
    """Killed after the turn committed but before its replies went out: they are outbox
    rows of that turn, so the next start sends them, once; the redelivered update acts
    not at all."""
    await citizen.fill_appeal(text="Не берут трубку в регистратуре")
    await citizen.press("Согласен")
    payload = citizen.button("Отправить").payload
    incoming = Incoming(platform="telegram", chat_id=citizen.chat_id, user_id=citizen.user_id,
                        payload=payload, update_id="u-2")
    first = await app.dialog.handle(incoming)  # committed; the process dies before sending
    assert filled(texts.APPEAL_FILED_UNSEEN, first[0].text)
    async with app.db.unit() as repos:  # the delivery had claimed them when it died
        await repos.outbox.claim(["telegram"], app.clock.now(), 20, 100)
    assert await app.dialog.handle(incoming) == []  # redelivered after the restart
    assert await app.courier.recover() >= 1
    await app.courier.flush()
    receipts = [m for m in sender.to(citizen.chat_id) if m.text == first[0].text]
    assert len(receipts) == 1 and receipts[0].buttons == first[0].buttons
    async with app.db.unit() as repos:
        assert len(await repos.appeals.of_citizen(1)) == 1


async def test_institution_card_lists_every_official_page_and_how_to_recognise_it(
    citizen: Chat, app
) -> None:
    from directory.model import Institution

    async with app.db.unit() as repos:
        others = await repos.institutions.list()
        await repos.institutions.replace_all(others + [Institution(
            "kir-gp-3", "КОГБУЗ «Кировская городская поликлиника № 3»", short_name="Поликлиника № 3",
            city="г. Киров", address="ул. Ленина, 1", phone="+7 8332 00-00-00",
            website="https://gp3.example.ru", vk="https://vk.com/gp3kirov",
            telegram="https://t.me/gp3kirov", ok="https://ok.ru/gp3kirov",
            timezone="Europe/Kirov")], app.clock.now())
    await app.directory.refresh(app.db)
    await citizen.say("/find поликлинника 3")
    text = citizen.texts()
    assert "Кировская городская поликлиника № 3" in text and "ул. Ленина, 1" in text
    for page in ("https://vk.com/gp3kirov", "https://t.me/gp3kirov", "https://ok.ru/gp3kirov",
                 "https://gp3.example.ru", "+7 8332 00-00-00"):
        assert page in text
    assert texts.OFFICIAL_MARK in text and texts.NO_PAGES not in text


async def test_greetings_and_thanks_get_a_polite_reply_not_a_content_gap(citizen: Chat,
                                                                         app) -> None:
    await citizen.say("Добрый день!")
    assert citizen.texts() == texts.SMALL_TALK_GREETING
    await citizen.say("спасибо большое, вы мне очень помогли")
    assert citizen.texts() == texts.SMALL_TALK_THANKS
    await citizen.say("привет как записаться к врачу")
    assert "Госуслугах" in citizen.texts()
    async with app.db.unit() as repos:
        assert await repos.faq_stats.top_unanswered() == []
