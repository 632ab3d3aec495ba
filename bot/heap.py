"""The long-lived heap out of the cyclic garbage collector's way.

The directory's search index, the FAQ matcher and the lemmatiser's dictionaries are tens
of thousands of objects that live as long as the process. CPython's oldest-generation
collection walks every one of them: about 80 ms on this project's demo data (measured on
a loaded machine), during which the event loop stands still and every citizen in flight
waits. Such a collection is rare (none happened within a run of the core benchmark), but
a long-running bot meets it. `gc.freeze()` moves what exists at that moment into a permanent
generation the collector no longer walks; objects made later are collected as before, and
frozen ones are still freed by reference counting when nothing holds them.

`settle()` runs when the bot starts serving (bot/runner.py) and again after a directory
rebuild (bot/scheduler.py): it unfreezes, collects once (reclaiming the cycles of what
was replaced), and freezes the survivors.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def settle() -> float:
    """Collect once, then freeze the survivors; returns the seconds it took."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    took = time.perf_counter() - started
    log.debug("heap settled: %d objects frozen in %.0f ms", gc.get_freeze_count(), took * 1000)
    return took
