"""The users' side: a test writes, presses buttons, replies, sends photos; updates are
queued for getUpdates."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from typing import Any

from tests.fake_telegram.faults import Faults
from tests.fake_telegram.records import BOT_USER


class Users(Faults):
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__(now)
        self.updates: list[dict[str, Any]] = []
        # getUpdates calls that would confirm this update hang, offset not applied
        self._hold_confirming: int | None = None
        self._polls_open = asyncio.Event()
        self._update_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self.downloads: list[str] = []  # the file paths the bot downloaded

    def put_file(self, file_id: str, data: bytes) -> str:
        """Telegram keeps `data` under `file_id` (getFile names its path, the download
        gives the bytes); returns the file path."""
        path = self.files[file_id][0] if file_id in self.files else (
            f"photos/file_{len(self.files)}.jpg")
        self.files[file_id] = (path, data)
        return path

    def forget_file(self, file_id: str) -> None:
        """The file is gone from Telegram: getFile fails as for an unknown file_id."""
        self.files.pop(file_id, None)

    def file_content(self, file_path: str) -> bytes | None:
        return next((data for path, data in self.files.values() if path == file_path), None)

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        with contextlib.suppress(RuntimeError):  # no loop: nobody is waiting
            asyncio.get_running_loop().create_task(self._notify())
        return update

    def _user(self, user_id: int, name: str) -> dict[str, Any]:
        first, _, last = name.partition(" ")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first or "U"}
        if last:
            user["last_name"] = last
        return user

    def message(self, chat_id: int, user_id: int, text: str | None = None, *,
                name: str = "Иван Петров", chat_type: str | None = None,
                reply_to: int | None = None, photo: bool | bytes = False,
                document: bool = False,
                caption: str | None = None, extra: dict[str, Any] | None = None,
                kind: str = "message", reply_to_user: int | None = None) -> dict[str, Any]:
        """A user's message as an update (also queued for getUpdates). `photo` as bytes:
        the largest size's file holds them (put_file); photo=True: a file never fetched."""
        if chat_type:
            self.chat_types[chat_id] = chat_type
        msg: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id), "date": int(time.time()),
            "chat": self._chat(chat_id), "from": self._user(user_id, name),
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split(" ", 1)[0])}]
        if caption is not None:
            msg["caption"] = caption
        if photo:
            n = next(self._file_ids)
            msg["photo"] = [
                {"file_id": f"photo{n}-small", "file_unique_id": f"ps{n}", "width": 90,
                 "height": 60},
                {"file_id": f"photo{n}-big", "file_unique_id": f"pb{n}", "width": 1280,
                 "height": 853},
            ]
            if isinstance(photo, bytes):
                self.put_file(f"photo{n}-big", photo)
                msg["photo"][-1]["file_size"] = len(photo)
        if document:
            n = next(self._file_ids)
            msg["document"] = {"file_id": f"doc{n}", "file_unique_id": f"d{n}",
                               "file_name": "scan.pdf"}
        if reply_to is not None:
            original = next((m for m in self.sent
                             if m.chat_id == chat_id and m.message_id == reply_to), None)
            msg["reply_to_message"] = {
                "message_id": reply_to, "date": int(time.time()), "chat": self._chat(chat_id),
                "from": BOT_USER, "text": original.text if original else "..."}
            if reply_to_user is not None:  # a reply to a person's message, not the bot's
                msg["reply_to_message"]["from"] = self._user(reply_to_user, "Коллега")
                msg["reply_to_message"]["text"] = "..."
        msg.update(extra or {})
        return self._push({kind: msg})

    def press(self, chat_id: int, user_id: int, message_id: int, data: str, *,
              name: str = "Иван Петров") -> dict[str, Any]:
        """A callback button press on a bot message."""
        original = next((m for m in self.sent
                         if m.chat_id == chat_id and m.message_id == message_id), None)
        return self._push({"callback_query": {
            "id": f"cq{next(self._file_ids)}", "from": self._user(user_id, name),
            "chat_instance": "ci", "data": data,
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": self._chat(chat_id), "from": BOT_USER,
                        "text": original.text if original else "..."},
        }})

    def _member_update(self, chat_id: int, by_user_id: int, old: str, new: str) -> dict[str, Any]:
        return self._push({"my_chat_member": {
            "chat": self._chat(chat_id), "from": self._user(by_user_id, "Иван Петров"),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": BOT_USER},
            "new_chat_member": {"status": new, "user": BOT_USER}}})

    def bot_removed(self, chat_id: int, by_user_id: int = 1, *,
                    kick: bool = True) -> dict[str, Any]:
        """my_chat_member: the bot left the group (member -> left); also kick(chat_id)."""
        if kick:
            self.kick(chat_id)
        return self._member_update(chat_id, by_user_id, "member", "left")

    def bot_added(self, chat_id: int, by_user_id: int = 1) -> dict[str, Any]:
        """my_chat_member: the bot was added to the group (left -> member); un-kicks it."""
        self.kicked.discard(chat_id)
        return self._member_update(chat_id, by_user_id, "left", "member")

    def migrated(self, chat_id: int, new_chat_id: int, user_id: int = 1) -> dict[str, Any]:
        """The service message in the old group when it became a supergroup; the old id
        is migrated from now on (see migrate())."""
        self.migrate(chat_id, new_chat_id)
        return self.message(chat_id, user_id, extra={"migrate_to_chat_id": new_chat_id})

    def raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Any JSON object as an update, malformed ones too (a message without chat, ...),
        queued for getUpdates with the next update_id."""
        return self._push(update)

    def hold_confirmation(self, update: dict[str, Any]) -> None:
        """getUpdates calls that would confirm this update hang without applying their
        offset (the confirmation "never arrives") until release_polls()."""
        self._hold_confirming = update["update_id"]
        self._polls_open.clear()

    def release_polls(self) -> None:
        self._hold_confirming = None
        self._polls_open.set()

    async def deliver(self) -> None:
        """Wake a waiting getUpdates after updates were added."""
        await self._notify()
