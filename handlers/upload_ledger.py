"""One message's uploads of the files the bot made itself (a chart, a workbook), kept by
the delivery's key until the message is sent, for the transports that upload before they
send (VK, MAX): a try again (after a failed upload, or a failed send after the uploads)
re-uses what was uploaded instead of uploading it again.

`upload` gives a file's attachment, or None when the platform refuses that file for good:
it is left out at once (named in the note under the text). A passing failure (a retry-class
SendError) is raised, so the outbox tries again; after UPLOAD_TRIES of them for one message
the files not yet uploaded are left out too: the text goes, the failure is logged. A
failure in `fatal` (the chat is gone, the token revoked) raises as for any message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.delivery.ports import Failure, SendError
from bot.message import OutFile

log = logging.getLogger(__name__)

UPLOAD_TRIES = 3  # passing failures of one message's uploads before they are left out
KEPT = 1000  # messages whose attachments are remembered while they wait for a try again

T = TypeVar("T")


@dataclass
class _Pending(Generic[T]):
    done: dict[int, T] = field(default_factory=dict)  # file index -> attachment
    refused: set[int] = field(default_factory=set)  # left out for good
    failures: int = 0


class UploadLedger(Generic[T]):
    def __init__(self, platform: str, fatal: Collection[Failure]) -> None:
        self.platform = platform
        self.fatal = frozenset(fatal)
        self._pending: dict[str, _Pending[T]] = {}

    async def prepare(self, key: str, files: tuple[OutFile, ...],
                      upload: Callable[[OutFile], Awaitable[T | None]],
                      ) -> tuple[list[tuple[OutFile, T]], tuple[OutFile, ...]]:
        """(each uploaded file with its attachment, in the files' order; the files left
        out); raises a retry-class SendError on a passing failure (what was uploaded so
        far is kept for the next try)."""
        if not files:
            return [], ()
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending()
            while len(self._pending) > KEPT:
                del self._pending[next(iter(self._pending))]
        if pending.failures < UPLOAD_TRIES:
            try:
                for index, file in enumerate(files):
                    if index in pending.done or index in pending.refused:
                        continue
                    found = await upload(file)
                    if found is None:
                        pending.refused.add(index)
                    else:
                        pending.done[index] = found
            except SendError as exc:
                if exc.failure in self.fatal:
                    raise
                pending.failures += 1
                if pending.failures < UPLOAD_TRIES:
                    raise
                log.warning("%s: files not uploaded after %s tries, left out: %s",
                            self.platform, pending.failures, exc)
        return ([(files[i], pending.done[i]) for i in sorted(pending.done)],
                tuple(f for i, f in enumerate(files) if i not in pending.done))

    def sent(self, key: str) -> None:
        """The message is out: its attachments are needed no more."""
        self._pending.pop(key, None)
