"""The real bot process (`python -m bot ...`) for end-to-end tests against fake APIs."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT


class BotProcess:
    """Runs the bot on a database in `tmp`, with the environment a deployment would set.
    Subclasses know how to tell that their transport is up (`start`)."""

    def __init__(self, tmp: Path, **env: str) -> None:
        self.tmp = tmp
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VK_", "MAX_"))},
            "DATABASE_PATH": str(tmp / "bot.sqlite3"), "FAQ_PATH": str(tmp / "faq.yaml"),
            "OUTBOX_POLL_INTERVAL": "0.05", "PYTHONPATH": str(PROJECT_ROOT),
            # The scenarios bind their own inboxes; the start-up check has a test of its own.
            "ALLOW_NO_OPERATORS": "true",
            "CONFIRM_ANSWERS_IN_PRIVATE": "false",  # confirmation: tests/bot/dialog/test_answer_confirmation.py
            "LOG_LEVEL": "INFO", **env,
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def cli(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=self.env, cwd=self.tmp,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
        assert proc.returncode == 0, err.decode()
        return out.decode()

    async def spawn(self) -> None:
        """`python -m bot run`, its output in bot<N>.log."""
        self.starts += 1
        log = (self.tmp / f"bot{self.starts}.log").open("wb")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=self.env, cwd=self.tmp,
                stdout=log, stderr=log)
        finally:
            log.close()

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.tmp.glob("bot*.log")))

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no cleanup at all
        await asyncio.wait_for(self.proc.wait(), 10)

    async def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 15)

    def cleanup(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.tmp / "bot.sqlite3") as conn:
            return conn.execute(sql, params).fetchall()

    async def _poll(self, done: Any, what: str, seconds: float = 30) -> None:
        # The process offers no event to wait on: poll its database file.
        deadline = time.monotonic() + seconds
        while not done():
            assert time.monotonic() < deadline, what
            await asyncio.sleep(0.05)

    async def outbox_drained(self, seconds: float = 30) -> None:
        """Every outbox row sent."""
        await self._poll(
            lambda: not self.query("SELECT count(*) FROM outbox WHERE status != 'sent'")[0][0],
            "outbox not drained: " + repr(self.query(
                "SELECT status, failure, count(*) FROM outbox GROUP BY 1, 2")), seconds)
