"""Issue 12, item 2: a staff group acts through its listed members only. Those who accepted
an invite in the group, or whom an admin added (/staff add as a reply), are staff there;
everyone else in the group is refused. Managers list staff and inboxes, revoke and unbind
(/staff, python -m bot staff), every change audited. Through the real transports."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot import texts
from bot.__main__ import main
from storage.db import Database, migration_scripts
from tests.fake_vk import CHAT_PEER_BASE
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
from tests.vk_helpers import VkPerson

KOTELNICH = "kir-crb-kotelnich"


def _card(fake, chat: int):  # type: ignore[no-untyped-def]
    return next(m for m in fake.to(chat) if m.text.startswith("Обращение №"))


async def test_a_stranger_in_the_staff_group_is_refused_until_added(app, tg, fake) -> None:
    boss = TgUser(tg, fake, ADMIN, chat_id=GROUP, chat_type="supergroup", name="Главврач")
    await accept_invite(app, boss)
    stranger = TgUser(tg, fake, 3003, chat_id=GROUP, chat_type="supergroup", name="Гость")
    citizen = TgUser(tg, fake, CITIZEN)
    appeal_id = await file_appeal(citizen)
    card = _card(fake, GROUP)
    before = len(fake.to(CITIZEN))

    assert texts.STAFF_NOT_ALLOWED in joined(await stranger.press(card, "st:take"))
    assert texts.STAFF_NOT_ALLOWED in joined(await stranger.press(card, "st:ans"))
    sent = await stranger.say("Оплатите штраф по ссылке", reply_to=card.message_id)
    assert joined(sent) == texts.GROUP_NOT_STAFF
    assert texts.STAFF_ONLY in joined(await stranger.say("/queue"))
    assert await status(app, appeal_id) == "new" and fake.to(CITIZEN)[before:] == []
    # a member cannot make others staff: only the institution's admin or an operator
    assert joined(await stranger.say("/staff add", reply_to=1, reply_to_user=3004)
                  ) == texts.STAFF_ONLY

    await add_to_group(boss, stranger)  # the admin replies to their message: /staff add
    assert filled(texts.STAFF_TAKEN, joined(await stranger.press(card, "st:take")))
    assert await status(app, appeal_id) == "in_progress"


async def test_the_admin_lists_and_revokes_and_the_revoked_are_refused(app, tg, fake) -> None:
    boss = TgUser(tg, fake, ADMIN, chat_id=GROUP, chat_type="supergroup", name="Главврач")
    await accept_invite(app, boss)
    colleague = TgUser(tg, fake, 3003, chat_id=GROUP, chat_type="supergroup",
                       name="Регистратор Анна")
    assert await colleague.say("добрый день, коллеги") == []  # chatter: not for the bot
    await add_to_group(boss, colleague)
    assert joined(await boss.say("/staff add 3003")) == texts.STAFF_ALREADY.format(
        name="Регистратор Анна")
    listing = joined(await boss.say("/staff"))
    names = {fields(texts.STAFF_LIST_ITEM, line)["name"] for line in listing.split("\n")
             if filled(texts.STAFF_LIST_ITEM, line)}
    assert {"Главврач", "Регистратор Анна"} <= names, listing
    assert fields(texts.INBOX_LIST_ITEM, listing)["kind"] == texts.INBOX_KIND_GROUP
    async with app.db.unit() as repos:
        colleague_id = (await repos.people.find_user("telegram", "3003")).id  # type: ignore[union-attr]
        boss_id = (await repos.people.find_user("telegram", str(ADMIN))).id  # type: ignore[union-attr]
    assert f"#{colleague_id}" in listing
    assert texts.STAFF_REVOKE_SELF in joined(await boss.say(f"/staff revoke #{boss_id}"))

    sent = await boss.say(f"/staff revoke #{colleague_id}")
    assert joined(sent) == texts.STAFF_REVOKED.format(id=colleague_id, name="Регистратор Анна",
                                                      count=1)
    citizen = TgUser(tg, fake, CITIZEN)
    await file_appeal(citizen)
    card = [m for m in fake.to(GROUP) if m.text.startswith("Обращение №")][-1]
    assert texts.STAFF_NOT_ALLOWED in joined(await colleague.press(card, "st:take"))
    async with app.db.unit() as repos:
        actions = [row[2] for row in await repos.staff.audit_log()]
    assert {"invite_accepted", "member_added", "revoked"} <= set(actions)


async def test_staff_commands_are_refused_to_citizens_and_members(app, tg, fake) -> None:
    citizen = TgUser(tg, fake, CITIZEN)
    assert joined(await citizen.say("/staff")) == texts.STAFF_ONLY
    assert joined(await citizen.say("/staff revoke 1")) == texts.STAFF_ONLY
    assert joined(await citizen.say("/ban 2026-000001")) == texts.STAFF_ONLY


async def test_unbinding_the_group_sends_new_appeals_to_the_operators(app, tg, fake) -> None:
    from bot.appeals.staff_power import grant_role

    async with app.db.unit() as repos:
        await grant_role(repos, platform="telegram", user_id="9001", chat_id="9001",
                         role="operator", institution_id=None, now=app.clock.now())
    operator = TgUser(tg, fake, 9001, name="Оператор")
    boss = TgUser(tg, fake, ADMIN, chat_id=GROUP, chat_type="supergroup")
    await accept_invite(app, boss)
    listing = joined(await operator.say("/staff"))
    assert fields(texts.INBOX_LIST_ITEM, listing)["chat_id"] == str(GROUP)
    inbox_id = listing.split("чат #", 1)[1].split(" ", 1)[0]
    sent = joined(await operator.say(f"/staff unbind {inbox_id}"))
    assert sent == texts.INBOX_UNBOUND.format(id=inbox_id, institution="Котельничская ЦРБ"
                                              ) + texts.INBOX_UNBOUND_LAST
    citizen = TgUser(tg, fake, CITIZEN)
    before = len(fake.to(GROUP))
    await file_appeal(citizen)
    assert fake.to(GROUP)[before:] == []
    no_inbox = texts.STAFF_NEW_NO_INBOX.format(institution="Котельничская ЦРБ")
    assert any(m.text.startswith(no_inbox) for m in fake.to(9001)), no_inbox
    # the former group's admin keeps the role, but the group is no staff group any more
    card = [m for m in fake.to(9001) if "Обращение №" in m.text][-1]
    assert texts.STAFF_NOT_ALLOWED not in joined(
        await boss.press_data(card.message_id, "st:card:1"))


async def test_vk_conversation_stranger_is_refused(app, vk, fake_vk) -> None:
    peer = CHAT_PEER_BASE + 7
    boss = VkPerson(app, vk, fake_vk, 601, peer_id=peer, name=("Главный", "Врач"))
    await boss.accept_invite("admin", KOTELNICH)
    stranger = VkPerson(app, vk, fake_vk, 602, peer_id=peer, name=("Гость", "Беседы"))
    citizen = VkPerson(app, vk, fake_vk, 501, name=("Иван", "Петров"))
    await citizen.file_appeal()
    card = boss.last_with_button("Взять в работу")
    replies = await stranger.press("Взять в работу", on=card)
    assert any(texts.STAFF_NOT_ALLOWED in m.text for m in replies)

    update = fake_vk.message_new(601, "/staff add", peer_id=peer, inject=False)
    update["object"]["message"]["reply_message"] = {
        "from_id": 602, "text": "я новенькая", "conversation_message_id": 1, "peer_id": peer}
    added = await boss.feed(update)
    assert any(filled(texts.STAFF_ADDED, m.text) for m in added), [m.text for m in added]
    replies = await stranger.press("Взять в работу", on=card)
    assert any(filled(texts.STAFF_TAKEN, m.text) for m in replies), [m.text for m in replies]


async def test_existing_group_admins_stay_members_after_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the schema before group member lists
        for number, _, sql in migration_scripts()[:6]:
            conn.executescript(f"{sql}\nPRAGMA user_version = {number};")
        conn.executescript("""
            INSERT INTO institutions (id, name, updated_at) VALUES ('i1', 'ЦРБ', 'x');
            INSERT INTO users (id, platform, platform_user_id, chat_id, created_at)
                VALUES (1, 'telegram', '2001', '2001', 'x'), (2, 'telegram', '3003', '', 'x');
            INSERT INTO staff (user_id, role, institution_id, created_at)
                VALUES (1, 'admin', 'i1', 'x');
            INSERT INTO inbox_chats (institution_id, platform, chat_id, is_group, created_at)
                VALUES ('i1', 'telegram', '-100500', 1, 'x');
        """)
    db = await Database.open(path)
    try:
        async with db.unit() as repos:
            assert await repos.staff.is_member("telegram", "-100500", 1)
            assert not await repos.staff.is_member("telegram", "-100500", 2)
    finally:
        await db.close()


def test_cli_lists_revokes_and_audits(app_settings_env, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["invite", "--role", "operator"]) == 0
    assert main(["staff"]) == 0
    out = capsys.readouterr().out
    assert texts.STAFF_LIST_EMPTY in out
    assert main(["staff", "revoke", "999"]) == 2
    assert texts.STAFF_UNKNOWN.format(ref=999) in capsys.readouterr().err
    assert main(["staff", "unbind", "999"]) == 2
    assert main(["staff", "audit"]) == 0


@pytest.fixture
def app_settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for key in ("TELEGRAM_BOT_TOKEN", "VK_GROUP_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("FAQ_PATH", str(tmp_path / "faq.yaml"))
    return tmp_path
