"""The console front door: a piped conversation plays citizen and admin on the same core."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot import texts
from bot.app import console_chat
from bot.config import PROJECT_ROOT
from tests.texts_helpers import fields, filled

# File an appeal to "котельничская црб" as a citizen, answer it as that institution's
# admin, and see the answer arrive on the citizen's side.
CONVERSATION = """\
/as admin kir-crb-kotelnich
/as citizen
/appeal
котельничская црб
В регистратуре не берут трубку третий день подряд
1
1
1
/as admin kir-crb-kotelnich
/queue
1
2
Здравствуйте! Телефон регистратуры починили, звоните.
1
/as citizen
5
/my
"""


def unindented(output: str) -> str:
    """The console's output with the bot's lines as the bot wrote them (it indents them)."""
    return output.replace("\n  ", "\n")


def assert_answer_arrived(output: str) -> None:
    """After the admin typed the answer, the citizen's chat received it."""
    typed = output.index("> Здравствуйте! Телефон регистратуры починили, звоните.")
    draft = fields(texts.STAFF_CONFIRM_ANSWER, unindented(output[typed:]))  # shown back first, sent on «1»
    assert draft["text"] == "Здравствуйте! Телефон регистратуры починили, звоните."
    delivered = output.index("📨 → чат «citizen»", typed)
    message = output[delivered:].split("\n> ")[0]
    answer = fields(texts.CITIZEN_ANSWER, unindented(message))
    assert answer == {"number": draft["number"], "institution": "Котельничская ЦРБ",
                      "text": "Здравствуйте! Телефон регистратуры починили, звоните."}, message


async def test_piped_conversation_through_the_console_adapter(app) -> None:
    app.dialog.staff.answers.confirm_in_private = True  # the default, as `make run` has it
    out = io.StringIO()
    console = console_chat(app, io.StringIO(CONVERSATION), out)
    await console.run()
    text = out.getvalue()
    assert fields(texts.APPEAL_FILED, unindented(text))["institution"] == "Котельничская ЦРБ"
    assert "📨 → чат «admin:kir-crb-kotelnich»" in text  # the card reached the admin's chat
    assert_answer_arrived(text)
    assert texts.RATE_THANKS in text
    assert fields(texts.MY_ITEM, unindented(text.split("> /my")[-1]))["status"] == texts.STATUSES["closed"]


async def test_reply_command_to_a_card_answers_it(app) -> None:
    out = io.StringIO()
    console = console_chat(app, io.StringIO(""), out)
    for line in ["/as admin kir-crb-kotelnich", "/as citizen", "/appeal", "котельничская црб",
                 "Нет записи к терапевту на две недели вперёд", "1", "1", "1",
                 "/as admin котельничская црб"]:
        await console.handle_line(line)
    card_id = out.getvalue().split("📨 → чат «admin:kir-crb-kotelnich» [#")[1].split("]")[0]
    await console.handle_line(f"/reply {card_id} Запишем вас на завтра, ждите звонка.")
    assert filled(texts.STAFF_ANSWER_QUEUED, unindented(out.getvalue()))
    assert fields(texts.CITIZEN_ANSWER, unindented(out.getvalue().split("📨 → чат «citizen»")[-1]))[
        "text"] == "Запишем вас на завтра, ждите звонка."


async def test_unknown_persona_and_institution_get_clear_answers(app) -> None:
    out = io.StringIO()
    console = console_chat(app, io.StringIO(""), out)
    await console.handle_line("/as admin несуществующая клиника на марсе zzz")
    await console.handle_line("/as boss")
    assert "не найдено" in out.getvalue() and "Использование" in out.getvalue()


def test_python_m_bot_console_reads_a_pipe(tmp_path: Path) -> None:
    """The real command, as the README shows it, with nothing but a database path set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM", "VK_"))}
    env.update(DATABASE_PATH=str(tmp_path / "db.sqlite3"), FAQ_PATH=str(tmp_path / "faq.yaml"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"], input=CONVERSATION, text=True,
        capture_output=True, cwd=tmp_path, env=env | {"PYTHONPATH": str(PROJECT_ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert_answer_arrived(result.stdout)
