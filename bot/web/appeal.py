"""The appeal page and its actions: take, answer, redirect, extend, close (the chat card's
actions, through the same AppealService calls inside one unit of work, so the chat cards
are edited and the citizen gets the answer in their messenger through the outbox), and
internal notes (staff only, never sent). Every action is checked on the server against the
signed-in person, exactly as a button press in chat (Actor.may_act_on)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from multidict import MultiDictProxy

from bot import texts
from bot.appeals.cards import abuse_kinds
from bot.appeals.errors import AppealError
from bot.formatting import format_time
from bot.web import timeline
from bot.web.context import WebContext, context_of, viewer
from bot.web.render import message_page, render, see_other
from bot.web.sla import sla_of
from storage.records import Appeal, AppealStatus, ChatRef, User
from storage.repositories import Repositories

TEXT_MAX = 4000  # an answer or a note (a message of 4096 at most in Telegram)
REDIRECT_MATCHES = 8

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


class FormProblem(ValueError):
    """What is wrong with the form, for the person (a text of bot/texts)."""


def _field(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _text(form: Form) -> str:
    text = _field(form, "text")
    if not text:
        raise FormProblem(texts.WEB_TEXT_EMPTY)
    if len(text) > TEXT_MAX:
        raise FormProblem(texts.WEB_TEXT_TOO_LONG.format(limit=TEXT_MAX))
    return text


def _appeal_id(request: web.Request) -> int | None:
    raw = request.match_info["appeal_id"]
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None


async def _source(repos: Repositories, user: User, appeal: Appeal) -> ChatRef:
    """The chat an answer from the page counts as written in: the author's private chat
    (a failed delivery is reported there), else the institution's inbox."""
    if user.chat_id:
        return ChatRef(user.platform, user.chat_id)
    inboxes = await repos.people.inbox_chats(appeal.institution_id)
    return inboxes[0] if inboxes else ChatRef(user.platform, "")


# the actions: each runs inside the unit of work, on an appeal the person may act on

Action = Callable[[WebContext, Repositories, Appeal, User, Form, datetime], Awaitable[str]]


async def _take(ctx: WebContext, repos: Repositories, appeal: Appeal, user: User, form: Form,
                now: datetime) -> str:
    await ctx.appeals.take(repos, appeal, user, now)
    return "taken"


async def _answer(ctx: WebContext, repos: Repositories, appeal: Appeal, user: User, form: Form,
                  now: datetime) -> str:
    text = _text(form)
    # the form shows the appeal as it was: a second press (or another's answer) meanwhile
    # sends nothing twice
    if _field(form, "answers_given") != str(appeal.answers_given):
        raise AppealError(texts.WEB_ANSWER_STALE)
    await ctx.appeals.answer(repos, appeal, user, text, [], await _source(repos, user, appeal),
                             now)
    return "answered"


async def _extend(ctx: WebContext, repos: Repositories, appeal: Appeal, user: User, form: Form,
                  now: datetime) -> str:
    await ctx.appeals.extend(repos, appeal, user, now)
    return "extended"


async def _close(ctx: WebContext, repos: Repositories, appeal: Appeal, user: User, form: Form,
                 now: datetime) -> str:
    reason = _field(form, "reason")
    if reason not in texts.CLOSE_REASONS or (reason == "abuse" and not appeal.abuse):
        raise FormProblem(texts.WEB_BAD_FILTER.format(field=texts.WEB_CLOSE_REASON))
    await ctx.appeals.close(repos, appeal, user, now, reason)
    return "closed"


async def _redirect(ctx: WebContext, repos: Repositories, appeal: Appeal, user: User,
                    form: Form, now: datetime) -> str:
    target = await repos.institutions.get(_field(form, "target"))
    if target is None or not target.active:
        raise FormProblem(texts.WEB_REDIRECT_NONE)
    await ctx.appeals.redirect(repos, appeal, user, target, now)
    return "redirected"


async def _note(ctx: WebContext, repos: Repositories, appeal: Appeal, user: User, form: Form,
                now: datetime) -> str:
    await repos.web.add_note(appeal.id, user.id, _text(form), now)
    return "noted"


ACTIONS: dict[str, Action] = {"take": _take, "answer": _answer, "extend": _extend,
                              "close": _close, "redirect": _redirect, "note": _note}
# An appeal's state each action needs (the service checks it too, and says why not).
OPEN_ONLY = {"take", "extend", "close", "redirect"}


