"""Word caches bounded in bytes: the least recently used entries go first.

Citizens keep typing words nobody typed before, so a cache keyed by words grows with
the traffic unless it is bounded. A count bound says little about memory (a name is a
hundred times a digit), so every cache here has a byte budget: each entry is estimated
as the size of its key and value (`estimate`) plus `ENTRY_OVERHEAD` for the table slot,
the order node and the entry's size in a second table, and the oldest entries are evicted
until the estimate fits the budget again.

Budgets are per cache name ("textnorm.lemma", "faq.typos", ...): the default given where
the cache is declared, scaled by the environment variable TEXTNORM_CACHE_SCALE (0.5
halves every cache), and changed at run time with set_budget(); budgets() and stats()
tell what is in force and in use. Caches of objects (one per FAQ index) take the budget
of their name each.

    @byte_lru_cache("textnorm.lemma", 8 * MB)
    def lemma(word: str) -> str: ...
    lemma.cache_clear()
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, NamedTuple, Protocol, TypeVar, cast

__all__ = [
    "ENTRY_OVERHEAD",
    "MB",
    "ByteLRU",
    "CacheStats",
    "CachedFunction",
    "budgets",
    "byte_lru_cache",
    "declare",
    "estimate",
    "set_budget",
    "stats",
]

MB = 1 << 20
# Bytes an entry costs besides its key and value: its slot in the OrderedDict (with the
# table's spare room), its order node and its size in the sizes table; measured with tracemalloc over
# word caches (tests/textnorm/test_memo.py checks it is not an underestimate).
ENTRY_OVERHEAD = 200

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_SMALL_INTS = range(-5, 257)  # shared by the interpreter: free to keep
_getsizeof = sys.getsizeof


def estimate(obj: object) -> int:
    """Bytes an object holds: strings, numbers, None, tuples/frozensets/lists of them and
    objects with __slots__ (a frozen dataclass) counted through; anything else shallowly."""
    kind = type(obj)
    if kind is str:  # the common case first: words
        return _getsizeof(obj)
    if obj is None or kind is bool:
        return 0
    if kind is int:
        return 0 if obj in _SMALL_INTS else _getsizeof(obj)
    if isinstance(obj, tuple | frozenset | list | set):
        size = _getsizeof(obj)
        for item in obj:  # the names' terms: strings, counted without a call each
            size += _getsizeof(item) if type(item) is str else estimate(item)
        return size
    if isinstance(obj, str | int):
        return _getsizeof(obj)
    size = _getsizeof(obj)
    for slot in getattr(kind, "__slots__", ()):
        size += estimate(getattr(obj, slot, None))
    return size


def _entry_size(key: object, value: object) -> int:
    return (_getsizeof(key) if type(key) is str else estimate(key)) + (
        _getsizeof(value) if type(value) is str else estimate(value))


class CacheStats(NamedTuple):
    caches: int  # live caches of the name
    entries: int
    bytes: int  # estimated, overhead included
    budget: int  # per cache
    misses: int


_DEFAULTS: dict[str, int] = {}
_BUDGETS: dict[str, int] = {}
_LIVE: dict[str, weakref.WeakSet[ByteLRU[object, object]]] = {}
_REGISTRY_LOCK = threading.Lock()


def _scale() -> float:
    try:
        return max(0.0, float(os.environ.get("TEXTNORM_CACHE_SCALE", "1")))
    except ValueError:
        return 1.0


def declare(name: str, default: int) -> int:
    """Declare a cache name with its default budget (scaled); returns the budget in force.
    Caches of objects declare their name at import, so budgets() lists it before any exists."""
    with _REGISTRY_LOCK:
        if name not in _BUDGETS:
            _DEFAULTS[name] = default
            _BUDGETS[name] = int(default * _scale())
        return _BUDGETS[name]


def set_budget(name: str, nbytes: int) -> None:
    """Change the byte budget of every cache of this name, now and for caches made later."""
    if nbytes < 0:
        raise ValueError("a cache budget cannot be negative")
    with _REGISTRY_LOCK:
        _BUDGETS[name] = nbytes
        _DEFAULTS.setdefault(name, nbytes)
        live = list(_LIVE.get(name, ()))
    for cache in live:
        cache.resize(nbytes)


def budgets() -> dict[str, int]:
    """Cache name -> byte budget per cache."""
    with _REGISTRY_LOCK:
        return dict(_BUDGETS)


def stats() -> dict[str, CacheStats]:
    """Cache name -> what its live caches hold (summed) against the budget of one."""
    with _REGISTRY_LOCK:
        live = {name: list(caches) for name, caches in _LIVE.items()}
        in_force = dict(_BUDGETS)
    return {
        name: CacheStats(len(caches), sum(len(c) for c in caches), sum(c.bytes for c in caches),
                         in_force[name], sum(c.misses for c in caches))
        for name, caches in live.items()
    }


class ByteLRU(Generic[K, V]):
    """A thread-safe LRU map bounded by the estimated bytes of its entries.

    Hits take no lock (single OrderedDict operations are atomic under the GIL); inserts
    and evictions take one. An entry larger than the whole budget is not kept.
    """

    def __init__(self, name: str, default_budget: int,
                 sizeof: Callable[[K, V], int] | None = None) -> None:
        self.name = name
        self.budget = declare(name, default_budget)
        self._sizeof: Callable[[K, V], int] = sizeof or _entry_size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._sizes: dict[K, int] = {}  # apart from the values: no tuple per entry for the GC
        self._lock = threading.Lock()
        self.bytes = 0
        self.misses = 0
        with _REGISTRY_LOCK:
            _LIVE.setdefault(name, weakref.WeakSet()).add(cast("ByteLRU[object, object]", self))

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get_or_compute(self, key: K, compute: Callable[[K], V]) -> V:
        """The cached value of key, else compute(key), kept for next time."""
        try:
            hit = self._data[key]
        except KeyError:
            value = compute(key)
            self.put(key, value)
            return value
        try:
            self._data.move_to_end(key)
        except KeyError:  # evicted by another thread just now
            pass
        return hit

    def memoize(self, compute: Callable[[K], V]) -> Callable[[K], V]:
        """compute with this cache in front: get_or_compute as one call (the hot path)."""
        data = self._data
        move_to_end = data.move_to_end
        put = self.put

        def cached(key: K) -> V:
            try:
                hit = data[key]
            except KeyError:
                value = compute(key)
                put(key, value)
                return value
            try:
                move_to_end(key)
            except KeyError:  # evicted by another thread just now
                pass
            return hit

        return cached

    def put(self, key: K, value: V) -> None:
        size = self._sizeof(key, value) + ENTRY_OVERHEAD
        data, sizes = self._data, self._sizes
        with self._lock:
            self.misses += 1
            if key in data:  # put twice (two threads computed it at once)
                del data[key]
                self.bytes -= sizes.pop(key)
            if size > self.budget:
                return
            data[key] = value
            sizes[key] = size
            self.bytes += size
            if self.bytes > self.budget:
                self._evict()

    def resize(self, budget: int) -> None:
        with self._lock:
            self.budget = budget
            self._evict()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.bytes = 0
            self.misses = 0

    def _evict(self) -> None:
        data, sizes = self._data, self._sizes
        while self.bytes > self.budget and data:
            key, _ = data.popitem(last=False)
            self.bytes -= sizes.pop(key)


class CachedFunction(Protocol[K, V]):
    """A one-argument function with a ByteLRU in front (see byte_lru_cache)."""

    cache: ByteLRU[K, V]

    def __call__(self, arg: K, /) -> V: ...

    def cache_clear(self) -> None: ...


class _Decorator(Protocol):
    def __call__(self, fn: Callable[[K], V], /) -> CachedFunction[K, V]: ...


def byte_lru_cache(
    name: str, budget: int, sizeof: Callable[[Any, Any], int] | None = None
) -> _Decorator:
    """functools.lru_cache for one-argument functions, bounded in bytes instead of entries."""

    def decorate(fn: Callable[[K], V]) -> CachedFunction[K, V]:
        cache: ByteLRU[K, V] = ByteLRU(name, budget, sizeof)
        cached = functools.wraps(fn)(cache.memoize(fn))
        wrapper = cast(CachedFunction[K, V], cached)
        wrapper.cache = cache
        wrapper.cache_clear = cache.clear  # type: ignore[method-assign]
        return wrapper

    return decorate
