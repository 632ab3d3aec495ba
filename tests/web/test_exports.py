"""Downloads of the console: the filtered appeal list (every page of it) and the dashboard
as XLSX and CSV, within the viewer's scope, refused to whom the page is refused."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from bot import texts
from bot.appeals.staff_power import grant_role
from tests.conftest import KOTELNICH, SLOBODSKOY
from tests.web.helpers import sign_in, user_id_of

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TELEGRAM_NEW = [f"2026-{n:06d}" for n in range(100, 170)]  # 70: more than a page of 50
VK_NEW = [f"2026-{n:06d}" for n in range(200, 205)]
ANSWERED = "2026-000300"
SLOBODSKOY_NEW = [f"2026-{n:06d}" for n in range(400, 403)]


async def _seed(app) -> None:
    """Kotelnich: 70 new in Telegram, 5 new in VK, 1 answered and rated; Slobodskoy: 3 new.
    Deadlines grow with the number, so the deadline order is the numbers' order."""
    now = app.clock.now()
    async with app.db.unit() as repos:
        person = await repos.people.ensure_user("telegram", "9001", "9001", "Гражданин", now)
        rows = []

        def row(n: int, inst: str, status: str = "new", platform: str = "telegram") -> None:
            rows.append({
                "number": f"2026-{n:06d}", "citizen_id": person.id, "platform": platform,
                "chat_id": "9001", "institution_id": inst, "category": "medicines",
                "text": "текст", "status": status, "created_at": now - timedelta(days=1),
                "updated_at": now, "first_response_due": now + timedelta(days=10, hours=n),
                "due_at": now + timedelta(days=20, hours=n), "next_reminder_at": None,
                "reminder_stage": 0})

        for n in range(100, 170):
            row(n, KOTELNICH)
        for n in range(200, 205):
            row(n, KOTELNICH, platform="vk")
        row(300, KOTELNICH, "answered")
        for n in range(400, 403):
            row(n, SLOBODSKOY)
        await repos.appeals.bulk_insert(rows)
    async with app.db.unit() as repos:
        answered = await repos.appeals.by_number(ANSWERED)
        assert answered is not None
        at = datetime(2026, 11, 22, 10, 0, tzinfo=now.tzinfo)  # 13:00 in Kirov
        await repos.appeals.update(answered.id, now, first_response_at=at, answered_at=at,
                                   rating=5)


async def _operator(app) -> int:
    async with app.db.unit() as repos:
        user = await grant_role(repos, platform="telegram", user_id="4001", chat_id="4001",
                                role="operator", institution_id=None, now=app.clock.now())
    return user.id


def _sheet(data: bytes) -> Worksheet:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert isinstance(sheet, Worksheet)
    return sheet


def _numbers_of_sheet(sheet: Worksheet) -> list[str]:
    return [str(v) for (v,) in sheet.iter_rows(min_row=2, max_col=1, values_only=True)
            if v is not None and re.fullmatch(r"\d{4}-\d{6}", str(v))]


async def _download(client, path: str) -> bytes:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return await response.read()


async def _page_numbers(client, query: str) -> list[str]:
    """Every number the queue page lists for `query`, following its pages."""
    found: list[str] = []
    for page in range(1, 10):
        html = await (await client.get(f"/queue?{query}&page={page}")).text()
        numbers = re.findall(r'class="number" href="/appeal/\d+">(\d{4}-\d{6})<', html)
        found += numbers
        if len(numbers) < 50:
            return found
    raise AssertionError("too many pages")


async def test_filtered_export_holds_every_page_of_the_filter(app, client, sender, admin) -> None:
    await _seed(app)
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    query = "status=new&platform=telegram"
    shown = await _page_numbers(client, query)
    assert shown == TELEGRAM_NEW  # two pages on the page
    response = await client.get(f"/queue/export.xlsx?{query}")
    assert response.status == 200
    assert response.content_type == XLSX_TYPE
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="obrashcheniya-2026-11-23.xlsx"')
    sheet = _sheet(await response.read())
    assert [c.value for c in sheet[1]] == [
        texts.EXPORT_COL_NUMBER, texts.EXPORT_COL_CREATED, texts.EXPORT_COL_INSTITUTION,
        texts.EXPORT_COL_CATEGORY, texts.EXPORT_COL_STATUS, texts.EXPORT_COL_PLATFORM,
        texts.EXPORT_COL_FIRST_DUE, texts.EXPORT_COL_DUE, texts.EXPORT_COL_FIRST_AT,
        texts.EXPORT_COL_ANSWERED_AT, texts.EXPORT_COL_SLA, texts.EXPORT_COL_RATING]
    assert _numbers_of_sheet(sheet) == TELEGRAM_NEW
    first = [c.value for c in sheet[2]]
    # filed a day before 23.11 09:00 (Kirov); the first response due 10 days and 100 hours
    # after 23.11 09:00, the answer 20 days and 100 hours after
    assert first[:6] == ["2026-000100", datetime(2026, 11, 22, 9, 0), "Котельничская ЦРБ",
                         "Лекарства и льготы", "новое, ждёт ответа", "Telegram"]
    assert first[6] == datetime(2026, 12, 7, 13, 0) and first[7] == datetime(2026, 12, 17, 13, 0)
    assert first[8:] == [None, None, "в срок", None]


