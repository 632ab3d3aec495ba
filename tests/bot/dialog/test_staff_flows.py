"""Staff flows: cards, take, answer (reply or button), redirect, close, queue, authorisation."""

from __future__ import annotations

from bot import texts
from bot.dialog.types import Attachment
from tests.chat import Chat, RecordingSender
from tests.conftest import KOTELNICH, SLOBODSKOY
from tests.db_helpers import write
from tests.texts_helpers import fields, filled


async def _status(app, appeal_id: int) -> str:
    async with app.db.unit() as repos:
        return (await repos.appeals.get(appeal_id)).status


async def test_reply_to_card_answers_and_citizen_gets_it_on_their_platform(
    app, sender: RecordingSender, admin: Chat
) -> None:
    citizen = Chat(app, sender, "vk", user_id="777", name="Мария")  # citizen on VK
    appeal_id = await citizen.file_appeal()
    card = sender.last_to(admin.chat_id)
    assert card.platform == "telegram"

    await admin.say("Здравствуйте! Телефон регистратуры починили.",
                    reply_to_message_id=card.message_id, message_id="9001")
    number = f"2026-{appeal_id:06d}"
    assert texts.STAFF_ANSWER_QUEUED.format(number=number) in admin.texts()
    answer = sender.last_to("777")
    assert answer.platform == "vk"
    assert answer.text == texts.CITIZEN_ANSWER.format(
        number=number, institution="Котельничская ЦРБ",
        text="Здравствуйте! Телефон регистратуры починили.") + "\n\n" + texts.CITIZEN_RATE
    assert await _status(app, appeal_id) == "answered"
    assert card.edits  # the card was edited in place
    assert fields(texts.CARD, card.text)["status"] == texts.STATUSES["answered"]

    # the citizen rates it: that closes the appeal
    citizen.sees(answer)
    await citizen.press("5")
    assert texts.RATE_THANKS in citizen.texts()
    async with app.db.unit() as repos:
        appeal = await repos.appeals.get(appeal_id)
        kinds = [e.kind for e in await repos.appeals.events(appeal_id)]
        thread = await repos.appeals.thread(appeal_id)
    assert appeal.status == "closed" and appeal.rating == 5
    assert kinds == ["created", "answered", "rated"]
    # the citizen's text first; the card and the citizen's notice went to two chats at once
    assert thread[0].kind == "citizen" and "card" in [m.kind for m in thread]
    assert any(m.kind == "staff" and "починили" in m.text for m in thread)
    await citizen.send(payload=f"rate:{appeal_id}:4")
    assert texts.ALREADY_RATED in citizen.texts()


async def test_take_then_answer_with_button_then_text(app, sender, citizen: Chat,
                                                      admin: Chat) -> None:
    appeal_id = await citizen.file_appeal()
    card = sender.last_to(admin.chat_id)
    admin.sees(card)
    await admin.press("Взять в работу")
    number = f"2026-{appeal_id:06d}"
    assert texts.STAFF_TAKEN.format(number=number) in admin.texts()
    assert sender.last_to(citizen.chat_id).text == texts.CITIZEN_TAKEN.format(
        number=number, institution="Котельничская ЦРБ")
    assert await _status(app, appeal_id) == "in_progress"
    await admin.send(payload=f"st:ans:{appeal_id}")
    assert texts.STAFF_ASK_ANSWER.format(number=number) in admin.texts()
    await admin.say("")  # a sticker: the answer mode ends, saying so
    assert filled(texts.ANSWER_MODE_ENDED, admin.texts())
    await admin.say("Записали вас на 25 ноября к терапевту.")  # now an ordinary question
    assert await _status(app, appeal_id) == "in_progress"
    await admin.send(payload=f"st:ans:{appeal_id}")
    await admin.say("Записали вас на 25 ноября к терапевту.")
    assert await _status(app, appeal_id) == "answered"
    assert fields(texts.CITIZEN_ANSWER, sender.last_to(citizen.chat_id).text)["text"] == (
        "Записали вас на 25 ноября к терапевту.")


