"""Staff commands: the queue and reports, /web (a sign-in link to the web console), and
/staff, /ban: managers list, add and revoke staff, unbind inboxes, ban."""

from __future__ import annotations

from bot import texts
from bot.appeals import staff_power
from bot.appeals.service import AppealService
from bot.appeals.staff_power import Scope
from bot.dialog.staff import StaffFlows
from bot.dialog.turn import Turn
from bot.web import links as web_links
from storage.records import Role


async def staff_commands(t: Turn, flows: StaffFlows, command: str, arg: str) -> bool:
    """Runs a staff command (each checks the role itself); False: not a staff command."""
    if command == "/queue":
        await flows.queue(t)
    elif command == "/stats":
        await flows.stats(t)
    elif command == "/duty":
        await flows.duty(t, arg)
    elif command == "/gaps":
        await flows.gaps(t)
    elif command == "/faqstats":
        await flows.faq_stats(t)
    elif command == "/routing":
        await flows.routing(t, arg)
    elif command == "/reload_faq":
        await flows.reload_faq(t)
    elif command == "/staff":
        await staff_command(t, arg)
    elif command in ("/ban", "/unban"):
        await ban_command(t, flows.appeals, arg, lift=command == "/unban")
    elif command == "/web":  # a one-time sign-in link to the web console (bot/web)
        t.say(await web_links.chat_reply(t.repos, t.user.id, t.inc.is_group, t.now))
    else:
        return False
    return True


def manager_scope(t: Turn) -> Scope | None:
    """Operators manage everyone, admins the staff of their own institutions; others no one."""
    if t.actor.is_operator:
        return Scope(None, str(t.user.id))
    mine = sorted({r.institution_id for r in t.actor.roles
                   if r.role == Role.ADMIN and r.institution_id})
    return Scope(mine, str(t.user.id)) if mine else None


async def staff_command(t: Turn, arg: str) -> None:
    scope = manager_scope(t)
    if scope is None:
        t.say(texts.STAFF_MANAGERS_ONLY if t.actor.is_staff else texts.STAFF_ONLY)
        return
    words = arg.split()
    action = words[0].lower() if words else ""
    ref = words[1] if len(words) > 1 else ""
    if action == "add":
        await _add(t, scope, ref)
    elif action == "revoke" and ref:
        await _revoke(t, scope, ref)
    elif action == "unbind" and ref:
        await _unbind(t, scope, ref)
    elif action:
        t.say(texts.STAFF_USAGE)
    else:
        t.say(await staff_power.listing(t.repos, scope) + "\n\n" + texts.STAFF_USAGE)


async def _add(t: Turn, scope: Scope, ref: str) -> None:
    inc = t.inc
    if not inc.is_group:
        t.say(texts.STAFF_ADD_ONLY_GROUP)
        return
    bound = await t.repos.people.institutions_of_group_chat(inc.platform, inc.chat_id)
    if not bound:
        t.say(texts.STAFF_ADD_NOT_INBOX)
        return
    if not any(scope.covers(i) for i in bound):
        t.say(texts.STAFF_MANAGERS_ONLY)
        return
    person_id = inc.reply_to_user_id or (ref if ref.isascii() and ref.isdigit() else "")
    if not person_id:
        t.say(texts.STAFF_ADD_HOW)
        return
    person = await t.repos.people.ensure_user(inc.platform, person_id, "", "", t.now)
    name = person.display_name or person_id
    if await staff_power.add_member(t.repos, inc.platform, inc.chat_id, person, scope, t.now):
        t.say(texts.STAFF_ADDED.format(name=name))
    else:
        t.say(texts.STAFF_ALREADY.format(name=name))


async def _revoke(t: Turn, scope: Scope, ref: str) -> None:
    person = await staff_power.find_person(t.repos, ref) if "-" not in ref else None
    if person is None:
        t.say(texts.STAFF_UNKNOWN.format(ref=ref.lstrip("#")[:20]))
        return
    if person.id == t.user.id:
        t.say(texts.STAFF_REVOKE_SELF)
        return
    was_operator = any(r.role == Role.OPERATOR for r in await t.repos.people.roles(person.id))
    taken = await staff_power.revoke(t.repos, person.id, scope, t.now)
    if not taken:
        t.say(texts.STAFF_REVOKE_NONE.format(id=person.id))
        return
    text = texts.STAFF_REVOKED.format(id=person.id, name=person.display_name
                                      or person.platform_user_id, count=taken)
    t.say(text + (texts.STAFF_REVOKE_FROM_SETTINGS if was_operator else ""))


async def _unbind(t: Turn, scope: Scope, ref: str) -> None:
    digits = ref.lstrip("#")
    answer = (await staff_power.unbind(t.repos, int(digits), scope, t.now)
              if digits.isascii() and digits.isdigit() and len(digits) < 12 else None)
    t.say(answer or texts.INBOX_UNKNOWN.format(ref=digits[:20]))


async def ban_command(t: Turn, appeals: AppealService, arg: str, *, lift: bool) -> None:
    if not t.actor.is_operator:
        t.say(texts.STAFF_ONLY)
        return
    ref, _, reason = arg.strip().partition(" ")
    if not ref:
        t.say(texts.BAN_USAGE)
        return
    person = await staff_power.find_person(t.repos, ref)
    if person is None:
        t.say(texts.BAN_UNKNOWN.format(ref=ref[:30]))
        return
    scope = Scope(None, str(t.user.id))
    if lift:
        t.say(await staff_power.unban(t.repos, appeals, person, scope, t.now))
    else:
        t.say(await staff_power.ban(t.repos, appeals, person, reason.strip(), scope, t.now))
