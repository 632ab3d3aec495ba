"""Settings fail with one clear line; the CLI commands do what the README says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, ConfigError, load_settings


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM", "VK_"))}
    env.update(DATABASE_PATH=str(tmp_path / "db.sqlite3"), FAQ_PATH=str(tmp_path / "faq.yaml"),
               PYTHONPATH=str(PROJECT_ROOT), **extra)
    return env


def _bot(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, cwd=tmp_path, env=_env(tmp_path, **env),
                          timeout=120)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("DEFAULT_TIMEZONE", "Europe/Kirof", "DEFAULT_TIMEZONE"),
    ("OPERATORS_TELEGRAM", "12,abc", "OPERATORS_TELEGRAM"),
    ("TELEGRAM_API_URL", "localhost:8081", "TELEGRAM_API_URL"),
    ("OUTBOX_POLL_INTERVAL", "-1", "OUTBOX_POLL_INTERVAL"),
])
def test_wrong_setting_is_one_line_naming_it(monkeypatch, name, value, expected) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_wrong_setting_at_start_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = _bot(tmp_path, "console", DEFAULT_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "DEFAULT_TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr


def test_tokens_are_secret(monkeypatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:s3cr3t-t0ken")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/tg")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "w3bh00k-s3cr3t")
    settings = load_settings(_env_file=None)
    assert "s3cr3t" not in repr(settings)  # field names may say "secret"; values must not show
    assert settings.telegram_bot_token.get_secret_value() == "123:s3cr3t-t0ken"
    assert settings.telegram_webhook_secret.get_secret_value() == "w3bh00k-s3cr3t"


def test_invite_prints_a_token_accepted_by_start(tmp_path: Path) -> None:
    # the first run creates the database and loads the demo directory
    assert _bot(tmp_path, "console", stdin="/quit\n").returncode == 0
    result = _bot(tmp_path, "invite", "--institution", "kir-crb-kotelnich", "--role", "admin")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token and " " not in token
    chat = _bot(tmp_path, "console", stdin=f"/start inv_{token}\n/queue\n")
    assert "Котельничская ЦРБ" in chat.stdout and "Открытых обращений нет" in chat.stdout
    bad = _bot(tmp_path, "invite", "--institution", "nope", "--role", "admin")
    assert bad.returncode == 2 and "не найдено" in bad.stderr


def test_import_directory_lists_bad_rows_and_imports_good_ones(tmp_path: Path) -> None:
    csv_path = tmp_path / "region.csv"
    csv_path.write_text(
        "id,name,timezone\n"
        "a,Больница А,Europe/Kirov\n"
        ",Без id,Europe/Kirov\n"
        "c,Больница В,Europe/Kirof\n", encoding="utf-8")
    refused = _bot(tmp_path, "import-directory", str(csv_path))  # issue 12, item 13
    assert refused.returncode == 1
    assert "строка 3" in refused.stdout and "строка 4" in refused.stdout
    assert "Справочник не изменён" in refused.stdout and "--partial" in refused.stdout
    result = _bot(tmp_path, "import-directory", "--partial", str(csv_path))
    assert result.returncode == 1
    assert "строка 3" in result.stdout and "строка 4" in result.stdout
    assert "добавлено 1" in result.stdout


def test_faq_check_and_import(tmp_path: Path) -> None:
    good = PROJECT_ROOT / "faq" / "data" / "faq.yaml"
    assert _bot(tmp_path, "faq", "check", str(good)).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nentries:\n  - id: a\n    question: Q?\n    answer: ''\n",
                   encoding="utf-8")
    result = _bot(tmp_path, "faq", "check", str(bad))
    assert result.returncode == 1 and result.stdout.strip()
    assert _bot(tmp_path, "import-faq", str(bad)).returncode == 1
    assert not (tmp_path / "faq.yaml").exists()
    assert _bot(tmp_path, "import-faq", str(good)).returncode == 0
    assert (tmp_path / "faq.yaml").read_text(encoding="utf-8") == good.read_text(encoding="utf-8")


def test_backup_command(tmp_path: Path) -> None:
    assert _bot(tmp_path, "console", stdin="").returncode == 0
    result = _bot(tmp_path, "backup", str(tmp_path / "b.sqlite3"))
    assert result.returncode == 0 and (tmp_path / "b.sqlite3").stat().st_size > 0


def test_core_does_not_load_messenger_libraries() -> None:
    code = ("import sys, bot.dialog, bot.dialog.dialog, bot.appeals.service; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('aiogram', 'vkbottle')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_with_a_token_refuses_to_start_without_operators(tmp_path: Path) -> None:
    """Appeals of institutions without an inbox go to the operators: with none configured
    they would reach no one, so `run` says so in one line and does not start."""
    env = {"TELEGRAM_BOT_TOKEN": "123:TEST", "TELEGRAM_API_URL": "http://127.0.0.1:9"}
    result = _bot(tmp_path, "run", **env)
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert "OPERATORS_TELEGRAM" in line and "OPERATORS_VK" in line
    assert "ALLOW_NO_OPERATORS" in line and "Traceback" not in result.stderr
    # the console is exempt: there `/as operator` is the operators' chat
    assert _bot(tmp_path, "console", stdin="/quit\n").returncode == 0


def test_outbox_command_lists_failures_and_retries_or_reroutes_a_row(tmp_path: Path) -> None:
    import asyncio

    from bot.appeals.outbox import outbox_row
    from bot.message import Message
    from storage.db import Database
    from storage.records import OutboxKind

    assert _bot(tmp_path, "console", stdin="/quit\n").returncode == 0  # creates the database

    async def failed_row() -> int:
        from datetime import UTC, datetime

        db = await Database.open(tmp_path / "db.sqlite3")
        try:
            now = datetime.now(UTC)
            async with db.unit() as repos:
                row = await repos.outbox.add(outbox_row("telegram", "42", Message("не дошло"),
                                                        OutboxKind.REMINDER), now)
                await repos.outbox.mark_failed([row], "chat_gone", "Forbidden: blocked", now)
            return row
        finally:
            await db.close()

    row = asyncio.run(failed_row())
    listed = _bot(tmp_path, "outbox")
    assert listed.returncode == 0, listed.stderr
    assert "чат недоступен" in listed.stdout and f"{row} · telegram · 42" in listed.stdout
    no_one = _bot(tmp_path, "outbox", "reroute", str(row))
    assert no_one.returncode == 2 and "OPERATORS_TELEGRAM" in no_one.stderr
    again = _bot(tmp_path, "outbox", "retry", str(row))
    assert again.returncode == 0 and "снова в очереди" in again.stdout
    assert _bot(tmp_path, "outbox", "retry", str(row)).returncode == 2  # not failed any more
    assert "очереди 1" in _bot(tmp_path, "outbox").stdout


def test_vk_callback_api_needs_its_secret(monkeypatch) -> None:
    """Issue 12, item 1: the Callback API mode without a secret would take forged events."""
    monkeypatch.setenv("VK_CALLBACK_CONFIRMATION", "c0nf1rm")
    with pytest.raises(ConfigError, match="VK_CALLBACK_SECRET"):
        load_settings(_env_file=None)
    monkeypatch.setenv("VK_CALLBACK_SECRET", "s3cret")
    assert load_settings(_env_file=None).vk_callback_secret is not None
