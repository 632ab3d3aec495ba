"""The console chat: the same core in a terminal, to try everything without tokens.

Buttons are numbered: typing the number presses one. `/as citizen`, `/as admin <id or
name>`, `/as operator` switch who you are; messages the bot sends to other chats are
printed with their destination. `/reply N text` replies to message #N (a card). Files the
bot made (a weekly report's chart and workbook) are written into a folder (`files_dir`: the
composition root names one beside the database) and their paths printed.
Reads stdin line by line, so a whole conversation can be piped in.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from bot import texts
from bot.delivery.pacing import RateLimiter
from bot.delivery.ports import Failure, Limits, SendError
from bot.dialog.types import Incoming
from bot.message import Button, Message, OutFile
from handlers.ports import Core, Delivery, Personas

PLATFORM = "console"

HELP = """Консоль medfront. Вы говорите с ботом как гражданин.
  /as citizen | /as admin <id или название учреждения> | /as operator — сменить роль
  цифра — нажать кнопку с этим номером; /reply N текст — ответить на сообщение #N
  /whoami — кто вы сейчас; /quit — выход. Остальные команды бота: /help"""


@dataclass(frozen=True, slots=True)
class Persona:
    user_id: str
    chat_id: str
    label: str


# Where files go when no folder is given (a test, a console without a database folder).
DEFAULT_FILES_DIR = Path(tempfile.gettempdir()) / "medfront-console-files"
_UNSAFE = re.compile(r"[^\w.\-]+")

CITIZEN = Persona("citizen", "citizen", "гражданин")
OPERATOR = Persona("operator", "operator", "оператор министерства")


class ConsoleSender:
    """Delivers console chats' messages by printing them with their destination."""

    platform = PLATFORM
    limits = Limits(overall_per_s=1e6, private_interval=0.0, group_interval=0.0)

    def __init__(self, console: ConsoleChat) -> None:
        self.console = console
        self.limiter = RateLimiter(self.limits.overall_per_s)

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(self, chat_id: str, message: Message, key: str) -> str:
        try:
            saved = [self.save(file, key) for file in message.files]
        except OSError as exc:  # a full disk, a folder not writable: the row waits, retried
            raise SendError(f"console file not written: {exc!r}", Failure.TRANSIENT) from exc
        return self.console.show(chat_id, message.text, message.buttons,
                                 attachments=len(message.attachments), files=saved)

    def save(self, file: OutFile, key: str) -> tuple[str, Path]:
        """Write the file into the console's folder (a name of its own per message, so a
        week's report does not overwrite last week's); returns (name, path)."""
        folder = self.console.files_dir
        folder.mkdir(parents=True, exist_ok=True)
        safe = _UNSAFE.sub("_", Path(file.name).name).strip("._") or "file"
        path = folder / f"{key[:8]}-{safe}"
        path.write_bytes(file.content)
        return file.name, path

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        self.console.show(chat_id, message.text, message.buttons, edited=message_id)


class ConsoleChat:
    """The core, the delivery (run in turn with the input) and who to become (`/as`)."""

    def __init__(self, core: Core, delivery: Delivery, personas: Personas,
                 stdin: TextIO | None = None, stdout: TextIO | None = None,
                 files_dir: Path | None = None) -> None:
        self.files_dir = files_dir or DEFAULT_FILES_DIR
        self.core = core
        self.delivery = delivery
        self.personas = personas
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.persona = CITIZEN
        self._next_message_id = 1
        self._keyboards: dict[str, list[Button]] = {}  # chat -> its last buttons, numbered
        self.sender = ConsoleSender(self)
        delivery.add_sender(self.sender)

    # output

    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def show(self, chat_id: str, text: str, buttons: list[list[Button]], *,
             edited: str | None = None, attachments: int = 0,
             files: list[tuple[str, Path]] | None = None) -> str:
        """Print a bot message for a chat; returns its message id."""
        message_id = edited or str(self._next_message_id)
        if edited is None:
            self._next_message_id += 1
        if chat_id == self.persona.chat_id and not edited:
            head = f"бот [#{message_id}]:"
        elif edited:
            head = f"✏️  изменено сообщение #{message_id} в чате «{chat_id}»:"
        else:
            head = f"📨 → чат «{chat_id}» [#{message_id}]:"
        lines = [head, *("  " + line for line in text.splitlines())]
        if attachments:
            lines.append(f"  📎 вложений: {attachments}")
        for name, path in files or []:
            lines.append("  " + texts.CONSOLE_FILE_SAVED.format(name=name, path=path))
        flat = [b for row in buttons for b in row]
        for number, button in enumerate(flat, start=1):
            lines.append(f"  [{number}] {button.text}")
        self._print("\n".join(lines))
        if not edited:  # the newest message's buttons are the ones a number presses
            self._keyboards[chat_id] = flat
        return message_id

    # input

    async def _switch(self, arg: str) -> None:
        who, _, rest = arg.partition(" ")
        rest = rest.strip()
        if who == "citizen":
            self.persona = CITIZEN
        elif who == "operator":
            await self._grant(OPERATOR, "operator", None)
            self.persona = OPERATOR
        elif who == "admin" and rest:
            found = await self.personas.institution(rest)
            if found is None:
                self._print(f"Учреждение «{rest}» не найдено. Пример: /as admin kir-crb-kotelnich")
                return
            inst_id, name = found
            persona = Persona(f"admin:{inst_id}", f"admin:{inst_id}", f"администратор «{name}»")
            await self._grant(persona, "admin", inst_id)
            self.persona = persona
        else:
            self._print("Использование: /as citizen | /as admin <id> | /as operator")
            return
        self._print(f"— теперь вы: {self.persona.label} (чат «{self.persona.chat_id}»)")

    async def _grant(self, persona: Persona, role: str, institution_id: str | None) -> None:
        await self.personas.grant(PLATFORM, persona.user_id, persona.chat_id, role,
                                  institution_id)

    def _incoming(self, line: str) -> Incoming | None:
        p = self.persona
        base = Incoming(platform=PLATFORM, chat_id=p.chat_id, user_id=p.user_id,
                        user_name=p.label)
        keyboard = self._keyboards.get(p.chat_id, [])
        if line.isdigit() and 1 <= int(line) <= len(keyboard):
            return replace(base, payload=keyboard[int(line) - 1].payload)
        if line.startswith("/reply "):
            _, target, text = (line.split(" ", 2) + [""])[:3]
            return replace(base, text=text, reply_to_message_id=target.lstrip("#"),
                           message_id=str(self._next_message_id))
        return replace(base, text=line)

    async def handle_line(self, line: str) -> bool:
        """Process one input line; False when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        if line.startswith("/as"):
            await self._switch(line[3:].strip())
            return True
        if line == "/whoami":
            self._print(f"— вы: {self.persona.label} (чат «{self.persona.chat_id}»)")
            return True
        incoming = self._incoming(line)
        if incoming is None:
            return True
        await self.core.handle(incoming)
        await self.delivery.flush()  # the replies and everything else, by the one path
        return True

    async def run(self) -> None:
        interactive = self.stdin.isatty()
        self._print(HELP)
        await self.delivery.recover()
        await self.delivery.flush()
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.stdout.write(f"{self.persona.label}> ")
                self.stdout.flush()
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                break
            if not interactive and line.strip():
                self._print(f"> {line.rstrip()}")
            if not await self.handle_line(line):
                break
