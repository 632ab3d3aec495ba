"""Issue 18 in the appeal form: the institution the text points to is suggested (one tap
to take it, one to keep one's choice; recorded), the category is guessed from the text
for the citizen to confirm, a repeat of an open appeal is linked to it, and /routing
tells the ministry how appeals were routed."""

from __future__ import annotations

from datetime import timedelta

from bot import texts
from storage.records import DialogState, SuggestionOutcome
from tests.chat import Chat
from tests.texts_helpers import fields, filled

KOTELNICH = "kir-crb-kotelnich"
MINISTRY = "kir-minzdrav"
POINTING = "в котельничской црб к неврологу записи нет уже второй месяц, помогите"


async def _appeal_of(app):
    """The latest appeal of the citizen (Telegram user 1001)."""
    async with app.db.unit() as repos:
        user = await repos.people.find_user("telegram", "1001")
        return (await repos.appeals.of_citizen(user.id))[0]


async def _to_ministry(citizen: Chat, text: str = POINTING) -> None:
    await citizen.say("/appeal")
    await citizen.say("минздрав")
    await citizen.say(text)


async def _kept_to_ministry(citizen: Chat) -> None:
    """An appeal to the ministry whose text names Kotelnich CRB: the citizen keeps theirs."""
    await _to_ministry(citizen)
    await citizen.press("Оставить")
    await citizen.press("Запись")
    await citizen.press("Согласен")
    await citizen.press("Отправить")


async def test_the_institution_the_text_names_is_suggested_and_taken(citizen: Chat,
                                                                      app) -> None:
    await _to_ministry(citizen)
    shown = fields(texts.APPEAL_ROUTE_SUGGEST, citizen.texts())
    assert shown["suggested"] == "Котельничская ЦРБ"
    assert shown["chosen"].startswith("Минздрав")
    await citizen.press("Направить")
    assert texts.APPEAL_ROUTE_ACCEPTED.format(institution="Котельничская ЦРБ") in citizen.texts()
    await citizen.press("Запись")
    await citizen.press("Согласен")
    await citizen.press("Отправить")
    assert fields(texts.APPEAL_FILED_UNSEEN, citizen.texts())["institution"] == (
        "Котельничская ЦРБ")
    appeal = await _appeal_of(app)
    assert appeal.institution_id == KOTELNICH
    assert (appeal.suggested_institution_id, appeal.first_choice_id, appeal.suggestion) == (
        KOTELNICH, MINISTRY, SuggestionOutcome.ACCEPTED)


async def test_the_citizen_may_keep_their_choice_and_it_is_recorded(citizen: Chat,
                                                                     app) -> None:
    await _kept_to_ministry(citizen)
    appeal = await _appeal_of(app)
    assert appeal.institution_id == MINISTRY
    assert (appeal.suggested_institution_id, appeal.suggestion) == (
        KOTELNICH, SuggestionOutcome.KEPT)


async def test_no_suggestion_when_the_text_names_no_place_or_the_chosen_one(
        citizen: Chat, app) -> None:
    await _to_ministry(citizen, "в регистратуре третий день не берут трубку, помогите")
    assert "Судя по тексту" not in citizen.texts()
    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    await citizen.say(POINTING)  # names the institution chosen: nothing to suggest
    assert "Судя по тексту" not in citizen.texts()
    await citizen.press("Запись")
    await citizen.press("Согласен")
    await citizen.press("Отправить")
    appeal = await _appeal_of(app)
    assert appeal.suggestion is None and appeal.suggested_institution_id is None


async def test_text_instead_of_the_route_button_asks_again(citizen: Chat) -> None:
    await _to_ministry(citizen)
    await citizen.say("не знаю")
    assert texts.APPEAL_PRESS_BUTTON in citizen.texts()
    assert filled(texts.APPEAL_ROUTE_SUGGEST, citizen.texts())
    await citizen.send(payload="route:maybe")
    assert texts.STALE_BUTTON in citizen.texts()


async def test_the_category_is_guessed_first_and_the_citizen_confirms_it(citizen: Chat,
                                                                         app) -> None:
    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    await citizen.say("в регистратуре третий день не берут трубку, невозможно дозвониться")
    assert texts.APPEAL_CATEGORY_GUESS.format(
        category=texts.CATEGORIES["registry"]) in citizen.texts()
    first = citizen.replies[-1].buttons[0][0]
    assert first.text == texts.CATEGORY_GUESS_MARK + texts.CATEGORIES["registry"]
    assert len([b for row in citizen.replies[-1].buttons for b in row]) == 8  # 7 + cancel
    await citizen.press("Качество")  # the citizen's word, not the guess, is what counts
    await citizen.press("Согласен")
    await citizen.press("Отправить")
    assert (await _appeal_of(app)).category == "quality"


