"""The appeal page: the same access rules as the chat, and the chat card's actions through
the same service calls (the citizen gets the answer in their messenger, the cards are
edited), internal notes that never reach the citizen."""

from __future__ import annotations

import io

from bot import texts
from bot.app import console_chat
from tests.chat import Chat
from tests.conftest import KOTELNICH, SLOBODSKOY
from tests.texts_helpers import fields, filled
from tests.web.helpers import client_for, csrf_of_page, sign_in, user_id_of

ANSWER = "Здравствуйте! Телефон регистратуры починили, звоните с 8 до 17."


async def _signed_admin(app, client) -> str:
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    return csrf_of_page(await (await client.get("/queue")).text())


async def test_without_a_session_nothing_is_shown(app, client, citizen, admin) -> None:
    appeal_id = await citizen.file_appeal()
    for path in ("/queue", f"/appeal/{appeal_id}"):
        response = await client.get(path)
        assert response.status == 401 and citizen.name not in await response.text()
    response = await client.post(f"/appeal/{appeal_id}/take", data={"csrf": "x"})
    assert response.status == 401


async def test_an_admin_of_another_institution_is_refused(app, client, sender, citizen,
                                                          admin) -> None:
    appeal_id = await citizen.file_appeal()  # to Kotelnich
    heard = len(sender.to("1001"))
    other = Chat(app, sender, "telegram", user_id="3001", name="Админ Слободской")
    await other.accept_invite("admin", SLOBODSKOY)
    await sign_in(client, app, await user_id_of(app, "telegram", "3001"), "admin")
    page = await (await client.get("/queue")).text()
    assert "2026-000001" not in page and KOTELNICH not in page
    response = await client.get(f"/appeal/{appeal_id}")
    assert response.status == 403 and texts.WEB_NO_ACCESS in await response.text()
    # the same answer for an appeal that does not exist
    assert (await client.get("/appeal/999999")).status == 403
    # filtering by the other institution, and acting on its appeal
    assert (await client.get(f"/queue?institution={KOTELNICH}")).status == 403
    for action, data in (("take", {}), ("answer", {"text": "чужой ответ", "answers_given": "0"}),
                         ("close", {"reason": "other"}), ("extend", {}),
                         ("note", {"text": "чужая заметка"}),
                         ("redirect", {"target": SLOBODSKOY})):
        response = await client.post(f"/appeal/{appeal_id}/{action}",
                                     data={"csrf": csrf_of_page(page), **data})
        assert response.status == 403, action
    async with app.db.read() as reader:
        appeal = await reader.appeals.get(appeal_id)
        notes = await reader.web.notes(appeal_id)
    assert appeal is not None and appeal.status == "new" and appeal.institution_id == KOTELNICH
    await app.courier.flush()
    assert notes == [] and len(sender.to("1001")) == heard  # the citizen heard nothing more


async def test_an_operator_and_region_wide_duty_see_every_institution(app, client, citizen,
                                                                      sender) -> None:
    appeal_id = await citizen.file_appeal()
    for role, user in (("operator", "4001"), ("duty", "4002")):
        person = Chat(app, sender, "telegram", user_id=user, name=role)
        await person.accept_invite(role, None)
        client.session.cookie_jar.clear()
        await sign_in(client, app, await user_id_of(app, "telegram", user), role)
        assert "2026-000001" in await (await client.get("/queue")).text()
        assert (await client.get(f"/appeal/{appeal_id}")).status == 200