async def test_unsolved_reopens_and_returns_to_the_institution(app, sender, citizen: Chat,
                                                               admin: Chat) -> None:
    appeal_id = await citizen.file_appeal()
    await admin.send(payload=f"st:ans:{appeal_id}")
    await admin.say("Проверили, всё работает.")
    await citizen.send(payload=f"unsolved:{appeal_id}")
    number = f"2026-{appeal_id:06d}"
    assert texts.REOPENED.format(number=number, institution="Котельничская ЦРБ") in (
        citizen.texts())
    assert await _status(app, appeal_id) == "in_progress"  # back with whoever answered
    assert texts.CARD_REOPENED.format(number=number) in sender.last_to(admin.chat_id).text
    # someone else's appeal cannot be reopened
    stranger = Chat(app, sender, "telegram", user_id="3003")
    await stranger.send(payload=f"unsolved:{appeal_id}")
    assert texts.NOT_YOUR_APPEAL in stranger.texts()


async def test_redirect_to_competent_institution_notifies_citizen(
    app, sender, citizen: Chat, admin: Chat
) -> None:
    other_admin = Chat(app, sender, "vk", user_id="4004", name="Админ Слободской")
    await other_admin.accept_invite("admin", SLOBODSKOY)
    appeal_id = await citizen.file_appeal()
    async with app.db.unit() as repos:
        due_before = (await repos.appeals.get(appeal_id)).due_at

    await admin.send(payload=f"st:redir:{appeal_id}")
    await admin.say("слободская црб")
    picks = [b for b in admin.labels() if "Слобод" in b]
    assert picks, admin.labels()
    await admin.press(picks[0])
    number = f"2026-{appeal_id:06d}"
    assert texts.STAFF_REDIRECTED.format(number=number, institution="Слободская ЦРБ") in (
        admin.texts())

    async with app.db.unit() as repos:
        appeal = await repos.appeals.get(appeal_id)
        events = await repos.appeals.events(appeal_id)
    assert appeal.institution_id == SLOBODSKOY and appeal.status == "new"
    assert appeal.due_at == due_before  # the clock keeps running
    assert events[-1].kind == "redirected"
    assert events[-1].detail == {"from_institution": KOTELNICH, "to_institution": SLOBODSKOY}
    told = fields(texts.CITIZEN_REDIRECTED, sender.last_to(citizen.chat_id).text)
    assert told["number"] == number and told["institution"] == "Слободская ЦРБ"
    new_card = sender.last_to(other_admin.chat_id)
    assert new_card.platform == "vk"
    assert fields(texts.CARD, new_card.text)["institution"] == "Слободская ЦРБ"
    old_card = next(m for m in sender.to(admin.chat_id) if m.text.startswith("Обращение №"))
    assert texts.CARD_REDIRECTED.format(institution="Слободская ЦРБ") in old_card.text
    assert old_card.buttons == []

    # the first institution can no longer act on it
    await admin.send(payload=f"st:close:{appeal_id}")
    assert texts.STAFF_NOT_ALLOWED in admin.texts()


async def test_staff_of_institution_a_cannot_act_on_appeal_of_b(app, sender, citizen: Chat,
                                                              admin: Chat) -> None:
    other_admin = Chat(app, sender, "telegram", user_id="4005")
    await other_admin.accept_invite("admin", SLOBODSKOY)
    appeal_id = await citizen.file_appeal()  # to Kotelnich
    for action in ("take", "ans", "redir", "close", "card"):
        await other_admin.send(payload=f"st:{action}:{appeal_id}")
        assert texts.STAFF_NOT_ALLOWED in other_admin.texts(), action
    # a reply to Kotelnich's card from a Slobodskoy admin's chat does nothing either
    card = sender.last_to(admin.chat_id)
    await other_admin.say("чужой ответ", reply_to_message_id=card.message_id)
    assert await _status(app, appeal_id) == "new"
    # and a citizen cannot press staff buttons
    await citizen.send(payload=f"st:close:{appeal_id}")
    assert texts.STAFF_NOT_ALLOWED in citizen.texts()
    refused = citizen.texts()
    await citizen.send(payload=f"st:close:{appeal_id + 1000}")  # an appeal that does not exist
    assert citizen.texts() == refused  # the same answer: ids cannot be enumerated (issue 12.4)
    await citizen.say("/duty")  # the roster names staff (issue 12.3)
    assert texts.STAFF_ONLY in citizen.texts()
    await other_admin.say("/queue")
    assert texts.STAFF_QUEUE_EMPTY in other_admin.texts()
    assert await _status(app, appeal_id) == "new"


