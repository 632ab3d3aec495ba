"""Staff flows: act on appeal cards, answer, redirect, the queue, /stats, /duty, invites;
operators' FAQ reports."""

from __future__ import annotations

from datetime import timedelta

from bot import texts
from bot.appeals import staff_power
from bot.appeals.cards import card_buttons, open_card_button
from bot.appeals.delivery_report import delivery_lines
from bot.appeals.digests import current_deadline
from bot.appeals.duty import duty_command
from bot.appeals.errors import AppealError
from bot.appeals.regions import region_names
from bot.appeals.service import AppealService
from bot.dialog.answers import AnswerFlows, group_hint
from bot.dialog.citizen import CitizenFlows, cancel_row
from bot.dialog.ports import FaqSource
from bot.dialog.routing_report import parse_days, routing_report
from bot.dialog.states import Step
from bot.dialog.turn import Turn
from bot.dialog.types import Attachment, Button
from bot.formatting import appeal_state, days_genitive, format_time
from bot.payloads import Staff, StaffVerb
from bot.screening import mask_personal_data
from storage.records import Appeal, AppealStatus, Platform, Role
from storage.repositories import Repositories

# Actions on an open appeal only (a further answer also goes to an answered one).
OPEN_ONLY = (StaffVerb.ANSWER, StaffVerb.REDIRECT, StaffVerb.TAKE, StaffVerb.CLOSE,
             StaffVerb.EXTEND, StaffVerb.EDIT_ANSWER)


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

    async def action(self, t: Turn, button: Staff) -> None:
        appeal = await self._appeal_for_action(t, button.appeal)
        if appeal is None:
            return
        action, reason = button.action, button.close_reason
        if action == StaffVerb.CARD:
            t.say(await self.appeals.cards.text(t.repos, appeal), card_buttons(appeal),
                  card_of=appeal.id)
            return
        answerable = appeal.is_open or (action in (StaffVerb.ANSWER, StaffVerb.EDIT_ANSWER)
                                        and appeal.status == AppealStatus.ANSWERED)
        if (action in OPEN_ONLY or reason is not None) and not answerable:
            t.say(appeal_state(appeal.number, appeal.status))
            return
        if action == StaffVerb.TAKE:
            await self.appeals.take(t.repos, appeal, t.user, t.now)
            t.say(texts.STAFF_TAKEN.format(number=appeal.number))
        elif action == StaffVerb.CLOSE:  # a reason first, in one tap
            t.say(texts.STAFF_ASK_CLOSE_REASON.format(number=appeal.number), [
                [Staff.close_as(code, appeal.id).button(title)]
                for code, title in texts.CLOSE_REASONS.items()
                if code != "abuse" or appeal.abuse] + [cancel_row()])
        elif reason in texts.CLOSE_REASONS and (reason != "abuse" or appeal.abuse):
            await self.appeals.close(t.repos, appeal, t.user, t.now, reason)
            t.say(texts.STAFF_CLOSED_BECAUSE.format(
                number=appeal.number, reason=texts.CLOSE_REASONS[reason]))
        elif action == StaffVerb.EXTEND:
            appeal = await self.appeals.extend(t.repos, appeal, t.user, t.now)
            inst = await t.repos.institutions.get(appeal.institution_id)
            t.say(texts.STAFF_EXTENDED.format(number=appeal.number, due=format_time(
                appeal.due_at, self.appeals.timezone_of(inst))))
        elif action == StaffVerb.ANSWER:
            self.answers.start(t, appeal)
        elif action == StaffVerb.SEND_ANSWER:
            await self.answers.confirm(t, appeal)
        elif action == StaffVerb.EDIT_ANSWER:
            self.answers.edit(t, appeal)
        elif action == StaffVerb.REDIRECT:
            t.go(Step.STAFF_REDIRECT, appeal_id=appeal.id)
            t.say(texts.STAFF_ASK_REDIRECT.format(number=appeal.number) + group_hint(t),
                  [cancel_row()])
        else:
            t.say(texts.STALE_BUTTON)

    async def answer(self, t: Turn, appeal_id: int, text: str,
                     attachments: tuple[Attachment, ...] = ()) -> None:
        """A staff member's text for an appeal: a draft to confirm (bot/dialog/answers.py)."""
        appeal = await self._appeal_for_action(t, appeal_id)
        if appeal is None:
            t.go(Step.IDLE)
            return
        if not appeal.is_open and appeal.status != AppealStatus.ANSWERED:
            t.go(Step.IDLE)
            t.say(appeal_state(appeal.number, appeal.status))
            return
        await self.answers.draft(t, appeal, text, attachments)

    async def redirect_search(self, t: Turn, query: str) -> None:
        appeal_id = t.data("appeal_id")
        matches = self.citizen.search(t, query)
        if matches is None:
            return
        # Every match as a button, even a clear winner: a redirect deserves a look.
        t.go(Step.STAFF_REDIRECT, appeal_id=appeal_id,
             candidates=[m.institution.id for m in matches])
        t.say(texts.FIND_CHOOSE, self.citizen.choice_buttons(matches))

    async def redirect_to(self, t: Turn, index: int) -> None:
        candidates = t.data("candidates") or []
        appeal_id = t.data("appeal_id")
        t.go(Step.IDLE)
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
            t.go(Step.STAFF_REDIRECT, appeal_id=appeal_id, candidates=candidates)
            t.say(str(exc), [cancel_row()])
            return
        text = texts.STAFF_REDIRECTED.format(number=appeal.number, institution=target.display_name)
        late_text = texts.STAFF_REDIRECT_LATE.format(
            days=days_genitive(self.appeals.redirect_window.days))
        t.say(text + ("\n" + late_text if late else ""))

    # reports: who asks is checked in the turn; the reads run after it, through the reader

    async def queue(self, t: Turn) -> None:
        if not t.actor.is_staff:
            t.say(texts.STAFF_ONLY)
            return
        t.report(lambda reader: self._queue(t, reader))

    async def _queue(self, t: Turn, reader: Repositories) -> None:
        appeals = await reader.appeals.open_queue(t.actor.institutions(), limit=20)
        if not appeals:
            t.say(texts.STAFF_QUEUE_EMPTY)
            return
        lines = [texts.STAFF_QUEUE_TITLE.format(count=len(appeals))]
        received = (await reader.people.inbox_chats_of(sorted({a.institution_id for a in appeals}))
                    if t.actor.is_operator else None)
        rows: list[list[Button]] = []
        for appeal in appeals:
            inst = await reader.institutions.get(appeal.institution_id)
            name = inst.display_name if inst else appeal.institution_id
            target, due = current_deadline(appeal)  # the nearer one, labelled
            label = texts.QUEUE_FIRST_DUE if target == "first_response" else texts.QUEUE_FINAL_DUE
            lines.append(texts.STAFF_QUEUE_ITEM.format(
                number=appeal.number, institution=name, status=texts.STATUSES[appeal.status],
                deadline=label.format(due=format_time(due, self.appeals.timezone_of(inst))),
                overdue=(texts.OVERDUE_MARK if appeal.is_open and due < t.now else "")
                + (texts.QUEUE_UNDELIVERED_MARK if appeal.undelivered_at else "")
                + (texts.QUEUE_NO_INBOX_MARK if received is not None
                   and appeal.institution_id not in received else ""),
            ))
            if len(rows) < 10:
                rows.append([open_card_button(appeal.id, appeal.number, name)])
        t.say("\n".join(lines), rows)

    async def stats(self, t: Turn, days: int = 30) -> None:
        if not t.actor.is_staff:
            t.say(texts.STAFF_ONLY)
            return
        t.report(lambda reader: self._stats(t, reader, days))

    async def _stats(self, t: Turn, reader: Repositories, days: int) -> None:
        scope_ids = t.actor.institutions()
        figures = await reader.appeals.stats(scope_ids, t.now, t.now - timedelta(days=days))
        regions = t.actor.operator_regions if t.actor.is_operator else None
        if scope_ids is None:
            scope = texts.STATS_SCOPE_ALL
        elif regions is not None:  # an operator of some regions: named, not their hundreds
            known = await region_names(reader)
            scope = texts.STATS_SCOPE_REGIONS.format(
                regions=", ".join(sorted(known.get(r, r) for r in regions)))
        else:
            names = [(await reader.institutions.get(i)) for i in scope_ids]
            scope = ", ".join(inst.display_name for inst in names if inst)
        first = figures["first_responses"]
        on_time = (texts.STATS_ON_TIME.format(
            share=figures["first_response_on_time"] * 100 // first, count=first) if first
            else texts.NO_DATA)
        rating = (texts.STATS_RATING.format(rating=figures["avg_rating"])
                  if figures["avg_rating"] is not None else texts.NO_DATA)
        text = texts.STATS.format(
            scope=scope, open=figures["new"] + figures["in_progress"], new=figures["new"],
            in_progress=figures["in_progress"], overdue=figures["overdue"], days=days,
            received=figures["received"], answered=figures["answered"], on_time=on_time,
            rating=rating,
        )
        if t.actor.is_operator:  # the delivery is the ministry's to watch
            lines = await delivery_lines(reader, self.appeals.default_timezone)
            text += "\n\n" + "\n".join(lines)
        t.say(text)

    # duty roster

    async def duty(self, t: Turn, arg: str) -> None:
        t.say(await duty_command(t.repos, t.actor, arg, t.now, self.appeals.default_timezone))

    # invites

    async def accept_invite(self, t: Turn, token: str) -> None:
        inc = t.inc
        invite = await staff_power.accept_invite(t.repos, token, t.user, t.chat, inc.is_group,
                                                 t.now)
        if isinstance(invite, str):
            t.say(invite)
        elif invite.role == Role.ADMIN and invite.institution_id:
            inst = await t.repos.institutions.get(invite.institution_id)
            hears = ("" if not inc.is_group
                     else texts.VK_CHAT_HEARS if inc.platform == Platform.VK else texts.GROUP_HEARS)
            t.say(texts.INVITE_ACCEPTED_ADMIN.format(
                institution=inst.display_name if inst else invite.institution_id) + hears)
        else:
            region = ""
            if invite.region:  # bound to one region of several
                names = await region_names(t.repos)
                region = texts.INVITE_REGION.format(region=names.get(invite.region,
                                                                     invite.region))
            t.say((texts.INVITE_ACCEPTED_DUTY if invite.role == Role.DUTY
                   else texts.INVITE_ACCEPTED_OPERATOR) + region)

    # operators

    async def gaps(self, t: Turn) -> None:
        if not t.actor.is_operator:
            t.say(texts.STAFF_ONLY)
            return
        t.report(lambda reader: self._gaps(t, reader))

    async def _gaps(self, t: Turn, reader: Repositories) -> None:
        rows = await reader.faq_stats.top_unanswered(10)
        if not rows:
            t.say(texts.GAPS_EMPTY)
            return
        # masked when stored; once more for rows stored before masking existed
        t.say("\n".join([texts.GAPS_TITLE] + [f"{n} × {mask_personal_data(q)}"
                                               for q, n in rows]))

    async def routing(self, t: Turn, arg: str) -> None:
        if not t.actor.is_operator:
            t.say(texts.STAFF_ONLY)
            return
        days = parse_days(arg)
        if days is None:
            t.say(texts.ROUTING_USAGE)
            return
        t.report(lambda reader: routing_report(t, reader, days))

    async def faq_stats(self, t: Turn) -> None:
        if not t.actor.is_operator:
            t.say(texts.STAFF_ONLY)
            return
        t.report(lambda reader: self._faq_stats(t, reader))

    async def _faq_stats(self, t: Turn, reader: Repositories) -> None:
        rows = await reader.faq_stats.least_helpful(10)
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

