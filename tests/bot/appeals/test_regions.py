"""Several regions in one deployment (issue 16, item 5): escalations, the cards of
institutions without an inbox, weekend duty and deadlines follow the appeal's region;
whoever is bound to no region hears of every region's, and nothing is ever lost. On
SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.appeals.region_rules import RegionalDeadlines, RegionRulesError
from bot.config import Settings
from directory.model import Institution
from tests.chat import Chat
from tests.conftest import KOTELNICH
from tests.regions_helpers import KIROV_REGION, MARI_REGION, invited, regions_csv
from tests.texts_helpers import fields, filled

KIROV = ZoneInfo("Europe/Kirov")


def kirov(*args: int) -> datetime:
    return datetime(*args, tzinfo=KIROV).astimezone(UTC)


def of(template: str, messages: list) -> list:
    return [m for m in messages if filled(template, m.text)]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"directory_csv": regions_csv(tmp_path)})


async def _tick(app) -> None:
    await app.reminders.tick()
    await app.courier.flush()


async def _operators(app, sender) -> tuple[Chat, Chat]:
    """One operator of region A (Kirov), one of region B (Mari El)."""
    return (await invited(app, sender, "operator", KIROV_REGION, "9001"),
            await invited(app, sender, "operator", MARI_REGION, "9002"))


async def test_an_escalation_reaches_only_its_regions_operator(app, sender, clock) -> None:
    op_a, op_b = await _operators(app, sender)
    admin = Chat(app, sender, "telegram", user_id="2001")
    await admin.accept_invite("admin", KOTELNICH)
    await Chat(app, sender, "telegram", user_id="1001").file_appeal()  # Kotelnich: region A
    clock.moment += timedelta(hours=25)  # the first response is missed
    await _tick(app)
    assert of(texts.ESCALATION, sender.to(op_a.chat_id))
    assert not of(texts.ESCALATION, sender.to(op_b.chat_id))


async def test_an_inbox_less_institutions_appeal_goes_to_its_regions_operator(
        app, sender) -> None:
    op_a, op_b = await _operators(app, sender)
    citizen = Chat(app, sender, "telegram", user_id="1001")
    await citizen.file_appeal("сернурская црб")  # region B, no inbox chat
    assert fields(texts.APPEAL_FILED_VIA_OPERATORS, citizen.texts())["institution"] == (
        "Сернурская ЦРБ")
    assert of(texts.STAFF_NEW_NO_INBOX, sender.to(op_b.chat_id))
    assert not of(texts.STAFF_NEW_NO_INBOX, sender.to(op_a.chat_id))


async def test_a_region_without_operators_goes_to_the_region_less_ones(app, sender) -> None:
    op_a, op_b = await _operators(app, sender)
    everyone = await invited(app, sender, "operator", "", "9000")
    await Chat(app, sender, "telegram", user_id="1001").file_appeal("кунгурская црб")  # C
    assert of(texts.STAFF_NEW_NO_INBOX, sender.to(everyone.chat_id))
    assert not of(texts.STAFF_NEW_NO_INBOX, sender.to(op_a.chat_id))
    assert not of(texts.STAFF_NEW_NO_INBOX, sender.to(op_b.chat_id))
    # ...and the region-less operator hears of region B's too, with B's own operator
    await Chat(app, sender, "telegram", user_id="1002").file_appeal("сернурская црб")
    assert len(of(texts.STAFF_NEW_NO_INBOX, sender.to(everyone.chat_id))) == 2
    assert of(texts.STAFF_NEW_NO_INBOX, sender.to(op_b.chat_id))


async def test_with_nobody_for_the_region_every_operator_gets_it(app, sender) -> None:
    op_a, op_b = await _operators(app, sender)
    await Chat(app, sender, "telegram", user_id="1001").file_appeal("кунгурская црб")  # C
    assert of(texts.STAFF_NEW_NO_INBOX, sender.to(op_a.chat_id))
    assert of(texts.STAFF_NEW_NO_INBOX, sender.to(op_b.chat_id))


async def test_duty_staff_get_their_own_regions_weekend_reminders(app, sender, clock) -> None:
    clock.moment = kirov(2026, 11, 26, 12, 0)
    operator = await invited(app, sender, "operator", "", "9000")
    duty_a = await invited(app, sender, "duty", KIROV_REGION, "3001", platform="vk")
    duty_b = await invited(app, sender, "duty", MARI_REGION, "3002", platform="vk")
    async with app.db.unit() as repos:
        ids = [(await repos.people.find_user("vk", u)).id for u in ("3001", "3002")]
    await operator.say(f"/duty set 2026-11-28 2026-11-29 {ids[0]},{ids[1]}")
    assert texts.DUTY_SAVED.format(count=2) in operator.texts()
    admin = Chat(app, sender, "telegram", user_id="2001")
    await admin.accept_invite("admin", KOTELNICH)

    clock.moment = kirov(2026, 11, 27, 17, 55)  # Friday, five minutes before the weekend
    in_a = await Chat(app, sender, "telegram", user_id="1001").file_appeal()  # Kotelnich
    in_b = await Chat(app, sender, "telegram", user_id="1002").file_appeal("сернурская црб")
    await _tick(app)
    clock.moment = kirov(2026, 11, 28, 9, 0)  # Saturday: half of the first-response time
    await _tick(app)
    [to_a] = of(texts.REMINDER, sender.to(duty_a.chat_id))
    [to_b] = of(texts.REMINDER, sender.to(duty_b.chat_id))
    assert fields(texts.REMINDER, to_a.text)["number"] == f"2026-{in_a:06d}"
    assert fields(texts.REMINDER, to_b.text)["number"] == f"2026-{in_b:06d}"


async def test_the_roster_of_no_region_covers_every_region_as_before(app, sender, clock) -> None:
    clock.moment = kirov(2026, 11, 26, 12, 0)
    operator = await invited(app, sender, "operator", "", "9000")
    duty = await invited(app, sender, "duty", "", "3001", platform="vk")
    async with app.db.unit() as repos:
        duty_id = (await repos.people.find_user("vk", "3001")).id
    await operator.say(f"/duty set 2026-11-28 2026-11-29 {duty_id}")
    clock.moment = kirov(2026, 11, 27, 17, 55)
    await Chat(app, sender, "telegram", user_id="1002").file_appeal("сернурская црб")
    clock.moment = kirov(2026, 11, 28, 9, 0)
    await _tick(app)
    assert len(of(texts.REMINDER, sender.to(duty.chat_id))) == 1


# each region's deadlines


def _rules(tmp_path: Path) -> Path:
    path = tmp_path / "regions.yaml"
    path.write_text(f"{KIROV_REGION}:\n  calendar:\n    days_off: [2026-12-23]\n"
                    "Марий Эл:\n  policy:\n    defaults: {first_response: 8h}\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def regional_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"regions_path": _rules(tmp_path)})


async def test_a_regions_day_off_and_policy_move_its_deadlines_only(
        regional_settings: Settings, clock, sender) -> None:
    from bot.app import build_app

    app = await build_app(regional_settings, clock)  # Monday 23.11.2026 09:00 in Kirov
    try:
        app.senders.update({"telegram": sender.for_platform("telegram")})
        await invited(app, sender, "operator", "", "9000")
        in_a = Chat(app, sender, "telegram", user_id="1001")
        await in_a.file_appeal()  # Kotelnich: 30 days is 23.12, a day off in region A only
        in_b = Chat(app, sender, "telegram", user_id="1002")
        await in_b.file_appeal("сернурская црб")
        filed_a = fields(texts.APPEAL_FILED_VIA_OPERATORS, in_a.texts())
        filed_b = fields(texts.APPEAL_FILED_VIA_OPERATORS, in_b.texts())
    finally:
        await app.close()
    assert filed_a["due"].startswith("24.12.2026 18:00")  # rolled past A's day off
    assert filed_b["due"].startswith("23.12.2026 09:00")
    assert filed_a["first_due"].startswith("24.11.2026 09:00")
    assert filed_b["first_due"].startswith("23.11.2026 17:00")  # B's own policy: 8 hours


def test_the_regions_file_is_checked_at_start(tmp_path: Path) -> None:
    path = tmp_path / "regions.yaml"
    rules = RegionalDeadlines.load(_rules(tmp_path))
    mari = Institution("x", "x", region=MARI_REGION)
    assert rules.of(mari).policy.defaults.first_response == timedelta(hours=8)
    assert rules.of(Institution("y", "y")).policy.defaults.first_response == timedelta(hours=24)
    assert rules.of(Institution("z", "z", region="Пермский край")) is rules.base
    for text, problem in (
            ("Кировская область:\n  policy:\n    nonsense: 1\n", "Кировская область.policy"),
            ("Кировская область:\n  weather: {}\n", "допустимы ключи policy и calendar"),
            ("Кировская область: {}\nКировская обл.: {}\n", "тот же регион"),
            ("'область': {}\n", "пустое название"),
            ("Марий Эл:\n  calendar:\n    days_off: [2026-02-30]\n", "неверное значение"),
            ("Марий Эл:\n  policy:\n    defaults: {final: 1h, first_response: 2h}\n",
             "Марий Эл: defaults: first_response")):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RegionRulesError, match=problem):
            RegionalDeadlines.load(path)


async def test_the_staff_list_names_the_operators_region(app, sender) -> None:
    from bot.appeals.staff_power import CLI, listing

    await _operators(app, sender)
    async with app.db.unit() as repos:
        shown = await listing(repos, CLI)
    assert texts.STAFF_LIST_REGION.format(region=KIROV_REGION) in shown
    assert texts.STAFF_LIST_REGION.format(region="Марий Эл") in shown  # the first spelling



async def test_an_operators_queue_and_stats_are_their_regions(app, sender) -> None:
    op_a, op_b = await _operators(app, sender)
    everyone = await invited(app, sender, "operator", "", "9000")
    in_a = await Chat(app, sender, "telegram", user_id="1001").file_appeal()  # Kotelnich
    in_b = await Chat(app, sender, "telegram", user_id="1002").file_appeal("сернурская црб")
    number_a, number_b = f"2026-{in_a:06d}", f"2026-{in_b:06d}"
    await op_a.say("/queue")
    assert number_a in op_a.texts() and number_b not in op_a.texts()
    await op_b.say("/queue")
    assert number_b in op_b.texts() and number_a not in op_b.texts()
    await everyone.say("/queue")
    assert number_a in everyone.texts() and number_b in everyone.texts()
    await op_b.say("/stats")
    shown = fields(texts.STATS, op_b.texts())
    assert shown["scope"] == texts.STATS_SCOPE_REGIONS.format(regions="Марий Эл")
    assert shown["open"] == "1"
    await everyone.say("/stats")
    assert fields(texts.STATS, everyone.texts())["open"] == "2"


async def test_the_morning_list_of_unreceived_appeals_is_per_region(app, sender, clock) -> None:
    op_a, op_b = await _operators(app, sender)
    await Chat(app, sender, "telegram", user_id="1001").file_appeal("сернурская црб")  # B
    await Chat(app, sender, "telegram", user_id="1002").file_appeal("кунгурская црб")  # C
    clock.moment += timedelta(minutes=5)
    assert await app.digests.unreceived() == 2
    await app.courier.flush()
    [to_a] = of(texts.DIGEST_NO_INBOX, sender.to(op_a.chat_id))
    [to_b] = of(texts.DIGEST_NO_INBOX, sender.to(op_b.chat_id))
    assert texts.DIGEST_NO_INBOX.format(count=1) in to_a.text  # C's: nobody else hears of it
    assert "Кунгурская ЦРБ" in to_a.text and "Сернурская ЦРБ" not in to_a.text
    assert texts.DIGEST_NO_INBOX.format(count=2) in to_b.text
    assert await app.digests.unreceived() == 0  # once a day


async def test_imported_roster_entries_carry_a_region(app, sender, tmp_path: Path) -> None:
    from datetime import date

    from bot.appeals.duty import import_duty, on_duty, parse_duty_csv

    await invited(app, sender, "duty", MARI_REGION, "3001", platform="vk")  # B's
    await invited(app, sender, "duty", "", "3002", platform="vk")  # no region's
    path = tmp_path / "duty.csv"
    path.write_text("date,platform,user_id,region\n2026-11-28,vk,3001,\n"
                    f"2026-11-28,vk,3002,{KIROV_REGION}\n", encoding="utf-8")
    rows, errors = parse_duty_csv(path)
    assert errors == [] and [r.region for r in rows] == ["", "кир"]
    async with app.db.unit() as repos:
        assert await import_duty(repos, rows, app.clock.now()) == (2, [])
    day = date(2026, 11, 28)
    async with app.db.unit() as repos:
        assert [u.platform_user_id for u in await on_duty(repos, day, "мар эл")] == ["3001"]
        assert [u.platform_user_id for u in await on_duty(repos, day, "кир")] == ["3002"]
        # nobody on duty for C or for none: the duty staff of C and of none
        assert [u.platform_user_id for u in await on_duty(repos, day, "перм")] == ["3002"]
        assert len(await on_duty(repos, day)) == 2


async def test_an_operator_of_one_region_cannot_act_on_anothers_appeal(app, sender) -> None:
    """Not only kept from their queue: a card of region B's appeal pressed (or a payload
    forged) by A's operator is refused; B's operator and an unbound one may act."""
    op_a, op_b = await _operators(app, sender)
    everyone = await invited(app, sender, "operator", "", "9000")
    in_b = await Chat(app, sender, "telegram", user_id="1002").file_appeal("сернурская црб")
    await op_a.send(payload=f"st:take:{in_b}")
    assert texts.STAFF_NOT_ALLOWED in op_a.texts(), op_a.texts()
    async with app.db.unit() as repos:
        assert (await repos.appeals.get(in_b)).status == "new"
    await op_b.send(payload=f"st:take:{in_b}")
    assert texts.STAFF_NOT_ALLOWED not in op_b.texts()
    async with app.db.unit() as repos:
        assert (await repos.appeals.get(in_b)).status == "in_progress"
    await everyone.send(payload="st:take:" + str(in_b))
    assert texts.STAFF_NOT_ALLOWED not in everyone.texts()


async def test_the_web_console_shows_an_operator_their_regions_appeals(app, sender) -> None:
    from tests.web.helpers import client_for, sign_in, user_id_of

    await _operators(app, sender)
    in_a = await Chat(app, sender, "telegram", user_id="1001").file_appeal()  # Kotelnich
    in_b = await Chat(app, sender, "telegram", user_id="1002").file_appeal("сернурская црб")
    client = await client_for(app)
    try:
        await sign_in(client, app, await user_id_of(app, "telegram", "9002"), "operator")
        html = await (await client.get("/queue")).text()
        assert f"2026-{in_b:06d}" in html and f"2026-{in_a:06d}" not in html
        assert (await client.get(f"/appeal/{in_a}")).status == 403
        assert (await client.get(f"/appeal/{in_b}")).status == 200
    finally:
        await client.close()