async def test_tampered_payloads_are_refused_politely(app, sender, admin: Chat) -> None:
    for payload in ("st:take:999999", "st:take:-1", "st:take:1e3", "st:explode:1",
                    "pick:99", "rate:1:99", "zzz", "st:take:" + "9" * 40):
        await admin.send(payload=payload)
        assert admin.replies and "Traceback" not in admin.texts(), payload


async def test_queue_lists_open_appeals_by_deadline_and_opens_cards(app, sender, clock,
                                                                     admin: Chat) -> None:
    from datetime import timedelta

    first = Chat(app, sender, "telegram", user_id="5001")
    second = Chat(app, sender, "telegram", user_id="5002")
    a1 = await first.file_appeal()
    clock.advance(timedelta(hours=1))
    a2 = await second.file_appeal(text="Нет талонов к окулисту на месяц вперёд")
    await admin.say("/queue")
    text = admin.texts()
    assert text.index(f"2026-{a1:06d}") < text.index(f"2026-{a2:06d}")
    await admin.press(f"2026-{a2:06d}")
    assert "окулисту" in admin.texts()
    assert admin.replies[0].card_of == a2
    # the card shown as a reply was recorded when it was delivered: a reply to it answers
    shown = sender.last_to(admin.chat_id)
    assert "окулисту" in shown.text
    await admin.say("Талоны появятся в понедельник.", reply_to_message_id=shown.message_id)
    assert await _status(app, a2) == "answered"


async def test_closing_asks_a_reason_tells_the_citizen_and_offers_the_way_back(
        app, sender, citizen: Chat, admin: Chat, clock) -> None:
    """Issue 11, defect 5."""
    from datetime import timedelta

    appeal_id = await citizen.file_appeal()
    await admin.send(payload=f"st:close:{appeal_id}")
    number = f"2026-{appeal_id:06d}"
    assert texts.STAFF_ASK_CLOSE_REASON.format(number=number) in admin.texts()
    assert await _status(app, appeal_id) == "new"
    assert admin.labels()[:5] == [title for code, title in texts.CLOSE_REASONS.items()
                                  if code != "abuse"]  # 59-FZ art. 11: marked appeals only
    await admin.press("ответили по телефону")
    phone = texts.CLOSE_REASONS["phone"]
    assert texts.STAFF_CLOSED_BECAUSE.format(number=number, reason=phone) in admin.texts()
    told = sender.last_to(citizen.chat_id)
    assert told.text == texts.CITIZEN_CLOSED_BECAUSE.format(
        number=number, institution="Котельничская ЦРБ", reason=phone)
    async with app.db.unit() as repos:
        assert (await repos.appeals.events(appeal_id))[-1].detail == {"reason": "phone"}
    await admin.send(payload=f"st:take:{appeal_id}")
    assert (texts.APPEAL_STATE["closed"].format(number=number) + texts.ACTION_UNAVAILABLE
            in admin.texts())
    citizen.sees(told)
    await citizen.press("Вопрос не решён")
    assert await _status(app, appeal_id) == "new"  # back to the institution
    await admin.send(payload=f"st:close:{appeal_id}")
    await admin.press("другая причина")
    clock.advance(timedelta(days=31))  # the way back is open for 30 days
    citizen.sees(sender.last_to(citizen.chat_id))
    await citizen.press("Вопрос не решён")
    assert filled(texts.FOLLOW_UP_TOO_LATE, citizen.texts())
    assert await _status(app, appeal_id) == "closed"


