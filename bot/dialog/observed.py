"""The dialog with every turn timed for an observer (the metrics, bot/metrics.py): the one
entry every transport (and the console) goes through, so each update is counted once, per
platform, with how long the dialog took (the per-user lock's wait included: what the
person waits for). dialog.py stays as it is, and the core never imports the metrics
library.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from bot.dialog.dialog import Dialog
from bot.dialog.types import Incoming, Reply


class TurnObserver(Protocol):
    def turn_handled(self, platform: str, seconds: float) -> None:
        """One update of `platform` handled in `seconds` (also a failed or dropped one)."""
        ...


class ObservedDialog(Dialog):
    def __init__(self, *args: Any, observer: TurnObserver, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.observer = observer

    async def handle(self, inc: Incoming) -> list[Reply]:
        started = time.perf_counter()
        try:
            return await super().handle(inc)
        finally:
            self.observer.turn_handled(inc.platform, time.perf_counter() - started)