async def test_no_guess_for_a_text_that_says_nothing_clear(citizen: Chat) -> None:
    await citizen.say("/appeal")
    await citizen.say("котельничская црб")
    await citizen.say("хочу кое-что сообщить вам")
    assert texts.APPEAL_ASK_CATEGORY_ONLY in citizen.texts()
    assert texts.CATEGORY_GUESS_MARK not in " ".join(citizen.labels())


async def test_a_form_stored_in_the_old_order_goes_on(citizen: Chat, app) -> None:
    """A conversation left at the text with its category chosen (the order before this
    change) gets the consent question next, not the category again."""
    async with app.db.unit() as repos:
        await repos.dialog.set("telegram", "1001", "1001", DialogState(
            "appeal_text", {"institution_id": KOTELNICH, "category": "registry"}),
            app.clock.now())
    await citizen.say("в регистратуре третий день не берут трубку")
    assert texts.APPEAL_ASK_CONSENT in citizen.texts()


async def test_a_repeat_within_a_week_is_linked_to_the_open_appeal(
        citizen: Chat, admin: Chat, app, sender, clock) -> None:
    first = await citizen.file_appeal(text="В регистратуре третий день не берут трубку")
    clock.advance(timedelta(days=2))
    await citizen.fill_appeal(text="в регистратуре не берут трубку третий день!!")
    await citizen.press("Согласен")
    await citizen.press("Отправить")
    linked = fields(texts.APPEAL_REPEAT_LINKED, citizen.texts())
    async with app.db.unit() as repos:
        user = await repos.people.find_user("telegram", "1001")
        appeals = await repos.appeals.of_citizen(user.id)
        thread = await repos.appeals.thread(first)
    assert [a.id for a in appeals] == [first]  # no new appeal
    assert linked["number"] == appeals[0].number and appeals[0].repeats == 1
    assert any(m.text == "в регистратуре не берут трубку третий день!!" for m in thread)
    addition = sender.last_to(admin.chat_id)
    assert filled(texts.REPEAT_STAFF, addition.text)
    card = next(m for m in sender.to(admin.chat_id) if m.text.startswith("Обращение №"))
    assert texts.CARD_REPEATS.format(count=1).strip() in card.edits[-1]  # seen on the card


async def test_a_different_matter_or_an_old_one_is_a_new_appeal(citizen: Chat, app,
                                                                clock) -> None:
    await citizen.file_appeal(text="В регистратуре третий день не берут трубку")
    await citizen.file_appeal(text="Врач терапевт нагрубил на приёме в кабинете 12")
    clock.advance(timedelta(days=8))  # a week later the same words are a new appeal
    await citizen.file_appeal(text="В регистратуре третий день не берут трубку")
    async with app.db.unit() as repos:
        assert len(await repos.appeals.of_citizen(1)) == 3


async def test_routing_report_counts_redirects_suggestions_and_repeats(
        citizen: Chat, app, sender, clock) -> None:
    operator = Chat(app, sender, "telegram", user_id="3001", name="Оператор")
    await operator.accept_invite("operator", None)
    await _kept_to_ministry(citizen)
    kept = await _appeal_of(app)
    clock.advance(timedelta(hours=30))
    async with app.db.unit() as repos:
        target = await repos.institutions.get(KOTELNICH)
        operator_user = await repos.people.find_user("telegram", "3001")
        await app.appeals.redirect(repos, kept, operator_user, target, clock.now())
    await operator.say("/routing 30")
    report = operator.texts()
    assert filled(texts.ROUTING_TITLE, report)
    assert texts.ROUTING_REDIRECTS.format(appeals=1, filed=1, share="100,0%",
                                          redirects=1) in report
    assert "Котельничская ЦРБ: 1" in report  # from the ministry to Kotelnich
    assert texts.ROUTING_SUGGESTIONS.format(shown=1, accepted=0, share="0,0%", kept=1) in report
    assert texts.ROUTING_SUGGESTION_QUALITY.format(kept_there=1, accepted_moved=0) in report
    assert texts.ROUTING_LOST.split(":")[0] in report and "1 дн 6 ч" in report
    await operator.say("/routing много")
    assert texts.ROUTING_USAGE in operator.texts()
    await citizen.say("/routing")
    assert texts.STAFF_ONLY in citizen.texts()