async def test_appeal_without_inbox_goes_to_operators(app, sender, citizen: Chat) -> None:
    operator = Chat(app, sender, "telegram", user_id="9001")
    await operator.accept_invite("operator", None)
    await citizen.file_appeal("слободская црб")
    told = fields(texts.APPEAL_FILED_VIA_OPERATORS, citizen.texts())  # told honestly
    assert told["institution"] == "Слободская ЦРБ"
    card = sender.last_to(operator.chat_id)
    assert card.text.startswith(texts.STAFF_NEW_NO_INBOX.format(institution="Слободская ЦРБ"))
    await operator.say("/queue")
    queued = fields(texts.STAFF_QUEUE_ITEM, operator.texts())
    assert queued["institution"] == "Слободская ЦРБ"
    assert texts.QUEUE_NO_INBOX_MARK in operator.texts()
    # and every working morning the operators get the list (issue 11, defect 3)
    assert await app.digests.unreceived() == 1
    await app.courier.flush()
    digest = sender.last_to(operator.chat_id)
    assert texts.DIGEST_NO_INBOX.format(count=1) in digest.text and "Слободская ЦРБ" in digest.text
    assert await app.digests.unreceived() == 0  # once a day


async def test_with_no_one_to_receive_it_the_citizen_is_not_told_it_was_passed_on(
        citizen: Chat) -> None:
    """Issue 11, defect 3 (with ALLOW_NO_OPERATORS: no inbox and no operator)."""
    await citizen.file_appeal("слободская црб")
    assert "передано" not in citizen.texts()
    assert filled(texts.APPEAL_FILED_UNSEEN, citizen.texts())


async def test_staff_group_members_act_for_their_institution(app, sender, citizen: Chat) -> None:
    group_admin = Chat(app, sender, "telegram", user_id="6001", chat_id="-100500", is_group=True)
    await group_admin.accept_invite("admin", KOTELNICH)
    colleague = Chat(app, sender, "telegram", user_id="6002", chat_id="-100500", is_group=True)
    await group_admin.say("/staff add 6002")
    assert filled(texts.STAFF_ADDED, group_admin.texts())
    appeal_id = await citizen.file_appeal()
    card = sender.last_to("-100500")
    await colleague.say("Спасибо, разберёмся.", reply_to_message_id=card.message_id)
    draft = fields(texts.STAFF_CONFIRM_ANSWER, colleague.texts())  # in a group: always shown back
    assert draft["text"] == "Спасибо, разберёмся."
    assert await _status(app, appeal_id) == "new"
    group_admin.replies = colleague.replies  # the group sees the draft and its buttons
    await group_admin.press("Отправить")  # someone else's draft: not theirs to send
    assert texts.ANSWER_DRAFT_NOT_YOURS in group_admin.texts()
    assert await _status(app, appeal_id) == "new"
    await colleague.press("Отправить гражданину")
    assert await _status(app, appeal_id) == "answered"
    # chatter in the group that is not a reply or a command is ignored
    assert await colleague.say("коллеги, кто сегодня дежурит?") == []


async def test_admin_attachment_reaches_citizen(app, sender, citizen: Chat, admin: Chat) -> None:
    await citizen.file_appeal()
    card = sender.last_to(admin.chat_id)
    await admin.send(text="Ответ во вложении", reply_to_message_id=card.message_id,
                     attachments=(Attachment("document", "BQAD-doc", admin.chat_id, "55"),))
    answer = sender.last_to(citizen.chat_id)
    assert [a.ref for a in answer.attachments] == ["BQAD-doc"]


async def test_invite_is_one_time_and_expires(app, sender, clock) -> None:
    from datetime import timedelta

    from bot.appeals.staff_power import create_invite

    async with app.db.unit() as repos:
        token = await create_invite(repos, "admin", KOTELNICH, clock.now())
        old = await create_invite(repos, "admin", KOTELNICH, clock.now() - timedelta(days=8))
    first = Chat(app, sender, "telegram", user_id="7001")
    await first.say(f"/start inv_{token}")
    assert filled(texts.INVITE_ACCEPTED_ADMIN, first.texts())
    second = Chat(app, sender, "telegram", user_id="7002")
    await second.say(f"/start inv_{token}")
    assert texts.INVITE_INVALID in second.texts()
    await second.say(f"/start inv_{old}")
    assert texts.INVITE_EXPIRED in second.texts()
    await second.say("/start inv_garbage")
    assert texts.INVITE_INVALID in second.texts()
    await second.say("/queue")
    assert texts.STAFF_ONLY in second.texts()


