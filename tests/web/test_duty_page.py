"""The duty roster page: the coming weeks by the production calendar (and its override
file) with who is on duty each day; operators change it through the rules of /duty, and
the chat sees the change; everyone else only looks."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot import texts
from bot.config import Settings
from tests.chat import Chat
from tests.web.helpers import client_for, csrf_of_page, sign_in, user_id_of

# Monday 23 November 2026 is today (tests/conftest.py's clock, 09:00 in Kirov).
_ROW = re.compile(r'<tr class="day [^"]*" data-day="([\d-]+)" data-kind="(\w+)">(.*?)</tr>',
                  re.DOTALL)


@pytest.fixture
def settings(settings: Settings, tmp_path) -> Settings:
    """The region's own calendar: an extra day off on Wednesday 2 December and a working
    Saturday on 5 December."""
    path = tmp_path / "calendar.yaml"
    path.write_text("days_off: [2026-12-02]\nworking_days: [2026-12-05]\n", encoding="utf-8")
    return settings.model_copy(update={"calendar_path": path})


async def _people(app, sender) -> tuple[Chat, Chat, Chat, int, int]:
    duty = Chat(app, sender, "vk", user_id="3001", name="Дежурная")
    await duty.accept_invite("duty", None)
    second = Chat(app, sender, "telegram", user_id="3002", name="Второй дежурный")
    await second.accept_invite("duty", None)
    operator = Chat(app, sender, "telegram", user_id="9001", name="Оператор")
    await operator.accept_invite("operator", None)
    return (duty, second, operator, await user_id_of(app, "vk", "3001"),
            await user_id_of(app, "telegram", "3002"))


def _rows(html: str) -> dict[str, tuple[str, str]]:
    return {day: (kind, body) for day, kind, body in _ROW.findall(html)}


async def _page(client, query: str = "") -> str:
    response = await client.get("/duty" + query)
    html = await response.text()
    assert response.status == 200, html
    return html


async def _on_duty(app, day: date) -> list[str]:
    async with app.db.read() as reader:
        return [u.display_name for u in await reader.duty.on_duty(day)]


async def test_the_page_shows_the_roster_on_its_days_by_the_calendar(app, client, sender) -> None:
    _, _, _, first_id, second_id = await _people(app, sender)
    async with app.db.unit() as repos:
        await repos.duty.assign([(date(2026, 11, 28), first_id, ""), (date(2026, 11, 30), second_id, "")],
                                app.clock.now())
    await sign_in(client, app, await user_id_of(app, "telegram", "9001"), "operator")
    rows = _rows(await _page(client))
    days = sorted(rows)
    assert len(days) == 28 and days[0] == "2026-11-23" and days[-1] == "2026-12-20"  # 4 weeks
    saturday, sunday = rows["2026-11-28"], rows["2026-11-29"]
    assert saturday[0] == "weekend" and "Дежурная (ВКонтакте)" in saturday[1]
    assert "Второй дежурный" not in saturday[1] and "⚠️" not in saturday[1]
    # a day off nobody is assigned to: the reminders go to all (both) duty staff
    assert sunday[0] == "weekend" and "Дежурная" not in sunday[1]
    assert texts.WEB_DUTY_NOBODY_FALLBACK.format(count=2) in sunday[1]
    monday = rows["2026-11-30"]
    assert monday[0] == "working" and "Второй дежурный (Telegram)" in monday[1]
    tuesday = rows["2026-11-24"]  # a working day with nobody: no warning
    assert tuesday[0] == "working" and texts.WEB_DUTY_NOBODY in tuesday[1]
    assert "⚠️" not in tuesday[1]
    # the override file: a Wednesday off (nobody: warned), a Saturday at work
    wednesday = rows["2026-12-02"]
    assert wednesday[0] == "holiday" and "⚠️" in wednesday[1]
    assert rows["2026-12-05"][0] == "working_weekend" and "⚠️" not in rows["2026-12-05"][1]
    assert rows["2026-12-06"][0] == "weekend"


async def test_new_year_holidays_are_non_working_with_their_names(app, client, sender) -> None:
    await _people(app, sender)
    await sign_in(client, app, await user_id_of(app, "vk", "3001"), "duty")
    rows = _rows(await _page(client, "?from=2026-12-28&weeks=1"))
    assert sorted(rows) == [f"2026-12-{d}" for d in range(28, 32)] + [
        "2027-01-01", "2027-01-02", "2027-01-03"]
    assert rows["2026-12-29"][0] == "working"
    holiday = rows["2027-01-01"]
    assert holiday[0] == "holiday" and "Новогодние каникулы" in holiday[1]
    # the 31st of December 2026 is a day off by the government's transfer of 4 January
    assert rows["2026-12-31"][0] == "holiday" and "04.01.2026" in rows["2026-12-31"][1]
    assert len(_rows(await _page(client, "?from=2026-12-28&weeks=12"))) == 84
    for query in ("?weeks=0", "?weeks=13", "?weeks=два", "?from=31.12.2026", "?from=9999-12-31"):
        response = await client.get("/duty" + query)
        assert response.status == 400, query
        assert texts.WEB_DUTY_TITLE in await response.text()


async def test_an_operator_assigns_and_clears_and_the_chat_sees_it(app, client, sender) -> None:
    duty, _, operator, first_id, second_id = await _people(app, sender)
    await sign_in(client, app, await user_id_of(app, "telegram", "9001"), "operator")
    csrf = csrf_of_page(await _page(client, "?weeks=2"))
    response = await client.post("/duty", data={
        "csrf": csrf, "action": "set", "from": "2026-11-28", "to": "2026-11-29",
        "people": str(first_id), "view_from": "2026-11-23", "view_weeks": "2"},
        allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/duty?from=2026-11-23&weeks=2&done=set"
    assert await _on_duty(app, date(2026, 11, 28)) == ["Дежурная"]
    assert await _on_duty(app, date(2026, 11, 29)) == ["Дежурная"]
    await duty.say("/duty")  # the chat's roster: the next duty is hers, on Saturday
    assert texts.DUTY_NEXT.format(day="28.11.2026", people="Дежурная (ВКонтакте)") in duty.texts()
    page = await _page(client, "?weeks=2&done=set")
    assert texts.WEB_DUTY_DONE["set"] in page and "Дежурная" in _rows(page)["2026-11-28"][1]
    # one at a time, in turn, over four days
    response = await client.post("/duty", data=[
        ("csrf", csrf), ("action", "rotate"), ("from", "2026-12-07"), ("to", "2026-12-10"),
        ("people", str(second_id)), ("people", str(first_id))])
    assert response.status == 200 and texts.WEB_DUTY_DONE["rotate"] in await response.text()
    assert [await _on_duty(app, date(2026, 12, d)) for d in (7, 8, 9, 10)] == [
        ["Второй дежурный"], ["Дежурная"], ["Второй дежурный"], ["Дежурная"]]
    # a day's own «Снять» button clears that day only
    response = await client.post("/duty", data={"csrf": csrf, "action": "clear",
                                                "from": "2026-11-28", "to": "2026-11-28"})
    assert response.status == 200
    assert await _on_duty(app, date(2026, 11, 28)) == []
    assert await _on_duty(app, date(2026, 11, 29)) == ["Дежурная"]
    # the range form clears the rest
    response = await client.post("/duty", data={"csrf": csrf, "action": "clear",
                                                "from": "2026-11-29", "to": "2026-12-09"})
    assert response.status == 200
    assert [await _on_duty(app, date(2026, 12, d)) for d in (7, 8, 9, 10)] == [
        [], [], [], ["Дежурная"]]
    await operator.say("/duty")
    assert texts.DUTY_NEXT.format(day="10.12.2026", people="Дежурная (ВКонтакте)") in operator.texts()


async def test_admins_and_duty_staff_see_the_roster_but_cannot_change_it(app, sender,
                                                                         admin) -> None:
    _, _, _, first_id, _ = await _people(app, sender)
    for user_id, role in ((await user_id_of(app, "telegram", "2001"), "admin"),
                          (await user_id_of(app, "vk", "3001"), "duty")):
        client = await client_for(app)
        try:
            await sign_in(client, app, user_id, role)
            page = await _page(client)
            assert len(_rows(page)) == 28 and 'name="action"' not in page, role
            response = await client.post("/duty", data={
                "csrf": csrf_of_page(page), "action": "set", "from": "2026-11-28",
                "to": "2026-11-28", "people": str(first_id)})
            assert response.status == 403, role
            assert texts.WEB_DUTY_OPERATORS_ONLY in await response.text()
        finally:
            await client.close()
    assert await _on_duty(app, date(2026, 11, 28)) == []


async def test_a_change_without_the_csrf_token_is_refused(app, client, sender) -> None:
    _, _, _, first_id, _ = await _people(app, sender)
    await sign_in(client, app, await user_id_of(app, "telegram", "9001"), "operator")
    form = {"action": "set", "from": "2026-11-28", "to": "2026-11-28", "people": str(first_id)}
    for data in (form, {**form, "csrf": "0" * 64}):
        response = await client.post("/duty", data=data)
        assert response.status == 403 and texts.WEB_CSRF_REFUSED in await response.text()
    assert await _on_duty(app, date(2026, 11, 28)) == []


async def test_wrong_dates_and_people_are_explained_not_saved(app, client, sender) -> None:
    _, _, _, first_id, _ = await _people(app, sender)
    await sign_in(client, app, await user_id_of(app, "telegram", "9001"), "operator")
    csrf = csrf_of_page(await _page(client))
    me = str(first_id)
    cases = [
        ({"from": "2026-11-22", "to": "2026-11-24", "people": me},  # yesterday
         texts.WEB_DUTY_PAST.format(today="23.11.2026")),
        ({"from": "2026-11-30", "to": "2026-11-29", "people": me}, texts.WEB_DUTY_BACKWARDS),
        # 23.11.2026 to 25.11.2027 is 368 days, one more than /duty takes (366 after the first)
        ({"from": "2026-11-23", "to": "2027-11-25", "people": me},
         texts.WEB_DUTY_TOO_LONG.format(days=367)),
        ({"from": "2026-11-28", "to": "2026-11-28", "people": "99999"}, texts.WEB_DUTY_UNKNOWN),
        ({"from": "2026-11-28", "to": "2026-11-28", "people": "²"}, texts.WEB_DUTY_UNKNOWN),
        ({"from": "2026-11-28", "to": "2026-11-28"}, texts.WEB_DUTY_NO_PEOPLE),
        ({"from": "28.11.2026", "to": "2026-11-28", "people": me}, texts.WEB_DUTY_BAD_DATE),
        ({"from": "2026-11-28", "people": me}, texts.WEB_DUTY_BAD_DATE),
    ]
    for fields, message in cases:
        response = await client.post("/duty", data={"csrf": csrf, "action": "set", **fields})
        html = await response.text()
        assert response.status == 400 and message in html, fields
        assert len(_rows(html)) == 28  # the page again, with the form as it was sent
        assert f'value="{fields.get("from", "")}"' in html
    response = await client.post("/duty", data={"csrf": csrf, "action": "swap",
                                                "from": "2026-11-28", "to": "2026-11-28"})
    assert response.status == 400 and texts.WEB_DUTY_BAD_ACTION in await response.text()
    async with app.db.read() as reader:
        assert await reader.duty.next_duty_day(date(2026, 11, 1)) is None  # nothing saved


async def test_the_chat_refuses_a_rotation_naming_nobody(app, sender) -> None:
    """The rules the page and /duty share: naming nobody is a usage error, in chat too
    (it used to divide by zero)."""
    _, _, operator, _, _ = await _people(app, sender)
    await operator.say("/duty rotate 2026-11-28 2026-11-29 ,")
    assert texts.DUTY_USAGE in operator.texts()
    assert await _on_duty(app, date(2026, 11, 28)) == []