async def test_answered_appeal_row_and_csv(app, client, sender, admin) -> None:
    await _seed(app)
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    sheet = _sheet(await _download(client, f"/queue/export.xlsx?q={ANSWERED}"))
    assert _numbers_of_sheet(sheet) == [ANSWERED]
    row = [c.value for c in sheet[2]]
    assert row[4] == "дан ответ" and row[8] == row[9] == datetime(2026, 11, 22, 13, 0)
    assert row[10] == texts.WEB_SLA["done"] and row[11] == 5 and type(row[11]) is int
    assert "%" not in sheet["L2"].number_format and sheet["B2"].is_date
    data = await _download(client, "/queue/export.csv?status=all&platform=vk")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    assert lines[0][0] == texts.EXPORT_COL_NUMBER and lines[0][-1] == texts.EXPORT_COL_RATING
    assert [line[0] for line in lines[1:len(VK_NEW) + 1]] == VK_NEW
    assert lines[1][1] == "22.11.2026 09:00" and lines[1][5] == "ВКонтакте"
    assert lines[len(VK_NEW) + 1] == []  # then the note: the times' zone
    assert "Europe/Kirov" in lines[len(VK_NEW) + 2][0]


async def test_admin_export_holds_only_their_institution(app, client, sender, admin) -> None:
    await _seed(app)
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    numbers = _numbers_of_sheet(_sheet(await _download(client, "/queue/export.xlsx?status=all")))
    assert sorted(numbers) == sorted(TELEGRAM_NEW + VK_NEW + [ANSWERED])
    refused = await client.get(f"/queue/export.xlsx?institution={SLOBODSKOY}")
    assert refused.status == 403 and refused.content_type == "text/html"
    csv_text = (await _download(client, f"/queue/export.csv?status=all&q={SLOBODSKOY_NEW[0]}")
                ).decode("utf-8-sig")
    assert SLOBODSKOY_NEW[0] not in csv_text


async def test_operator_export_holds_every_institution(app, client, sender) -> None:
    await _seed(app)
    await sign_in(client, app, await _operator(app), "operator")
    numbers = _numbers_of_sheet(_sheet(await _download(client, "/queue/export.xlsx?status=new")))
    assert numbers == TELEGRAM_NEW + VK_NEW + SLOBODSKOY_NEW  # in deadline order


async def test_exports_refused_without_sign_in_and_for_bad_filters(app, client, sender, admin) -> None:
    for path in ("/queue/export.xlsx", "/queue/export.csv"):
        response = await client.get(path)
        assert response.status == 401 and "attachment" not in response.headers.get(
            "Content-Disposition", "")
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    assert (await client.get("/queue/export.xlsx?status=gone")).status == 400
    assert (await client.get("/queue/export.pdf")).status == 404


async def test_queue_page_links_its_filter_to_the_downloads(app, client, sender, admin) -> None:
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    html = await (await client.get("/queue?status=new&platform=vk")).text()
    links = re.findall(r'href="(/queue/export\.(?:xlsx|csv)\?[^"]+)"', html)
    assert len(links) == 2
    for link in links:
        query = link.replace("&amp;", "&")
        assert "status=new" in query and "platform=vk" in query


async def test_appeal_list_reads_batch_after_batch_in_one_snapshot(app, sender) -> None:
    from zoneinfo import ZoneInfo

    from bot.reports.appeal_list import appeal_list
    from storage.web_repo import QueueQuery

    await _seed(app)
    q = QueueQuery(now=app.clock.now(), scope=[KOTELNICH], status="new")
    heard: list[int] = []
    async with app.db.read() as reader:
        table = await appeal_list(reader, q, app.deadlines, tz=ZoneInfo("Europe/Kirov"),
                                  batch=7, progress=heard.append)
        cut = await appeal_list(reader, q, app.deadlines, tz=ZoneInfo("Europe/Kirov"),
                                batch=7, limit=20)
    assert [row[0] for row in table.rows] == TELEGRAM_NEW + VK_NEW  # 75: 10 batches and 5
    assert heard == [7] * 10 + [5]
    assert [row[0] for row in cut.rows] == TELEGRAM_NEW[:20]
    assert texts.EXPORT_CUT.format(limit=20) in cut.note
    assert table.note == texts.EXPORT_TIMES_IN.format(zone="Europe/Kirov")  # nothing cut


