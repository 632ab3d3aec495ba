"""The web console in a real browser: headless Chromium drives the console served by the
program's own WebServer (on 127.0.0.1, a free port, in the test's event loop) while the
citizens and the admin talk to the bot through the fake Telegram Bot API and the delivery
runs as in the program, woken by the page. Sign-in from the link `/web` sends, the queue's
filters, the appeal page and its answer; the citizen's chat gets the answer. Screenshots
of every page go to test-artifacts/web/ (or $MEDFRONT_TEST_ARTIFACTS), kept when the
tests pass too.

Skips, saying why, where selenium or Debian's chromium and chromium-driver are missing
(.ci/run installs them)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar

import pytest

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[dev]')")

from bot import texts
from bot.app import App, web_console
from bot.clock import FixedClock
from bot.web.app import WebServer, make_web_app
from storage.records import ChatRef
from tests.conftest import KOTELNICH, SLOBODSKOY
from tests.fake_telegram import FakeTelegram, Sent
from tests.texts_helpers import fields
from tests.tg_helpers import ADMIN, CITIZEN, TgUser, accept_invite, file_appeal, joined, make_operator
from tests.web.browser import DESKTOP, PHONE, Browser, artifacts_dir, browser_paths
from tests.web.helpers import web_context

FOUND = browser_paths()
pytestmark = pytest.mark.skipif(isinstance(FOUND, str), reason=str(FOUND))

T = TypeVar("T")
OCULIST = "Не могу записаться к окулисту уже месяц, в регистратуре говорят ждать"
ANSWER = "Здравствуйте! Окулист принимает по вторникам, мы записали вас на 1 декабря, 10:00."
DELIVERY_WAIT_S = 15.0


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert not isinstance(FOUND, str)
    chrome = Browser(*FOUND, artifacts_dir())
    yield chrome
    chrome.close()


@pytest.fixture
async def console(app: App, tg: object) -> AsyncIterator[WebServer]:
    """The console as `run` serves it (WEB_PORT=0: a free port), announced for `/web`."""
    server = web_console(app, port=0)
    await server.start()
    yield server
    await server.close()


@asynccontextmanager
async def delivering(app: App) -> AsyncIterator[None]:
    """The delivery running as in the program: the page's actions wake it."""
    stop = asyncio.Event()
    task = asyncio.create_task(app.courier.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def in_browser(step: Callable[..., T], *args: Any) -> T:
    """Selenium blocks: its steps run in a thread while the console serves here."""
    return await asyncio.to_thread(step, *args)


async def arrived(fake: FakeTelegram, chat_id: int, wanted: Callable[[Sent], bool]) -> Sent:
    """The message the running delivery sends into the chat (waiting for it, bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DELIVERY_WAIT_S
    while not (found := [m for m in fake.to(chat_id) if wanted(m)]):
        assert loop.time() < deadline, f"nothing such reached {chat_id}: {joined(fake.to(chat_id))}"
        await asyncio.sleep(0.05)
    return found[0]


async def web_link(person: TgUser) -> str:
    """`/web` in the person's private chat: the one-time sign-in link the bot sends."""
    sent = await person.say("/web")
    link = [m.text for m in sent if m.text.startswith(texts.WEB_LINK.split("{")[0])]
    assert len(link) == 1, joined(sent)
    return fields(texts.WEB_LINK, link[0])["url"]


def numbers(chrome: Browser, css: str = "table.queue tbody tr") -> list[str]:
    return chrome.texts(f"{css} a.number")


def sign_in(chrome: Browser, url: str) -> None:
    chrome.open(url)
    assert chrome.heading() == texts.WEB_SIGNIN_TITLE
    chrome.press("main form[action^='/signin/'] button[type=submit]")
    assert chrome.path() == "/queue" and chrome.heading() == texts.WEB_QUEUE_TITLE


# the admin's whole way: link, queue, filters, appeal, answer


def admin_finds_and_answers(chrome: Browser, url: str) -> None:
    sign_in(chrome, url)
    # the queue: Kotelnich's two new appeals, not Slobodskoy's
    assert sorted(numbers(chrome)) == ["2026-000001", "2026-000002"]
    chrome.screenshot("admin-queue.png")
    chrome.type("form.filters input[name=q]", "окулисту")
    chrome.press("form.filters button[type=submit]")
    assert numbers(chrome) == ["2026-000002"]
    assert chrome.find("p.count").text == texts.WEB_QUEUE_FOUND.format(count=1)
    chrome.screenshot("admin-queue-search.png")
    chrome.press("table.queue a.number")
    assert chrome.heading() == texts.WEB_APPEAL_TITLE.format(number="2026-000002")
    assert chrome.find("blockquote.citizen").text == OCULIST
    chrome.type("form[action$='/answer'] textarea[name=text]", ANSWER)
    chrome.press("form[action$='/answer'] button[type=submit]")
    assert chrome.find("p.notice.ok").text == texts.WEB_DONE["answered"]
    assert texts.STATUSES["answered"] in chrome.texts(".facts dd")
    assert any(ANSWER in entry for entry in chrome.texts(".timeline li"))
    chrome.screenshot("admin-appeal-answered.png")


def admin_filters_by_status(chrome: Browser) -> None:
    chrome.press("header nav a[href='/queue']")
    for status, expected in (("answered", ["2026-000002"]), ("new", ["2026-000001"])):
        chrome.choose("form.filters select[name=status]", status)
        chrome.press("form.filters button[type=submit]")
        assert numbers(chrome) == expected, status


async def test_an_admin_signs_in_filters_opens_and_answers_in_the_browser(
        app, tg, fake, console, browser) -> None:
    admin = TgUser(tg, fake, ADMIN, name="Админ Котельнич")
    await accept_invite(app, admin)
    await file_appeal(TgUser(tg, fake, CITIZEN))  # 2026-000001, Kotelnich
    asker = TgUser(tg, fake, CITIZEN + 1, name="Мария Соколова")
    await file_appeal(asker, text=OCULIST)  # 2026-000002, Kotelnich
    await file_appeal(TgUser(tg, fake, CITIZEN + 2, name="Пётр Иванов"),  # 2026-000003
                      text="Скорая ехала больше часа", institution="слободская црб")
    card = next(m for m in fake.to(ADMIN) if "2026-000002" in m.text and OCULIST in m.text)
    url = await web_link(admin)
    async with delivering(app):
        await in_browser(admin_finds_and_answers, browser, url)
        told = await arrived(fake, asker.chat_id, lambda m: ANSWER in m.text)
        answer = fields(texts.CITIZEN_ANSWER, told.text)
        assert answer["number"] == "2026-000002" and answer["text"].startswith(ANSWER)
        assert not [m for m in fake.to(CITIZEN) if ANSWER in m.text]  # the other citizen
        await in_browser(admin_filters_by_status, browser)
        # the chat card was brought up to date as well
        await arrived(fake, ADMIN, lambda m: m is card and bool(m.edits))
    assert texts.STATUSES["answered"] in card.text


# an operator's view on demo data: every institution, SLA colours, a phone, the dashboard

# (institution, category, text, filed how long ago, what staff did then: (after, action))
DEMO: tuple[tuple[str, str, str, timedelta, tuple[timedelta, str] | None], ...] = (
    ("kir-crb-zuevka", "medicines", "Полгода не могу получить компенсацию за лекарства по льготе.",
     timedelta(days=33), (timedelta(hours=3), "take")),
    (KOTELNICH, "other", "Почему у приёмного покоя до сих пор нет пандуса для колясок?",
     timedelta(days=28), (timedelta(hours=10), "take")),
    ("kir-crb-vpolyany", "staff", "Врач не объяснил, как принимать назначенные препараты.",
     timedelta(days=16), (timedelta(hours=4), "answer")),
    ("kir-crb-urzhum", "appointment", "Запись к окулисту через Госуслуги не работает вторую неделю.",
     timedelta(days=12), (timedelta(hours=30), "answer+2")),
    ("kir-crb-sovetsk", "gratitude", "Спасибо врачам хирургического отделения за операцию отца!",
     timedelta(days=9), (timedelta(hours=20), "answer+5")),
    (KOTELNICH, "staff", "Медсестра в процедурном кабинете нагрубила пожилой маме.",
     timedelta(days=6), (timedelta(hours=20), "answer")),
    ("kir-crb-yaransk", "quality", "После приёма у хирурга не выдали направление на перевязку.",
     timedelta(days=4), (timedelta(hours=2), "take")),
    ("kir-crb-malmyzh", "quality", "Скорая ехала к бабушке больше часа.",
     timedelta(days=3), (timedelta(hours=26), "take")),
    ("kir-crb-kchepetsk", "registry", "Сайт больницы не открывается, нет расписания врачей.",
     timedelta(days=2), (timedelta(hours=5), "close")),
    (KOTELNICH, "registry", "Третий день не могу дозвониться в регистратуру: всё время занято.",
     timedelta(hours=30), None),
    (SLOBODSKOY, "appointment", "Нет талонов к эндокринологу на месяц вперёд, ребёнку нужна консультация.",
     timedelta(hours=13), None),
    ("kir-crb-omutninsk", "medicines", "В аптеке не выдают льготный инсулин: говорят, нет поставки.",
     timedelta(hours=1), None),
    (SLOBODSKOY, "registry", "Не дозвониться в регистратуру детской поликлиники.",
     timedelta(minutes=45), None),
)
# By the policy's defaults (first response 24 h, reminders at 50 % and 2 h before; final
# answer 30 days, reminders 3 days before), at the fixture's Monday 09:00:
OVERDUE = "2026-000001"  # taken, but its 30 days ran out 3 days ago
RED = [OVERDUE, "2026-000010"]  # and new for 30 h
AMBER = ["2026-000002", "2026-000011"]  # taken 28 days ago (2 days left); new for 13 h
GREEN = ["2026-000007", "2026-000008", "2026-000012", "2026-000013"]
FINISHED = ["2026-000003", "2026-000004", "2026-000005", "2026-000006", "2026-000009"]
# filed in the last 30 days (the default period of the "all" view and the dashboard)
RECENT = sorted(set(RED + AMBER + GREEN + FINISHED) - {OVERDUE})


async def file_demo(app: App, clock: FixedClock, staff_id: str) -> None:
    """The demo appeals, each filed (and acted on) at its own moment of the past."""
    now = clock.moment
    try:
        for n, (inst_id, category, text, ago, then) in enumerate(DEMO):
            clock.moment = now - ago
            async with app.db.unit() as repos:
                inst = await repos.institutions.get(inst_id)
                citizen = await repos.people.ensure_user(
                    "telegram", str(5000 + n), str(5000 + n), f"Гражданин {n}", clock.moment)
                staff = await repos.people.find_user("telegram", staff_id)
                assert inst is not None and staff is not None
                appeal = await app.appeals.file(repos, citizen, ChatRef("telegram", str(5000 + n)),
                                                inst, category, text, [], clock.moment)
                if then is None:
                    continue
                clock.moment += then[0]
                action, _, stars = then[1].partition("+")
                if action == "take":
                    await app.appeals.take(repos, appeal, staff, clock.moment)
                elif action == "close":
                    await app.appeals.close(repos, appeal, staff, clock.moment, "phone")
                else:
                    appeal = await app.appeals.answer(
                        repos, appeal, staff, "Ответили по существу, подробности в письме.", [],
                        ChatRef("telegram", staff_id), clock.moment)
                    if stars:
                        await app.appeals.rate(repos, appeal, int(stars), clock.moment)
    finally:
        clock.moment = now
    await app.courier.flush()


def operator_sees_the_region(chrome: Browser, url: str, base: str) -> None:
    sign_in(chrome, url)
    # the queue: the open appeals of every institution, the earliest final deadline first
    # (the chat's /queue order: 2026-000001's passed 3 days ago)
    assert sorted(numbers(chrome)) == sorted(RED + AMBER + GREEN)
    assert numbers(chrome)[0] == OVERDUE
    for state, expected in (("red", RED), ("amber", AMBER), ("green", GREEN)):
        assert sorted(numbers(chrome, f"table.queue tr.sla-{state}")) == expected, state
    chrome.screenshot("queue.png", full_page=False)  # the README's, 1280×800
    chrome.screenshot("queue-full.png")
    chrome.choose("form.filters select[name=status]", "all")
    chrome.press("form.filters button[type=submit]")
    assert sorted(numbers(chrome)) == RECENT  # not the one filed 33 days ago
    assert sorted(numbers(chrome, "table.queue tr.sla-done")) == FINISHED
    chrome.screenshot("queue-all.png")
    chrome.choose("form.filters select[name=institution]", SLOBODSKOY)
    chrome.press("form.filters button[type=submit]")
    assert sorted(numbers(chrome)) == ["2026-000011", "2026-000013"]
    # a phone: the rows become cards, nothing to scroll sideways
    chrome.viewport(*PHONE, mobile=True)
    chrome.open(f"{base}/queue?status=all")
    assert sorted(numbers(chrome)) == RECENT
    assert not chrome.find("table.queue thead").is_displayed()
    assert not chrome.overflows_sideways()
    chrome.screenshot("queue-phone.png")
    chrome.viewport(*DESKTOP)


async def test_an_operator_sees_every_institution_on_a_desktop_and_a_phone(
        app, clock, tg, fake, console, browser) -> None:
    operator = await make_operator(app, tg, fake)
    await file_demo(app, clock, str(operator.user_id))
    assert console.context is not None
    await in_browser(operator_sees_the_region, browser, await web_link(operator),
                     console.context.base_url)


def serves(app: App, path: str) -> bool:
    routes = make_web_app(web_context(app)).router.resources()
    return any(r.canonical == path for r in routes)


def operator_opens_the_dashboard(chrome: Browser, url: str, base: str) -> None:
    sign_in(chrome, url)
    chrome.press("header nav a[href='/dashboard']")
    assert chrome.path() == "/dashboard" and chrome.heading() == texts.DASH_TITLE
    # the last 30 days: 12 appeals filed (not the one of 33 days ago, which is overdue
    # now); rated 2 and 5; no institution has the 20 appeals a ranking needs
    assert chrome.find("#filed .value").text == "12"
    assert chrome.find("#overdue-now .value").text == "1"
    assert numbers(chrome, "#overdue tbody tr") == [OVERDUE]
    assert chrome.find("#rating .value").text == texts.DASH_RATING_VALUE.format(rating=3.5)
    cells = chrome.texts("#by-status tbody td")  # status, appeals; status, appeals; ...
    assert dict(zip(cells[::2], cells[1::2], strict=True)) == {
        texts.STATUSES["new"]: "4", texts.STATUSES["in_progress"]: "3",
        texts.STATUSES["answered"]: "2", texts.STATUSES["closed"]: "3"}
    assert texts.DASH_RANKING_EMPTY.format(min=20) in chrome.texts("p.empty")
    charts = chrome.images("figure.chart img")  # the SVGs, drawn and shown by the browser
    assert len(charts) == 3 and all(width > 0 for width in charts), charts
    assert not chrome.overflows_sideways()
    chrome.screenshot("dashboard.png", full_page=False)  # the README's, 1280×800
    chrome.screenshot("dashboard-full.png")
    chrome.viewport(*PHONE, mobile=True)
    chrome.open(f"{base}/dashboard")
    assert chrome.find("#filed .value").text == "12"
    assert not chrome.overflows_sideways()
    chrome.screenshot("dashboard-phone.png")
    chrome.viewport(*DESKTOP)


async def test_an_operator_opens_the_dashboard(app, clock, tg, fake, console, request) -> None:
    if not serves(app, "/dashboard"):
        pytest.skip("GET /dashboard is not served yet")
    browser: Browser = request.getfixturevalue("browser")
    operator = await make_operator(app, tg, fake)
    await file_demo(app, clock, str(operator.user_id))
    assert console.context is not None
    await in_browser(operator_opens_the_dashboard, browser, await web_link(operator),
                     console.context.base_url)