async def test_answering_from_the_page_reaches_the_citizen(app, client, sender, citizen,
                                                           admin) -> None:
    appeal_id = await citizen.file_appeal()
    card = sender.last_to("2001")  # the card in the admin's chat
    csrf = await _signed_admin(app, client)
    response = await client.post(f"/appeal/{appeal_id}/answer",
                                 data={"csrf": csrf, "text": ANSWER, "answers_given": "0"},
                                 allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == f"/appeal/{appeal_id}?done=answered"
    await app.courier.flush()
    answer = fields(texts.CITIZEN_ANSWER, sender.last_to("1001").text)
    assert answer["text"].startswith(ANSWER) and answer["number"] == "2026-000001"
    assert card.edits and filled(texts.STATUSES["answered"], card.text)  # the card changed
    page = await (await client.get(f"/appeal/{appeal_id}?done=answered")).text()
    assert texts.WEB_DONE["answered"] in page and ANSWER in page
    # the same form sent again (a second press) sends nothing twice
    response = await client.post(f"/appeal/{appeal_id}/answer",
                                 data={"csrf": csrf, "text": ANSWER, "answers_given": "0"})
    assert response.status == 409 and texts.WEB_ANSWER_STALE in await response.text()
    await app.courier.flush()
    assert sum(ANSWER in m.text for m in sender.to("1001")) == 1


async def test_take_extend_close_and_redirect(app, client, sender, citizen, admin) -> None:
    csrf = await _signed_admin(app, client)
    first = await citizen.file_appeal()
    for action, data, done, told in (
            ("take", {}, "taken", texts.CITIZEN_TAKEN),
            ("extend", {}, "extended", texts.CITIZEN_EXTENDED),
            ("close", {"reason": "phone"}, "closed", texts.CITIZEN_CLOSED_BECAUSE)):
        response = await client.post(f"/appeal/{first}/{action}", data={"csrf": csrf, **data})
        assert response.status == 200 and texts.WEB_DONE[done] in await response.text(), action
        await app.courier.flush()
        assert filled(told, sender.last_to("1001").text), action
    # an action the appeal's state no longer allows says why
    response = await client.post(f"/appeal/{first}/take", data={"csrf": csrf})
    assert response.status == 409
    second = await citizen.file_appeal(text="Не могу записаться к окулисту уже месяц")
    search = await (await client.get(f"/appeal/{second}?redirect_q=слободская")).text()
    assert f'value="{SLOBODSKOY}"' in search
    response = await client.post(f"/appeal/{second}/redirect",
                                 data={"csrf": csrf, "target": SLOBODSKOY})
    # out of Kotelnich's sight now: back to the queue, which says it was done
    assert response.status == 200 and response.url.path == "/queue"
    assert texts.WEB_DONE["redirected"] in await response.text()
    await app.courier.flush()
    assert filled(texts.CITIZEN_REDIRECTED, sender.last_to("1001").text)
    async with app.db.read() as reader:
        moved = await reader.appeals.get(second)
    assert moved is not None and moved.institution_id == SLOBODSKOY
    # now it is not Kotelnich's to see
    assert (await client.get(f"/appeal/{second}")).status == 403


async def test_notes_are_for_staff_only(app, client, sender, citizen, admin) -> None:
    appeal_id = await citizen.file_appeal()
    csrf = await _signed_admin(app, client)
    before = len(sender.to("1001"))
    response = await client.post(f"/appeal/{appeal_id}/note",
                                 data={"csrf": csrf, "text": "Перезвонить после обеда"})
    page = await response.text()
    assert response.status == 200 and "Перезвонить после обеда" in page
    await app.courier.flush()
    assert len(sender.to("1001")) == before  # nothing went to the citizen
    async with app.db.read() as reader:
        events = await reader.appeals.events(appeal_id)
        notes = await reader.web.notes(appeal_id)
    assert [e.kind for e in events][-1] == "note" and notes[0].text == "Перезвонить после обеда"
    assert "Перезвонить" not in str(events[-1].detail)  # the audit names the note, not its text
    empty = await client.post(f"/appeal/{appeal_id}/note", data={"csrf": csrf, "text": " "})
    assert empty.status == 400


async def test_the_timeline_shows_the_audit_trail(app, client, sender, citizen, admin) -> None:
    appeal_id = await citizen.file_appeal()
    csrf = await _signed_admin(app, client)
    await client.post(f"/appeal/{appeal_id}/take", data={"csrf": csrf})
    await app.courier.flush()
    page = await (await client.get(f"/appeal/{appeal_id}")).text()
    assert texts.WEB_EVENTS["created"] in page
    assert texts.WEB_EVENTS["taken"].format(who="Админ Котельнич") in page
    assert texts.WEB_DELIVERIES["card"].split(" «")[0] in page
    assert "В регистратуре третий день не берут трубку" in page


async def test_a_console_citizen_gets_the_answer_given_on_the_page(app, sender) -> None:
    """The console transport: the citizen files in the console, the admin answers in the
    browser, the citizen's console chat prints the answer."""
    out = io.StringIO()
    console = console_chat(app, io.StringIO(""), out)
    for line in ["/as admin kir-crb-kotelnich", "/as citizen", "/appeal", "котельничская црб",
                 "В регистратуре не берут трубку третий день подряд", "1", "1", "1"]:
        await console.handle_line(line)
    client = await client_for(app)
    try:
        await sign_in(client, app, await user_id_of(app, "console", f"admin:{KOTELNICH}"),
                      "admin")
        queue = await (await client.get("/queue")).text()
        assert "2026-000001" in queue
        csrf = csrf_of_page(queue)
        response = await client.post("/appeal/1/answer",
                                     data={"csrf": csrf, "text": ANSWER, "answers_given": "0"})
        assert response.status == 200
    finally:
        await client.close()
    await app.courier.flush()
    printed = out.getvalue().split("📨 → чат «citizen»")[-1].replace("\n  ", "\n")
    assert fields(texts.CITIZEN_ANSWER, printed)["text"].startswith(ANSWER)
