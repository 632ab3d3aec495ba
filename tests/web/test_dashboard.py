"""The dashboard page and its charts: the figures of a small database as the page shows
them, what each person may see (an admin their institution only, another's figures and
overdue appeals absent; another institution asked for refused), the ranking threshold on
the page, the SVG charts under the console's CSP, and a wrong period answered politely."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from datetime import date
from typing import Any

from bot import texts
from bot.app import App
from bot.appeals.staff_power import grant_role
from bot.web.dashboard import period_of
from tests.conftest import KOTELNICH, SLOBODSKOY
from tests.reports.test_dashboard_figures import _filed, seed
from tests.web.helpers import sign_in, user_id_of

WEEK = "?from=2026-11-16&to=2026-11-22"
Client = Any  # the helpers' TestClient (tests/web/helpers.py client_for)


async def _operator(app: App, client: Client) -> None:
    async with app.db.unit() as repos:
        user = await grant_role(repos, platform="telegram", user_id="4001", chat_id="4001",
                                role="operator", institution_id=None, now=app.clock.now())
    await sign_in(client, app, user.id, "operator")


async def _page(client: Client, query: str = WEEK) -> str:
    response = await client.get("/dashboard" + query)
    html = await response.text()
    assert response.status == 200, html
    return html


def _part(html: str, element_id: str) -> str:
    """The element of that id, up to its closing tag (a table or a tile)."""
    found = re.search(rf'id="{element_id}".*?</(table|div)>', html, re.S)
    assert found is not None, element_id
    return found[0]


def _value(html: str, element_id: str) -> str:
    found = re.search(r'class="value">([^<]*)<', _part(html, element_id))
    assert found is not None
    return found[1]


def _numbers(html: str) -> list[str]:
    return re.findall(r'class="number" href="/appeal/\d+">(\d{4}-\d{6})<', html)


async def test_the_operator_sees_every_figure(app, client, sender) -> None:
    await seed(app)
    await _operator(app, client)
    html = await _page(client)
    assert texts.DASH_PERIOD.format(first=date(2026, 11, 16), last=date(2026, 11, 22)) in html
    assert _value(html, "filed") == "5"
    assert _value(html, "overdue-now") == "3"
    assert _value(html, "first-response") == "6,0 ч"  # the median of 2, 4, 6, 8, 144 h
    assert "89,6 ч" in _part(html, "first-response")  # 90%: rank 3.6 of 0..4
    assert _value(html, "answer") == "34,0 ч"  # of 10, 20, 48, 168 h
    assert _value(html, "on-time") == "75%"
    assert _value(html, "rating") == "3.67 из 5"
    assert _value(html, "not-solved") == "33%"
    institutions = _part(html, "by-institution")
    assert "Котельничская ЦРБ" in institutions and "Слободская ЦРБ" in institutions
    assert _numbers(_part(html, "overdue")) == ["2026-000008", "2026-000009", "2026-000003"]
    assert "Где взять справку?" in _part(html, "faq")
    # the page says how it counts: wall-clock hours, the ranking's threshold
    assert texts.DASH_NOTE_TIMES in html
    assert "учреждения с 20 и более обращениями за период" in html
    charts = re.findall(r'<img src="(/dashboard/chart/\w+\.svg\?[^"]+)"', html)
    assert len(charts) == 3 and all("from=2026-11-16&amp;to=2026-11-22" in c for c in charts)


async def test_an_admin_sees_their_institution_only(app, client, sender, admin) -> None:
    await seed(app)
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    html = await _page(client)
    assert _value(html, "filed") == "3" and _value(html, "overdue-now") == "2"
    assert "Слободская ЦРБ" not in html  # neither its figures nor its name
    assert _numbers(_part(html, "overdue")) == ["2026-000008", "2026-000003"]
    assert "2026-000009" not in html  # Slobodskoy's overdue appeal
    assert 'id="faq"' not in html and texts.DASH_FAQ not in html  # the region's questions
    # another institution, asked for by its id: refused, the page and its charts
    for path in ("/dashboard", "/dashboard/chart/overdue.svg"):
        response = await client.get(f"{path}{WEEK}&institution={SLOBODSKOY}")
        assert response.status == 403, path
        assert texts.WEB_NO_ACCESS in await response.text()
    own = await _page(client, f"{WEEK}&institution={KOTELNICH}")
    assert _value(own, "filed") == "3"


async def test_duty_staff_of_one_institution_see_that_one(app, client, sender) -> None:
    await seed(app)
    async with app.db.unit() as repos:
        user = await grant_role(repos, platform="telegram", user_id="5001", chat_id="5001",
                                role="duty", institution_id=SLOBODSKOY, now=app.clock.now())
    await sign_in(client, app, user.id, "duty")
    html = await _page(client)
    assert _value(html, "filed") == "2" and "Котельничская ЦРБ" not in html
    assert _numbers(_part(html, "overdue")) == ["2026-000009"]


async def test_the_ranking_starts_at_twenty_appeals(app, client, sender) -> None:
    await seed(app, [_filed(n, KOTELNICH, n < 2) for n in range(20)]
               + [_filed(100 + n, SLOBODSKOY, True) for n in range(19)], questions=False)
    await _operator(app, client)
    ranking = _part(await _page(client), "ranking")
    assert "Котельничская ЦРБ" in ranking and "Слободская ЦРБ" not in ranking
    assert "10%" in ranking


async def test_the_charts_are_svg_for_the_same_period(app, client, sender) -> None:
    await seed(app)
    await _operator(app, client)
    for name in ("per_day", "response_time", "overdue"):
        response = await client.get(f"/dashboard/chart/{name}.svg{WEEK}")
        body = await response.read()
        assert response.status == 200, body[:300]
        assert response.content_type == "image/svg+xml"
        assert ElementTree.fromstring(body).tag == "{http://www.w3.org/2000/svg}svg"
        assert b"style=" not in body and b"<style" not in body  # CSP: no inline styles
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert (await client.get(f"/dashboard/chart/pie.svg{WEEK}")).status == 404


async def test_a_pages_charts_draw_the_figures_the_page_read(app, client, sender,
                                                             monkeypatch) -> None:
    """The page reads the figures; its three charts reuse them (within a minute, the same
    scope and period) instead of reading them three times more; another period is read."""
    import bot.web.dashboard as page

    await seed(app)
    await _operator(app, client)
    reads: list[tuple[date, date]] = []
    build = page.build_dashboard

    async def counted(repos: Any, **kw: Any) -> Any:
        reads.append((kw["first"], kw["last"]))
        return await build(repos, **kw)

    monkeypatch.setattr(page, "build_dashboard", counted)
    await _page(client)
    for name in ("per_day", "response_time", "overdue"):
        assert (await client.get(f"/dashboard/chart/{name}.svg{WEEK}")).status == 200
    assert reads == [(date(2026, 11, 16), date(2026, 11, 22))]
    await _page(client)  # the page itself: always afresh
    assert (await client.get("/dashboard/chart/per_day.svg?from=2026-11-01&to=2026-11-22")
            ).status == 200
    assert len(reads) == 3


async def test_a_wrong_period_is_a_polite_400(app, client, sender) -> None:
    await _operator(app, client)
    cases = {
        "?from=31.12.2026": texts.DASH_BAD_DATE.format(value="31.12.2026"),
        "?from=2026-11-31": texts.DASH_BAD_DATE.format(value="2026-11-31"),
        "?from=2026-11-30&to=2026-11-01": texts.DASH_BAD_ORDER.format(
            first=date(2026, 11, 30), last=date(2026, 11, 1)),
        "?from=2020-01-01&to=2026-01-01": texts.DASH_TOO_LONG.format(days=366),
    }
    for query, text in cases.items():
        for path in ("/dashboard", "/dashboard/chart/per_day.svg"):
            response = await client.get(path + query)
            html = await response.text()
            assert response.status == 400, (path, query)
            assert text in html and "Traceback" not in html


async def test_signed_out_people_see_no_dashboard(client) -> None:
    for path in ("/dashboard", "/dashboard/chart/per_day.svg"):
        response = await client.get(path)
        assert response.status == 401
        assert "<svg" not in await response.text()


def test_the_default_period_is_the_last_thirty_days() -> None:
    today = date(2026, 11, 23)
    assert period_of({}, today) == (date(2026, 10, 25), today)
    assert period_of({"to": "2026-11-10"}, today) == (date(2026, 10, 12), date(2026, 11, 10))
    assert period_of({"from": "2026-11-01"}, today) == (date(2026, 11, 1), today)
