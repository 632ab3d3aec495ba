"""Sign-in without passwords, the part the chat and the command line share (no aiohttp
here: the dialog imports it for `/web`): who a staff member signs in as, one-time links
(a random token; only its sha256 is stored; single use; 10 minutes), and the chat's access
rules applied to a signed-in person (bot/appeals/access.py's Actor, rebuilt from the
person's current roles at every request, so a revoked role ends what a session sees).

Where the console is reachable is kept in the database (transport_state, "web"/"base_url")
by the process serving it, so `/web` in a bot process links to the console served by
another process on the same database too."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from bot import texts
from bot.appeals.access import Actor
from bot.appeals.regions import scoped
from storage.records import Role
from storage.repositories import Repositories
from storage.web_repo import WebGrant

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
BASE_URL_STATE = ("web", "base_url")
MEMBER = "member"  # a staff group's listed member without a role of their own
# The role a link signs in as, the strongest first.
ROLE_ORDER = (Role.OPERATOR, Role.ADMIN, Role.DUTY)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def grant_of(repos: Repositories, user_id: int) -> WebGrant | None:
    """Whom `/web` signs a person in as: their strongest role (every institution of it), or
    a staff group member's groups; None: not staff."""
    held = {r.role for r in await repos.people.roles(user_id)}
    for role in ROLE_ORDER:
        if role in held:
            return WebGrant(user_id, role.value, None)
    if await repos.web.group_institutions(user_id):
        return WebGrant(user_id, MEMBER, None)
    return None


async def actor_of(repos: Repositories, grant: WebGrant) -> Actor | None:
    """The person as the chat's rules see them, within what the grant signed in as (its
    role, its institution when it names one); None: they no longer hold it."""
    if grant.role == MEMBER:
        groups = [i for i in await repos.web.group_institutions(grant.user_id)
                  if grant.institution_id in (None, i)]
        actor = Actor((), tuple(groups))
    else:
        actor = Actor(tuple(r for r in await repos.people.roles(grant.user_id)
                            if r.role == grant.role
                            and grant.institution_id in (None, r.institution_id)))
    return await scoped(repos, actor) if actor.is_staff else None


async def issue_link(repos: Repositories, grant: WebGrant, now: datetime) -> str:
    """A new one-time token for `grant` (what goes into the link; only its hash is kept)."""
    token = new_token()
    await repos.web.add_link(hash_token(token), grant, now, now + LINK_TTL)
    return token


def sign_in_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/signin/{token}"


async def announce(repos: Repositories, base_url: str, now: datetime) -> None:
    """The serving process says where the console is (for `/web` in any bot process)."""
    await repos.transport_state.put(*BASE_URL_STATE, base_url, now)


async def served_at(repos: Repositories) -> str | None:
    return await repos.transport_state.get(*BASE_URL_STATE)


async def describe(repos: Repositories, grant: WebGrant, actor: Actor) -> str:
    """"оператор министерства", "администратор: Котельничская ЦРБ", ..."""
    ids = actor.institutions()
    if ids is None:
        where = texts.WEB_ALL_INSTITUTIONS
    else:
        found = await repos.institutions.get_many(ids)
        where = ", ".join(found[i].display_name if i in found else i for i in ids)
    return texts.WEB_ROLES[grant.role].format(institutions=where)


async def chat_reply(repos: Repositories, user_id: int, is_group: bool, now: datetime) -> str:
    """`/web`: a staff member gets a one-time link in their private chat; anyone else a
    polite refusal. A link is never posted in a group (its members could use it)."""
    grant = await grant_of(repos, user_id)
    actor = await actor_of(repos, grant) if grant is not None else None
    if grant is None or actor is None:
        return texts.WEB_STAFF_ONLY
    if is_group:
        return texts.WEB_GROUP_PRIVATE
    base_url = await served_at(repos)
    if base_url is None:
        return texts.WEB_NOT_SERVED
    token = await issue_link(repos, grant, now)
    return texts.WEB_LINK.format(url=sign_in_url(base_url, token),
                                 minutes=int(LINK_TTL.total_seconds() // 60),
                                 who=await describe(repos, grant, actor))
