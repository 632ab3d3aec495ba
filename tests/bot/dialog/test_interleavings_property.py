"""Issue 12, Tests: property-based (hypothesis) over the core. Arbitrary interleavings of
texts, commands and button payloads (forged ones included) from several people in private
chats and a staff group never raise, never leave a form in an impossible state and never
let anyone act outside their role."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.app import App, build_app
from bot.appeals.staff_power import create_invite
from bot.clock import FixedClock
from bot.config import Settings
from bot.dialog.types import Incoming
from tests.db_helpers import rows

KOTELNICH = "kir-crb-kotelnich"
GROUP = "-100500"
# who: (user id, chat id, is group)
PEOPLE = {
    "citizen": ("1001", "1001", False),
    "citizen2": ("1002", "1002", False),
    "admin": ("2001", "2001", False),
    "member": ("2002", GROUP, True),  # accepted the invite in the group
    "stranger": ("3003", GROUP, True),  # just sits in the staff group
    "stranger_private": ("3003", "3003", False),
}
STAFF = {"2001", "2002"}
KNOWN_STATES = {"idle", "faq_ask", "find_query", "find_pick", "appeal_inst", "appeal_pick",
                "appeal_category", "appeal_text", "appeal_consent", "appeal_confirm",
                "inst_shown", "staff_answer", "staff_confirm", "staff_redirect",
                "forget_confirm", "faq_suggest"}
STAFF_EVENTS = {"taken", "answered", "redirected", "closed", "extended"}

TEXTS = st.sampled_from([
    "как записаться к врачу", "котельничская црб", "В регистратуре не берут трубку третий день",
    "/start", "/appeal", "/my", "/cancel", "/queue", "/stats", "/staff", "/staff revoke 1",
    "/staff add 3003", "/ban 2026-000001", "/unban #1", "/gaps", "/forget", "/duty",
    "/reload_faq", "", "‮обратный текст", "a" * 5000, "Записали вас на завтра.",
])
PAYLOADS = st.one_of(
    st.sampled_from(["m:menu", "m:appeal", "m:faq", "cat:registry", "consent:yes",
                     "consent:no", "confirm:send", "confirm:edit", "forget:yes", "cancel",
                     "apl", "fb:y:zapis", "fb:n:zapis"]),
    st.builds(lambda head, n: f"{head}:{n}",
              st.sampled_from(["st:take", "st:ans", "st:ansok", "st:ansedit", "st:redir",
                               "st:close", "st:clphone", "st:ext", "st:card", "pick",
                               "unsolved", "rate:5", "unsolved:1"]),
              st.integers(min_value=-2, max_value=6)),
    st.text(max_size=30),
)
STEP = st.tuples(st.sampled_from(sorted(PEOPLE)),
                 st.one_of(st.tuples(st.just("text"), TEXTS),
                           st.tuples(st.just("press"), PAYLOADS)),
                 st.booleans())  # a reply to the latest card in that chat


async def _scenario(tmp: Path, steps: list[tuple[str, tuple[str, str], bool]]) -> None:
    base = Settings(_env_file=None, database_path=tmp / "db.sqlite3", faq_path=tmp / "faq.yaml",
                    default_timezone="Europe/Kirov", flood_messages_per_minute=20,
                    appeals_per_day=5)
    app = await build_app(base, FixedClock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC)))
    try:
        for who in ("admin", "member"):
            user, chat, group = PEOPLE[who]
            async with app.db.unit() as repos:
                token = await create_invite(repos, "admin", KOTELNICH, app.clock.now())
            await app.dialog.handle(Incoming("telegram", chat, user, f"/start inv_{token}",
                                             is_group=group))
        for n, (who, (kind, value), reply) in enumerate(steps):
            user, chat, group = PEOPLE[who]
            card = await _latest_card(app, chat) if reply else None
            inc = Incoming("telegram", chat, user, text=value if kind == "text" else "",
                           payload=value if kind == "press" else None,
                           reply_to_message_id=card, reply_to_bot=card is not None,
                           is_group=group, update_id=f"u{n}", message_id=str(n))
            replies = await app.dialog.handle(inc)
            assert all(texts.INTERNAL_ERROR not in r.text for r in replies), (inc, replies)
            app.clock.advance(timedelta(seconds=7))  # type: ignore[attr-defined]
        _check(app)
    finally:
        await app.close()


async def _latest_card(app: App, chat: str) -> str | None:
    found = rows(app, "SELECT message_id FROM appeal_messages WHERE chat_id = ? AND kind = 'card' "
                 "ORDER BY id DESC LIMIT 1", chat)
    return found[0][0] if found else None


def _check(app: App) -> None:
    for (state,) in rows(app, "SELECT state FROM dialog_state"):
        assert state in KNOWN_STATES, state
    for platform_user, state, data in rows(app, "SELECT user_id, state, data FROM dialog_state"):
        if state.startswith("staff_"):
            assert platform_user in STAFF, (platform_user, state)  # no citizen in a staff form
        if state == "appeal_confirm":
            assert '"text"' in data and '"institution_id"' in data, data
    events = rows(app, "SELECT e.kind, u.platform_user_id FROM appeal_events e "
                       "JOIN users u ON u.id = e.actor_id")
    for kind, actor in events:
        if kind in STAFF_EVENTS and actor not in STAFF:
            # a staff action by a non-staff actor can only be the citizen's own withdrawal
            assert kind == "closed", (kind, actor)
            assert actor in ("1001", "1002") or actor.startswith("forgotten-"), (kind, actor)
    for (status,) in rows(app, "SELECT status FROM appeals"):
        assert status in ("new", "in_progress", "answered", "closed")
    staff = rows(app, "SELECT u.platform_user_id FROM staff s JOIN users u ON u.id = s.user_id")
    assert {r[0] for r in staff} <= STAFF  # nobody made themselves staff


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=30))
def test_any_interleaving_keeps_the_core_consistent(tmp_path_factory, steps) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(_scenario(tmp_path_factory.mktemp("prop"), steps))


def _file_then_mix() -> st.SearchStrategy[list[tuple[str, tuple[str, str], bool]]]:
    """A citizen files an appeal first, so the staff buttons have something to act on."""
    filing = [("citizen", ("text", "/appeal"), False),
              ("citizen", ("text", "котельничская црб"), False),
              ("citizen", ("press", "cat:registry"), False),
              ("citizen", ("text", "В регистратуре не берут трубку третий день"), False),
              ("citizen", ("press", "consent:yes"), False),
              ("citizen", ("press", "confirm:send"), False)]
    return st.lists(STEP, min_size=1, max_size=25).map(lambda rest: filing + rest)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(steps=_file_then_mix())
def test_staff_buttons_on_a_real_appeal_stay_within_roles(tmp_path_factory, steps) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(_scenario(tmp_path_factory.mktemp("prop"), steps))