async def act(request: web.Request) -> web.StreamResponse:
    ctx, who = context_of(request), viewer(request)
    appeal_id, action = _appeal_id(request), ACTIONS.get(request.match_info["action"])
    if appeal_id is None or action is None:
        return message_page(request, texts.WEB_NOT_FOUND, status=404)
    form = await request.post()
    now = ctx.clock.now()
    try:
        async with ctx.db.unit() as repos:
            appeal = await repos.appeals.get(appeal_id)
            if appeal is None or not who.actor.may_act_on(appeal):
                return message_page(request, texts.WEB_NO_ACCESS, status=403)
            done = await action(ctx, repos, appeal, who.user, form, now)
            after = await repos.appeals.get(appeal_id)
    except (AppealError, FormProblem) as exc:
        return await appeal_page(request, problem=str(exc),
                                 status=409 if isinstance(exc, AppealError) else 400)
    ctx.notify()  # committed: the delivery sends the citizen's message and the card edits
    if after is None or not who.actor.may_act_on(after):  # redirected out of their sight
        return see_other(f"/queue?done={done}")
    return see_other(f"/appeal/{appeal_id}?done={done}")


async def appeal_page(request: web.Request, *, problem: str | None = None,
                      status: int = 200) -> web.StreamResponse:
    ctx, who = context_of(request), viewer(request)
    appeal_id = _appeal_id(request)
    async with ctx.db.read() as reader:
        appeal = await reader.appeals.get(appeal_id) if appeal_id is not None else None
        if appeal is None or not who.actor.may_act_on(appeal):  # the same for both
            return message_page(request, texts.WEB_NO_ACCESS, status=403)
        thread = await reader.appeals.thread(appeal.id)
        events = await reader.appeals.events(appeal.id)
        notes = await reader.web.notes(appeal.id)
        deliveries = await reader.web.deliveries(appeal.id)
        people = await reader.web.people(
            timeline.people_named(events, notes)
            + ([appeal.assignee_id] if appeal.assignee_id else []))
        insts = await reader.institutions.get_many(
            sorted({appeal.institution_id, *timeline.institutions_named(events)}))
    inst = insts.get(appeal.institution_id)
    tz = ctx.appeals.timezone_of(inst)
    names = {i: found.display_name for i, found in insts.items()}
    files = timeline.attachments(deliveries)
    return render(
        request, "appeal.html", status=status,
        title=texts.WEB_APPEAL_TITLE.format(number=appeal.number), appeal=appeal,
        institution=names.get(appeal.institution_id, appeal.institution_id),
        category=texts.CATEGORIES.get(appeal.category, appeal.category),
        status_text=texts.STATUSES.get(appeal.status, appeal.status),
        platform=timeline.PLATFORMS.get(appeal.platform, appeal.platform),
        filed=format_time(appeal.created_at, tz),
        first_due=format_time(appeal.first_response_due, tz), due=format_time(appeal.due_at, tz),
        sla=sla_of(appeal, ctx.appeals.clock_of(inst), ctx.clock.now()),  # its region's ladder
        assignee=people.get(appeal.assignee_id) if appeal.assignee_id else None,
        abuse=abuse_kinds(appeal) if appeal.abuse else "",
        undelivered=(texts.UNDELIVERED_REASONS.get(appeal.undelivered_reason or "", "")
                     if appeal.undelivered_at else None),
        files=[timeline.attachment_line(a) for a in files],
        files_gone=not files and not any(d.kind == "card" for d in deliveries)
        and appeal.status == AppealStatus.CLOSED,
        entries=timeline.build(thread, events, deliveries, notes, people, names, tz),
        actions=_actions(appeal), close_reasons=_close_reasons(appeal),
        matches=_matches(ctx, request.query.get("redirect_q", "")), redirect_q=request.query.get(
            "redirect_q", ""), done=texts.WEB_DONE.get(request.query.get("done", "")),
        problem=problem, csrf=who.csrf)


def _actions(appeal: Appeal) -> set[str]:
    can: set[str] = {"note"}
    if appeal.is_open:
        can |= OPEN_ONLY | {"answer"}
        if appeal.status != AppealStatus.NEW:
            can.discard("take")
        if appeal.extended_at is not None:
            can.discard("extend")
    elif appeal.status == AppealStatus.ANSWERED:
        can.add("answer")  # a further answer (to the citizen's follow-up)
    return can


def _close_reasons(appeal: Appeal) -> dict[str, str]:
    return {code: title for code, title in texts.CLOSE_REASONS.items()
            if code != "abuse" or appeal.abuse}


def _matches(ctx: WebContext, query: str) -> list[tuple[str, str]]:
    query = query.strip()[:200]
    if not query:
        return []
    return [(m.institution.id, m.institution.display_name)
            for m in ctx.directory.current.search(query, limit=REDIRECT_MATCHES)]