async def test_operator_reports_gaps_and_unhelpful_entries(app, sender, citizen: Chat) -> None:
    operator = Chat(app, sender, "telegram", user_id="9002")
    await operator.accept_invite("operator", None)
    await citizen.say("где купить билет на электричку")
    await citizen.say("где купить билет на электричку")
    await citizen.say("как записаться к врачу")
    await citizen.press("Нет")
    await operator.say("/gaps")
    assert operator.texts() == f"{texts.GAPS_TITLE}\n2 × где купить билет на электричку"
    await operator.say("/faqstats")
    assert operator.texts() == f"{texts.FAQSTATS_TITLE}\nappointment_how: 0 / 1"
    await operator.say("/reload_faq")
    assert texts.FAQ_RELOADED.format(count=33) in operator.texts()
    await citizen.say("/gaps")
    assert texts.STAFF_ONLY in citizen.texts()


async def test_stats_counts_open_overdue_answers_and_ratings(app, sender, clock, citizen: Chat,
                                                             admin: Chat) -> None:
    from datetime import timedelta

    first = await citizen.file_appeal()
    other = Chat(app, sender, "telegram", user_id="8008")
    await other.file_appeal(text="Нет записи к окулисту уже месяц")
    await admin.send(payload=f"st:ans:{first}")
    await admin.say("Ответ по существу обращения.")
    await citizen.send(payload=f"rate:{first}:4")
    clock.advance(timedelta(days=31))  # the second one is now overdue
    await admin.say("/stats")
    stats = fields(texts.STATS, admin.texts())
    assert stats["scope"] == "Котельничская ЦРБ"
    assert (stats["open"], stats["new"], stats["in_progress"], stats["overdue"]) == (
        "1", "1", "0", "1")
    assert stats["received"] == "0"  # both were filed more than 30 days ago now
    clock.advance(timedelta(days=-31))
    await admin.say("/stats")
    stats = fields(texts.STATS, admin.texts())
    assert (stats["received"], stats["answered"]) == ("2", "1")
    assert stats["on_time"] == texts.STATS_ON_TIME.format(share=100, count=1)
    assert stats["rating"] == texts.STATS_RATING.format(rating=4.0)
    await citizen.say("/stats")
    assert texts.STAFF_ONLY in citizen.texts()


async def test_duty_officer_met_first_in_a_group_gets_private_messages_later(app, sender) -> None:
    in_group = Chat(app, sender, "telegram", user_id="3100", chat_id="-100777", is_group=True)
    await in_group.say("/help")
    private = Chat(app, sender, "telegram", user_id="3100")
    await private.accept_invite("duty", None)
    async with app.db.unit() as repos:
        people = await repos.duty.duty_staff()
    assert [(u.platform_user_id, u.chat_id) for u in people] == [("3100", "3100")]


async def test_card_of_the_longest_appeal_fits_one_message(app, sender, admin: Chat) -> None:
    from bot.dialog.appeal_form import APPEAL_TEXT_MAX

    citizen = Chat(app, sender, "telegram", user_id="1" * 12, name="Я" * 128)
    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    await citizen.say("ж" * (APPEAL_TEXT_MAX + 1))
    assert filled(texts.TOO_LONG, citizen.texts())
    await citizen.say("ж" * APPEAL_TEXT_MAX)
    await citizen.press("Качество")
    await citizen.press("Согласен")
    await citizen.press("Отправить")
    card = sender.last_to(admin.chat_id)
    assert "ж" * APPEAL_TEXT_MAX in card.text and len(card.text) <= 4096


async def test_a_card_always_fits_one_message(app, citizen: Chat, admin: Chat, sender) -> None:
    """Issue 12, item 18: every field of a card is capped, not only the citizen's text."""
    appeal_id = await citizen.file_appeal()
    # what no flow would let in, written straight into the database
    write(app, "UPDATE institutions SET name = ?, short_name = ? WHERE id = ?",
          "Б" * 5000, "Б" * 5000, KOTELNICH)
    write(app, "UPDATE users SET display_name = ?", "И" * 5000)
    write(app, "UPDATE appeals SET text = ?", "Т" * 5000)
    async with app.db.unit() as repos:
        appeal = await repos.appeals.get(appeal_id)
        assert appeal.text == "Т" * 5000
        card = await app.appeals.cards.text(repos, appeal)
    assert len(card) < 4000
    assert all(c * 50 in card for c in "БИТ")  # each long field is there, cut short
