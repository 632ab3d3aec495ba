"""LOG_FORMAT (bot/logs.py): text for people, or one JSON object a line with time, level,
logger, message and the exception's class and brief, tokens and phone numbers masked."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.logs import JsonFormatter, LogFormat, log_handler, mask

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("medfront.test")
    handlers, propagate, level = log.handlers[:], log.propagate, log.level
    log.propagate = False
    log.setLevel(logging.INFO)
    yield log
    log.handlers, log.propagate, log.level = handlers, propagate, level


def lines_of(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_log_format_is_a_setting_with_text_by_default() -> None:
    assert Settings(_env_file=None).log_format is LogFormat.TEXT  # type: ignore[call-arg]
    assert Settings(_env_file=None, log_format="json").log_format is LogFormat.JSON  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Settings(_env_file=None, log_format="xml")  # type: ignore[call-arg]


def test_json_logs_are_one_object_a_line_with_secrets_masked(logger: logging.Logger) -> None:
    stream = io.StringIO()
    logger.addHandler(log_handler(LogFormat.JSON, stream))
    log = logger
    log.info("outbox row %s to %s:%s sent", 17, "telegram", "-1001234567890")
    log.warning("citizen wrote from +7 912 345-67-89 and 8 (912) 345-67-89")
    try:
        raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed "
                              "for 89123456789")
    except ConnectionError:
        log.exception("sending failed")
    log.debug("not at INFO")

    first, second, third = lines_of(stream)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "medfront.test"
    assert first["message"] == "outbox row 17 to telegram:-1001234567890 sent"  # ids stay
    assert first["time"].endswith("+00:00")
    assert second["message"] == "citizen wrote from *** and ***"
    assert third["level"] == "ERROR" and third["message"] == "sending failed"
    assert third["exception"] == "ConnectionError"
    assert third["error"].startswith("ConnectionError: POST https://api.telegram.org/bot***/")
    assert TOKEN not in stream.getvalue() and "AAHdq" not in stream.getvalue()
    assert "89123456789" not in stream.getvalue() and "345-67-89" not in stream.getvalue()
    assert "Traceback" not in stream.getvalue()


def test_text_logs_stay_as_they_were(logger: logging.Logger) -> None:
    stream = io.StringIO()
    logger.addHandler(log_handler(LogFormat.TEXT, stream))
    logger.info("started")
    assert stream.getvalue().rstrip().endswith("INFO medfront.test: started")
    with pytest.raises(json.JSONDecodeError):
        json.loads(stream.getvalue())


def test_the_mask_keeps_ids_and_hides_phones_and_tokens() -> None:
    assert mask("user 1234567890, appeal 2026-000123, chat -1001234567890") == (
        "user 1234567890, appeal 2026-000123, chat -1001234567890")
    assert mask("+79123456789; 912 345-67-89; tel:89123456789.") == "***; ***; tel:***."
    assert mask(f"https://api.telegram.org/bot{TOKEN}/getMe?access_token=vk1.a.xyz&v=5") == (
        "https://api.telegram.org/bot***/getMe?access_token=***&v=5")


def test_the_json_formatter_masks_arguments_too() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", ("+7 (912) 345 67 89",),
                               None)
    assert json.loads(JsonFormatter().format(record))["message"] == "phone ***"


def test_the_bot_logs_json_lines_with_log_format_json(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM", "VK_", "MAX_", "LOG_"))}
    env.update(DATABASE_PATH=str(tmp_path / "db.sqlite3"), FAQ_PATH=str(tmp_path / "faq.yaml"),
               PYTHONPATH=str(PROJECT_ROOT), LOG_FORMAT="json")
    result = subprocess.run([sys.executable, "-m", "bot", "console"], input="/quit\n",
                            text=True, capture_output=True, cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(line["message"].startswith("directory loaded on first start") for line in lines)
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
