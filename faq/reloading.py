"""Hot reload of the FAQ file: the bot holds one ReloadingFaq and asks it for .matcher."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from faq.config import MatcherConfig
from faq.loader import FaqContentError, FaqLimits, load_faq
from faq.matcher import FaqMatcher
from faq.ranker import Ranker

__all__ = ["ReloadingFaq"]

log = logging.getLogger(__name__)

_Stamp = tuple[int, int] | None  # the file's modification time and size; None: no file


class ReloadingFaq:
    """A FaqMatcher that follows its file.

    `.matcher` checks the file's modification time at most once every `check_every`
    seconds of `clock` and rebuilds the matcher when the file changed. If the new file is
    invalid, the previous matcher stays in service and `.errors` tells what is wrong with
    the file. `.reload()` forces a reload (for an operator command) and returns the errors.
    The first load raises FaqContentError: there is no old content to fall back to.

    Parsing and indexing a big file takes seconds. Inside a running event loop a changed
    file is therefore parsed and indexed in a worker thread (`asyncio.to_thread`) while the
    previous matcher keeps answering; `.areload()` is the forced reload for async callers.
    The worker thread only builds the new matcher: the state is changed on the caller's
    side, and an asyncio.Lock lets one reload run at a time, so a slower, older reload
    never replaces a newer one. Without a running loop (scripts, tests) `.matcher` reloads
    right away. `limits` bound the file. A `ranker` (faq.ranker) is given to every matcher
    built, so the entries' embeddings are computed again, in the worker thread, on reload.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        check_every: float = 5.0,
        config: MatcherConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        limits: FaqLimits | None = None,
        ranker: Ranker | None = None,
    ) -> None:
        self.path = Path(path)
        self.check_every = check_every
        self._config = config
        self._ranker = ranker
        self._limits = limits or FaqLimits()
        self._clock = clock
        self._pending: asyncio.Task[None] | None = None  # the reload running in the background
        self._reloading = asyncio.Lock()  # one areload() at a time
        self.errors: list[str] = []
        self._stamp = self._file_stamp()
        self._matcher = FaqMatcher(load_faq(self.path, self._limits), config, ranker)
        self.loaded_at: float = clock()  # `clock` time of the last successful load
        self._checked = self.loaded_at

    @property
    def matcher(self) -> FaqMatcher:
        now = self._clock()
        if now - self._checked >= self.check_every:
            self._checked = now
            if self._file_stamp() != self._stamp:
                self._reload_soon()
        return self._matcher

    def reload(self) -> list[str]:
        """Reload the file now; on errors keep the current matcher and return the errors."""
        stamp = self._file_stamp()
        return self._apply(stamp, self._build())

    async def areload(self) -> list[str]:
        """`reload()` with the parsing in a worker thread: the event loop keeps serving."""
        async with self._reloading:
            stamp = self._file_stamp()
            built = await asyncio.to_thread(self._build)
            return self._apply(stamp, built)

    async def settled(self) -> None:
        """Wait for the reload running in the background, if there is one."""
        if self._pending is not None:
            await self._pending

    def _reload_soon(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.reload()  # no event loop to keep responsive
            return
        if self._pending is None or self._pending.done():
            self._pending = loop.create_task(self._reload_in_background(), name="faq-reload")

    async def _reload_in_background(self) -> None:
        try:
            await self.areload()
        except Exception:
            log.exception("FAQ %s: reload failed, keeping the previous content", self.path)

    def _build(self) -> FaqMatcher | FaqContentError:
        """The new matcher, or what is wrong with the file (no state is touched: a worker
        thread may run this)."""
        try:
            return FaqMatcher(load_faq(self.path, self._limits), self._config, self._ranker)
        except FaqContentError as exc:
            return exc

    def _apply(self, stamp: _Stamp, built: FaqMatcher | FaqContentError) -> list[str]:
        if isinstance(built, FaqContentError):
            self._stamp = stamp  # do not retry the same broken file on every message
            self.errors = built.errors
            log.warning("FAQ %s not reloaded, keeping the previous content: %s",
                        self.path, "; ".join(built.errors))
            return list(self.errors)
        self._matcher = built
        self._stamp = stamp
        self.errors = []
        self.loaded_at = self._clock()
        log.info("FAQ %s reloaded: %d entries", self.path, len(built))
        return []

    def _file_stamp(self) -> _Stamp:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)