def _rows(sheet: Worksheet) -> list[list[object]]:
    """The table's rows under the header, up to the empty row before the note."""
    rows: list[list[object]] = []
    for values in sheet.iter_rows(min_row=2, values_only=True):
        if all(v is None for v in values):
            break
        rows.append(list(values))
    return rows


async def test_dashboard_export_holds_its_tables(app, client, sender) -> None:
    await _seed(app)
    await sign_in(client, app, await _operator(app), "operator")
    page = await (await client.get("/dashboard?from=2026-11-01&to=2026-11-30")).text()
    for fmt in ("xlsx", "csv"):  # the page links its period's downloads
        assert f'href="/dashboard/export.{fmt}?from=2026-11-01&amp;to=2026-11-30"' in page
    response = await client.get("/dashboard/export.xlsx?from=2026-11-01&to=2026-11-30")
    assert response.status == 200 and response.content_type == XLSX_TYPE
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="svodka-2026-11-01-2026-11-30.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    assert book.sheetnames == [
        texts.DASH_TABLE_SUMMARY, texts.DASH_TABLE_BY_STATUS, texts.DASH_TABLE_BY_CATEGORY,
        texts.DASH_TABLE_BY_INSTITUTION, texts.DASH_TABLE_OVERDUE, texts.DASH_TABLE_FAQ]
    # all 79 seeded appeals were filed on 22 November: 78 new, 1 answered
    by_status = {row[0]: row[1] for row in _rows(book[texts.DASH_TABLE_BY_STATUS])}
    assert by_status == {texts.STATUSES["new"]: 78, texts.STATUSES["in_progress"]: 0,
                         texts.STATUSES["answered"]: 1, texts.STATUSES["closed"]: 0}
    assert all(type(n) is int for n in by_status.values())
    institutions = {row[0]: row[2] for row in _rows(book[texts.DASH_TABLE_BY_INSTITUTION])}
    assert institutions == {"Котельничская ЦРБ": 76, "Слободская ЦРБ": 3}
    summary = book[texts.DASH_TABLE_SUMMARY]
    assert summary["A2"].value == datetime(2026, 11, 1) and summary["A2"].is_date
    # a period with nothing filed: the same tables, zeros
    empty = openpyxl.load_workbook(io.BytesIO(await _download(
        client, "/dashboard/export.xlsx?from=2026-01-01&to=2026-01-31")))
    assert {row[0]: row[1] for row in _rows(empty[texts.DASH_TABLE_BY_STATUS])} == dict.fromkeys(
        by_status, 0)


async def test_dashboard_csv_of_an_admin_is_their_institution(app, client, sender, admin) -> None:
    await _seed(app)
    await sign_in(client, app, await user_id_of(app, "telegram", "2001"), "admin")
    response = await client.get("/dashboard/export.csv?from=2026-11-01&to=2026-11-30")
    assert response.status == 200 and response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="svodka-2026-11-01-2026-11-30.csv"')
    data = await response.read()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    titles = [lines[0][0]] + [lines[i + 1][0] for i, line in enumerate(lines[:-1])
                              if line == [] and i + 1 < len(lines)]
    assert titles == [texts.DASH_TABLE_SUMMARY, texts.DASH_TABLE_BY_STATUS,
                      texts.DASH_TABLE_BY_CATEGORY, texts.DASH_TABLE_BY_INSTITUTION,
                      texts.DASH_TABLE_OVERDUE]  # no region-wide FAQ questions for an admin
    start = lines.index([texts.DASH_TABLE_BY_INSTITUTION])
    assert lines[start + 2][0] == "Котельничская ЦРБ" and lines[start + 2][2] == "76"
    assert lines[start + 3] == [texts.DASH_TABLE_NOTE_RANK.format(min=20)]  # Kotelnich alone
    assert "Слободская" not in data.decode("utf-8-sig")
    refused = await client.get(f"/dashboard/export.xlsx?institution={SLOBODSKOY}")
    assert refused.status == 403 and "Content-Disposition" not in refused.headers
    assert (await client.get("/dashboard/export.csv?from=2026-11-30&to=2026-11-01")).status == 400


async def test_exports_refused_once_the_role_is_gone(app, client, sender, admin) -> None:
    from bot.appeals import staff_power
    from bot.appeals.staff_power import CLI

    await _seed(app)
    uid = await user_id_of(app, "telegram", "2001")
    await sign_in(client, app, uid, "admin")
    async with app.db.unit() as repos:
        await staff_power.revoke(repos, uid, CLI, app.clock.now())
    for path in ("/queue/export.xlsx?status=all", "/queue/export.csv",
                 "/dashboard/export.xlsx", "/dashboard/export.csv"):
        response = await client.get(path)
        assert response.status == 403, path
        assert texts.WEB_NO_ROLE in await response.text()
    client.session.cookie_jar.clear()  # and without a session at all
    for path in ("/dashboard/export.xlsx", "/dashboard/export.csv"):
        assert (await client.get(path)).status == 401
