"""Staff flows: act on appeal cards, answer, redirect, the queue; operators' FAQ reports."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.appeals.delivery_report import delivery_lines
from bot.appeals.digests import current_deadline
from bot.appeals.service import AppealError, AppealService, card_buttons
from bot.dialog.answers import AnswerFlows, group_hint
from bot.dialog.citizen import CitizenFlows, cancel_row
from bot.dialog.ports import FaqSource
from bot.dialog.turn import Turn
from bot.dialog.types import Attachment, Button
from bot.screening import mask_personal_data
from storage.records import Appeal, User
from storage.repositories import Repositories

INVITE_TTL = timedelta(days=7)


async def create_invite(
    repos: Repositories, role: str, institution_id: str | None, now
) -> str:  # type: ignore[no-untyped-def]
    """A one-time token for `/start inv_<token>`; short enough for a Telegram deep link."""
    token = secrets.token_urlsafe(12)
    await repos.people.create_invite(token, role, institution_id, now, now + INVITE_TTL)
    return token


class StaffFlows:
    def __init__(self, appeals: AppealService, citizen: CitizenFlows, faq: FaqSource,
                 answers: AnswerFlows) -> None:
        self.appeals = appeals
        self.answers = answers
        self.citizen = citizen
        self.faq = faq

    async def _appeal_for_action(self, t: Turn, appeal_id: int) -> Appeal | None:
        """The appeal if this presser may act on it; otherwise says why and returns None."""
        appeal = await t.repos.appeals.get(appeal_id)
        if appeal is None or not t.actor.is_staff or not t.actor.may_act_on(appeal):
            t.say(texts.STAFF_NOT_ALLOWED)  # the same whether it exists or not
            return None
        return appeal

    async def action(self, t: Turn, action: str, appeal_id: int) -> None:
        appeal = await self._appeal_for_action(t, appeal_id)
        if appeal is None:
            return
        if action == "card":
            t.say(await self.appeals.card_text(t.repos, appeal), card_buttons(appeal),
                  card_of=appeal.id)
            return
        answerable = appeal.is_open or (action in ("ans", "ansedit")
                                        and appeal.status == "answered")  # a further answer
        if (action in ("ans", "redir", "take", "close", "ext", "ansedit")
                or action.startswith("cl")) and not answerable:
            t.say(texts.appeal_state(appeal.number, appeal.status))
            return
        if action == "take":
            await self.appeals.take(t.repos, appeal, t.user, t.now)
            t.say(texts.STAFF_TAKEN.format(number=appeal.number))
        elif action == "close":  # a reason first, in one tap
            t.say(texts.STAFF_ASK_CLOSE_REASON.format(number=appeal.number), [
                [Button(title, f"st:cl{code}:{appeal.id}")]
                for code, title in texts.CLOSE_REASONS.items()
                if code != "abuse" or appeal.abuse] + [cancel_row()])
        elif action.startswith("cl") and action[2:] in texts.CLOSE_REASONS and (
                action != "clabuse" or appeal.abuse):
            await self.appeals.close(t.repos, appeal, t.user, t.now, action[2:])
            t.say(texts.STAFF_CLOSED_BECAUSE.format(
                number=appeal.number, reason=texts.CLOSE_REASONS[action[2:]]))
        elif action == "ext":
            appeal = await self.appeals.extend(t.repos, appeal, t.user, t.now)
            inst = await t.repos.institutions.get(appeal.institution_id)
            t.say(texts.STAFF_EXTENDED.format(number=appeal.number, due=texts.format_time(
                appeal.due_at, self.appeals.timezone_of(inst))))
        elif action == "ans":
            self.answers.start(t, appeal)
        elif action in ("ansok", "ansedit"):
            if action == "ansok":
                await self.answers.confirm(t, appeal)
            else:
                self.answers.edit(t, appeal)
        elif action == "redir":
            t.go("staff_redirect", appeal_id=appeal.id)
            t.say(texts.STAFF_ASK_REDIRECT.format(number=appeal.number) + group_hint(t),
                  [cancel_row()])
        else:
            t.say(texts.STALE_BUTTON)

    async def answer(self, t: Turn, appeal_id: int, text: str,
                     attachments: tuple[Attachment, ...] = ()) -> None:
        """A staff member's text for an appeal: a draft to confirm (bot/dialog/answers.py)."""
        appeal = await self._appeal_for_action(t, appeal_id)
        if appeal is None:
            t.go("idle")
            return
        if not appeal.is_open and appeal.status != "answered":
            t.go("idle")
            t.say(texts.appeal_state(appeal.number, appeal.status))
            return
        await self.answers.draft(t, appeal, text, attachments)

    async def redirect_search(self, t: Turn, query: str) -> None:
        appeal_id = t.data("appeal_id")
        matches = self.citizen.search(t, query)
        if matches is None:
            return
        # Every match as a button, even a clear winner: a redirect deserves a look.
        t.go("staff_redirect", appeal_id=appeal_id,
             candidates=[m.institution.id for m in matches])
        t.say(texts.FIND_CHOOSE, self.citizen.choice_buttons(matches))

    async def redirect_to(self, t: Turn, index: int) -> None:
        candidates = t.data("candidates") or []
        appeal_id = t.data("appeal_id")
        t.go("idle")
        if not 0 <= index < len(candidates) or appeal_id is None:
            t.say(texts.STALE_BUTTON)
            return
        appeal = await self._appeal_for_action(t, appeal_id)
        target = await t.repos.institutions.get(candidates[index])
        if appeal is None or target is None:
            return
        late = self.appeals.redirect_is_late(appeal, t.now)
        try:
            await self.appeals.redirect(t.repos, appeal, t.user, target, t.now)
        except AppealError as exc:
            t.go("staff_redirect", appeal_id=appeal_id, candidates=candidates)
            t.say(str(exc), [cancel_row()])
            return
        text = texts.STAFF_REDIRECTED.format(number=appeal.number, institution=target.display_name)
        t.say(text + ("\n" + texts.STAFF_REDIRECT_LATE if late else ""))

    async def queue(self, t: Turn) -> None:
        if not t.actor.is_staff:
            t.say(texts.STAFF_ONLY)
            return
        appeals = await t.repos.appeals.open_queue(t.actor.institutions(), limit=20)
        if not appeals:
            t.say(texts.STAFF_QUEUE_EMPTY)
            return
        lines = [texts.STAFF_QUEUE_TITLE.format(count=len(appeals))]
        received = (await t.repos.people.inbox_chats_of(sorted({a.institution_id for a in appeals}))
                    if t.actor.is_operator else None)
        rows = []
        for appeal in appeals:
            inst = await t.repos.institutions.get(appeal.institution_id)
            name = inst.display_name if inst else appeal.institution_id
            target, due = current_deadline(appeal)  # the nearer one, labelled
            label = texts.QUEUE_FIRST_DUE if target == "first_response" else texts.QUEUE_FINAL_DUE
            lines.append(texts.STAFF_QUEUE_ITEM.format(
                number=appeal.number, institution=name, status=texts.STATUSES[appeal.status],
                deadline=label.format(due=texts.format_time(due, self.appeals.timezone_of(inst))),
                overdue=(texts.OVERDUE_MARK if appeal.is_open and due < t.now else "")
                + (texts.QUEUE_UNDELIVERED_MARK if appeal.undelivered_at else "")
                + (texts.QUEUE_NO_INBOX_MARK if received is not None
                   and appeal.institution_id not in received else ""),
            ))
            if len(rows) < 10:
                rows.append([Button(texts.BTN_OPEN_CARD.format(
                    number=appeal.number, institution=name)[:60], f"st:card:{appeal.id}")])
        t.say("\n".join(lines), rows)

    async def stats(self, t: Turn, days: int = 30) -> None:
        if not t.actor.is_staff:
            t.say(texts.STAFF_ONLY)
            return
        scope_ids = t.actor.institutions()
        figures = await t.repos.appeals.stats(scope_ids, t.now, t.now - timedelta(days=days))
        if scope_ids is None:
            scope = texts.STATS_SCOPE_ALL
        else:
            names = [(await t.repos.institutions.get(i)) for i in scope_ids]
            scope = ", ".join(inst.display_name for inst in names if inst)
        first = figures["first_responses"]
        on_time = (f"{figures['first_response_on_time'] * 100 // first}% ({first})" if first
                   else texts.NO_DATA)
        rating = (f"{figures['avg_rating']:.1f} из 5" if figures["avg_rating"] is not None
                  else texts.NO_DATA)
        text = texts.STATS.format(
            scope=scope, open=figures["new"] + figures["in_progress"], new=figures["new"],
            in_progress=figures["in_progress"], overdue=figures["overdue"], days=days,
            received=figures["received"], answered=figures["answered"], on_time=on_time,
            rating=rating,
        )
        if t.actor.is_operator:  # the delivery is the ministry's to watch
            lines = await delivery_lines(t.repos, self.appeals.default_timezone)
            text += "\n\n" + "\n".join(lines)
        t.say(text)

    # duty roster

    async def duty(self, t: Turn, arg: str) -> None:
        words = arg.split()
        if not t.actor.is_staff:  # the roster names staff: not for citizens
            t.say(texts.STAFF_ONLY)
        elif not words:
            await self._duty_now(t)
        elif not t.actor.is_operator:
            t.say(texts.STAFF_ONLY)
        elif words[0] == "staff":
            people = await t.repos.duty.duty_staff()
            t.say("\n".join([texts.DUTY_STAFF_TITLE] + [
                f"{u.id} · {u.display_name or u.platform_user_id} · "
                f"{texts.PLATFORM_NAMES.get(u.platform, u.platform)}" for u in people])
                  if people else texts.DUTY_STAFF_EMPTY)
        elif words[0] in ("set", "rotate", "clear") and len(words) >= 3:
            await self._duty_change(t, words)
        else:
            t.say(texts.DUTY_USAGE)

    async def _duty_now(self, t: Turn) -> None:
        today = t.now.astimezone(ZoneInfo(self.appeals.default_timezone)).date()
        now_people = await t.repos.duty.on_duty(today)
        lines = [texts.DUTY_NOW.format(people=_names(now_people)) if now_people
                 else texts.DUTY_NOW_NOBODY]
        next_day = await t.repos.duty.next_duty_day(today)
        if next_day is not None:
            lines.append(texts.DUTY_NEXT.format(
                day=f"{next_day:%d.%m.%Y}", people=_names(await t.repos.duty.on_duty(next_day))))
        else:
            lines.append(texts.DUTY_NEXT_NOBODY)
        if t.actor.is_operator:
            lines.append("\n" + texts.DUTY_USAGE)
        t.say("\n".join(lines))

    async def _duty_change(self, t: Turn, words: list[str]) -> None:
        try:
            first, last = date.fromisoformat(words[1]), date.fromisoformat(words[2])
        except ValueError:
            t.say(texts.DUTY_BAD_DATES)
            return
        if last < first or (last - first).days > 366:
            t.say(texts.DUTY_BAD_DATES)
            return
        if words[0] == "clear":
            await t.repos.duty.clear(first, last)
            t.say(texts.DUTY_CLEARED.format(first=f"{first:%d.%m.%Y}", last=f"{last:%d.%m.%Y}"))
            return
        if len(words) < 4:
            t.say(texts.DUTY_USAGE)
            return
        known = {u.id for u in await t.repos.duty.duty_staff()}
        refs = [r.strip() for r in words[3].split(",") if r.strip()]
        for ref in refs:
            if not ref.isdigit() or int(ref) not in known:
                t.say(texts.DUTY_UNKNOWN_STAFF.format(ref=ref[:20]))
                return
        people = [int(r) for r in refs]
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        if words[0] == "set":
            pairs = [(d, p) for d in days for p in people]
        else:  # rotate: one person a day, in turn
            pairs = [(d, people[i % len(people)]) for i, d in enumerate(days)]
        await t.repos.duty.assign(pairs, t.now)
        t.say(texts.DUTY_SAVED.format(count=len(days)))

    # invites

    async def accept_invite(self, t: Turn, token: str) -> None:
        invite = await t.repos.people.get_invite(token)
        if invite is None or invite.used_at is not None:
            t.say(texts.INVITE_INVALID)
            return
        if invite.expires_at < t.now:
            t.say(texts.INVITE_EXPIRED)
            return
        if not await t.repos.people.use_invite(token, t.user.id, t.now):
            t.say(texts.INVITE_INVALID)
            return
        await t.repos.people.add_role(t.user.id, invite.role, invite.institution_id, t.now)
        if invite.role == "admin" and invite.institution_id:
            await t.repos.people.bind_inbox(invite.institution_id, t.inc.platform,
                                            t.inc.chat_id, t.inc.is_group, t.now)
            if t.inc.is_group:  # who accepted in the group is staff of the group
                await t.repos.staff.add_member(t.inc.platform, t.inc.chat_id, t.user.id, None,
                                               t.now)
            await t.repos.staff.audit(str(t.user.id), "invite_accepted", str(t.user.id),
                                      f"admin {invite.institution_id}", t.now)
            inst = await t.repos.institutions.get(invite.institution_id)
            hears = ("" if not t.inc.is_group
                     else texts.VK_CHAT_HEARS if t.inc.platform == "vk" else texts.GROUP_HEARS)
            t.say(texts.INVITE_ACCEPTED_ADMIN.format(
                institution=inst.display_name if inst else invite.institution_id) + hears)
        elif invite.role == "duty":
            t.say(texts.INVITE_ACCEPTED_DUTY)
        else:
            t.say(texts.INVITE_ACCEPTED_OPERATOR)

    # operators

    async def gaps(self, t: Turn) -> None:
        if not t.actor.is_operator:
            t.say(texts.STAFF_ONLY)
            return
        rows = await t.repos.faq_stats.top_unanswered(10)
        if not rows:
            t.say(texts.GAPS_EMPTY)
            return
        # masked when stored; once more for rows stored before masking existed
        t.say("\n".join([texts.GAPS_TITLE] + [f"{n} × {mask_personal_data(q)}"
                                               for q, n in rows]))

    async def faq_stats(self, t: Turn) -> None:
        if not t.actor.is_operator:
            t.say(texts.STAFF_ONLY)
            return
        rows = await t.repos.faq_stats.least_helpful(10)
        if not rows:
            t.say(texts.FAQSTATS_EMPTY)
            return
        t.say("\n".join([texts.FAQSTATS_TITLE] + [f"{i}: {y} / {n}" for i, y, n in rows]))

    async def reload_faq(self, t: Turn) -> None:
        if not t.actor.is_operator:
            t.say(texts.STAFF_ONLY)
            return
        errors = await self.faq.areload()
        if errors:
            t.say(texts.FAQ_RELOAD_FAILED.format(errors="\n".join(errors[:20])))
        else:
            t.say(texts.FAQ_RELOADED.format(count=len(self.faq.matcher.entries)))


def _names(people: list[User]) -> str:
    return ", ".join(
        f"{u.display_name or u.platform_user_id} ({texts.PLATFORM_NAMES.get(u.platform, u.platform)})"
        for u in people)
