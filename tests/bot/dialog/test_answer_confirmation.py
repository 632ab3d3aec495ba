"""No accidental official answers (issue 11, defect 2): a staff answer is shown back to its
author with «Отправить гражданину» / «Изменить» / «Отменить» before it leaves; a sticker
is no answer and opens no answer mode; the answer mode ends after a non-text message and
after 30 minutes, saying so. Through the Telegram
transport's own update translation."""

from __future__ import annotations

from datetime import timedelta

from bot import texts
from tests.texts_helpers import fields, filled
from tests.tg_helpers import (
    ADMIN,
    CITIZEN,
    GROUP,
    TgUser,
    accept_invite,
    add_to_group,
    file_appeal,
    joined,
    status,
)

STICKER = {"sticker": {"file_id": "CAAC-sticker", "file_unique_id": "s1", "type": "regular",
                       "width": 512, "height": 512, "is_animated": False, "is_video": False}}


def _card(fake, chat: int):  # type: ignore[no-untyped-def]
    return next(m for m in fake.to(chat) if m.text.startswith("Обращение №"))


async def test_a_reply_to_a_card_in_the_group_is_shown_back_not_sent(app, tg, fake) -> None:
    boss = TgUser(tg, fake, ADMIN, chat_id=GROUP, chat_type="supergroup")
    await accept_invite(app, boss)
    colleague = TgUser(tg, fake, 3003, chat_id=GROUP, chat_type="supergroup")
    await add_to_group(boss, colleague)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    before = len(fake.to(CITIZEN))
    sent = await colleague.say("кто возьмёт?", reply_to=_card(fake, GROUP).message_id)
    assert joined(sent) == texts.STAFF_CONFIRM_ANSWER.format(number=f"2026-{appeal_id:06d}",
                                                             text="кто возьмёт?")
    assert fake.to(CITIZEN)[before:] == [] and await status(app, appeal_id) == "new"
    draft = sent[-1]
    sent = await boss.press(draft, "st:ansok:")  # another member cannot send it
    assert texts.ANSWER_DRAFT_NOT_YOURS in joined(sent) and await status(app, appeal_id) == "new"
    await colleague.press(draft, "cancel")
    assert fake.to(CITIZEN)[before:] == [] and await status(app, appeal_id) == "new"


async def test_a_sticker_reply_is_no_answer_and_opens_no_answer_mode(app, tg, fake) -> None:
    app.dialog.staff.answers.confirm_in_private = True
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    before = len(fake.to(CITIZEN))
    sent = await admin.say(None, reply_to=_card(fake, ADMIN).message_id, extra=STICKER)
    assert texts.ANSWER_NOT_TEXT in joined(sent)
    await admin.say("Коллеги, я на обед")  # an ordinary message afterwards: not an answer
    assert fake.to(CITIZEN)[before:] == [] and await status(app, appeal_id) == "new"


async def test_private_inbox_draft_edit_send_once(app, tg, fake) -> None:
    app.dialog.staff.answers.confirm_in_private = True  # the default
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    sent = await admin.say("Первый вариант ответа.", reply_to=_card(fake, ADMIN).message_id)
    draft = sent[-1]
    sent = await admin.press(draft, "st:ansedit:")
    number = f"2026-{appeal_id:06d}"
    assert texts.STAFF_ASK_ANSWER.format(number=number) in joined(sent)
    sent = await admin.say("Второй вариант: записали вас на понедельник.")
    assert fields(texts.STAFF_CONFIRM_ANSWER, joined(sent)) == {
        "number": number, "text": "Второй вариант: записали вас на понедельник."}
    await admin.press(sent[-1], "st:ansok:")
    answers = [m for m in fake.to(CITIZEN) if "Второй вариант" in m.text]
    assert len(answers) == 1 and not any("Первый вариант" in m.text for m in fake.to(CITIZEN))
    assert await status(app, appeal_id) == "answered"
    sent = await admin.press(sent[-1], "st:ansok:")  # a double tap
    assert texts.ANSWER_ALREADY_SENT.format(number=number) in joined(sent)
    assert len([m for m in fake.to(CITIZEN) if "Второй вариант" in m.text]) == 1


async def test_the_answer_mode_ends_after_30_minutes_and_after_a_sticker(
        app, tg, fake, clock) -> None:
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    card = _card(fake, ADMIN)
    await admin.press(card, "st:ans")
    clock.advance(timedelta(minutes=31))
    sent = await admin.say("Это уже не ответ, а вопрос коллеге.")
    number = fields(texts.CARD.split("\n")[0], card.text)["number"]  # as the card shows it
    assert joined(sent) == texts.ANSWER_MODE_EXPIRED.format(number=number, minutes=30)
    assert await status(app, appeal_id) == "new"
    await admin.press(card, "st:ans")
    sent = await admin.say(None, extra=STICKER)
    assert joined(sent) == texts.ANSWER_MODE_ENDED.format(number=number)
    await admin.say("Коллеги, я на обед")
    assert await status(app, appeal_id) == "new"
    assert not any("обед" in m.text or "коллеге" in m.text for m in fake.to(CITIZEN))


async def test_a_citizens_reply_to_the_answer_reaches_the_institution_and_can_be_answered(
        app, tg, fake, clock) -> None:
    """Issue 11, defect 4: follow-ups are not lost in the FAQ."""
    admin = TgUser(tg, fake, ADMIN)
    await accept_invite(app, admin)
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    await admin.say("Телефон регистратуры починили.", reply_to=_card(fake, ADMIN).message_id)
    answer = next(m for m in fake.to(CITIZEN) if "починили" in m.text)
    sent = await citizen.say("Спасибо, но ничего не изменилось", reply_to=answer.message_id)
    number = f"2026-{appeal_id:06d}"
    assert texts.FOLLOW_UP_SENT.format(number=number, institution="Котельничская ЦРБ") in (
        joined(sent))
    addition = next(m for m in fake.to(ADMIN) if filled(texts.FOLLOW_UP_STAFF, m.text))
    added = fields(texts.FOLLOW_UP_STAFF, addition.text)
    assert (added["number"], added["text"]) == (number, "Спасибо, но ничего не изменилось")
    async with app.db.unit() as repos:
        assert [e.kind for e in await repos.appeals.events(appeal_id)][-1] == "follow_up"
        assert await repos.faq_stats.top_unanswered(10) == []  # not a FAQ gap
    await admin.say("Перезвоним вам сегодня до 17:00.", reply_to=addition.message_id)
    reply = {"number": number, "institution": "Котельничская ЦРБ",
             "text": "Перезвоним вам сегодня до 17:00."}
    assert any(filled(texts.CITIZEN_ANSWER, m.text) and fields(texts.CITIZEN_ANSWER, m.text)
               == reply for m in fake.to(CITIZEN))
    assert await status(app, appeal_id) == "answered"
    clock.advance(timedelta(days=31))
    later = next(m for m in reversed(fake.to(CITIZEN)) if "Перезвоним" in m.text)
    sent = await citizen.say("И ещё вопрос", reply_to=later.message_id)
    assert fields(texts.FOLLOW_UP_TOO_LATE, joined(sent))["number"] == number
