"""textnorm.memo: LRU caches bounded by the estimated bytes of their entries."""

from __future__ import annotations

import gc
import random
import threading
import tracemalloc
from collections.abc import Iterator

import pytest

from textnorm import memo
from textnorm.memo import ENTRY_OVERHEAD, ByteLRU, byte_lru_cache, estimate

LETTERS = "абвгдежзийклмнопрстуфхцчшщыэюя"


def unseen_words(n: int, seed: int = 1) -> list[str]:
    """Russian-looking words, each new (the serial makes them unique)."""
    rng = random.Random(seed)
    return ["".join(rng.choice(LETTERS) for _ in range(rng.randint(4, 10))) + _letters(i)
            for i in range(n)]


def _letters(i: int) -> str:
    out = ""
    while True:
        i, d = divmod(i, len(LETTERS))
        out += LETTERS[d]
        if not i:
            return out


@pytest.fixture
def budgets() -> Iterator[None]:
    """Budgets changed by a test are put back afterwards."""
    saved = memo.budgets()
    yield
    for name, nbytes in saved.items():
        memo.set_budget(name, nbytes)


def test_estimate_counts_strings_and_containers_through() -> None:
    word = "больница"
    assert estimate(word) > len(word)
    assert estimate((word, word + "ми")) > estimate(word) + estimate(word + "ми")
    assert estimate(None) == estimate(True) == estimate(7) == 0
    assert estimate(frozenset({"а", "б"})) > 2 * estimate("а")


def test_stays_under_its_budget_after_many_unseen_words() -> None:
    cache: ByteLRU[str, str] = ByteLRU("test.under_budget", 64 * 1024)
    for word in unseen_words(20_000):
        assert cache.get_or_compute(word, str.upper) == word.upper()
        assert cache.bytes <= cache.budget
    assert 0 < len(cache) < 20_000
    assert cache.bytes == sum(estimate(k) + estimate(v) + ENTRY_OVERHEAD
                              for k, v in cache._data.items())
    assert cache._sizes.keys() == cache._data.keys()


def test_least_recently_used_goes_first() -> None:
    words = unseen_words(10)
    size = estimate(words[0]) * 2 + ENTRY_OVERHEAD
    cache: ByteLRU[str, str] = ByteLRU("test.lru", 3 * size + size // 2)
    for w in ("ааааа", "ббббб", "ввввв"):  # equal sizes: three fit
        cache.put(w, w)
    assert len(cache) == 3
    cache.get_or_compute("ааааа", str.upper)  # used: now the newest
    cache.put("ггггг", "ггггг")
    assert "ббббб" not in cache and {"ааааа", "ввввв", "ггггг"} <= set(cache._data)


def test_an_entry_larger_than_the_budget_is_not_kept() -> None:
    cache: ByteLRU[str, str] = ByteLRU("test.too_big", 500)
    assert cache.get_or_compute("слово", lambda w: w * 1000) == "слово" * 1000
    assert len(cache) == 0 and cache.bytes == 0


def test_set_budget_shrinks_live_caches_and_applies_to_new_ones(budgets: None) -> None:
    a: ByteLRU[str, str] = ByteLRU("test.resized", 1 << 20)
    for word in unseen_words(2_000):
        a.put(word, word)
    assert a.bytes > 20_000
    memo.set_budget("test.resized", 20_000)
    assert a.bytes <= 20_000 and a.budget == 20_000
    b: ByteLRU[str, str] = ByteLRU("test.resized", 1 << 20)
    assert b.budget == 20_000
    assert memo.budgets()["test.resized"] == 20_000
    s = memo.stats()["test.resized"]
    assert s.caches == 2 and s.entries == len(a) and s.budget == 20_000
    with pytest.raises(ValueError):
        memo.set_budget("test.resized", -1)


def test_the_scale_variable_scales_default_budgets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTNORM_CACHE_SCALE", "0.5")
    assert ByteLRU("test.scaled", 10_000).budget == 5_000
    monkeypatch.setenv("TEXTNORM_CACHE_SCALE", "nonsense")
    assert ByteLRU("test.unscaled", 10_000).budget == 10_000


def test_the_decorator_caches_and_clears() -> None:
    calls: list[str] = []

    @byte_lru_cache("test.decorated", 1 << 20)
    def shout(word: str) -> str:
        """Upper case."""
        calls.append(word)
        return word.upper()

    assert shout("да") == shout("да") == "ДА"
    assert calls == ["да"] and shout.__doc__ == "Upper case." and len(shout.cache) == 1
    shout.cache_clear()
    assert len(shout.cache) == 0 and shout.cache.bytes == 0
    shout("да")
    assert calls == ["да", "да"]


def test_the_overhead_per_entry_is_not_an_underestimate() -> None:
    """ENTRY_OVERHEAD against what tracemalloc sees the cache itself allocate."""
    words = unseen_words(30_000, seed=3)
    values = [w[:-1] + "а" for w in words]  # allocated before: only the cache is measured
    cache: ByteLRU[str, str] = ByteLRU("test.overhead", 1 << 30)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        worst = 0.0
        for i, (w, v) in enumerate(zip(words, values, strict=True), 1):
            cache.put(w, v)
            if i % 1000 == 0:
                worst = max(worst, (tracemalloc.get_traced_memory()[0] - before) / i)
    finally:
        tracemalloc.stop()
    assert worst <= ENTRY_OVERHEAD


def test_threads_share_a_cache_and_keep_its_accounting() -> None:
    cache: ByteLRU[str, str] = ByteLRU("test.threads", 32 * 1024)
    words = unseen_words(3_000, seed=5)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(6_000):
                w = words[(i * 7 + offset) % len(words)]
                assert cache.get_or_compute(w, str.upper) == w.upper()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k * 11,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cache.bytes <= cache.budget
    assert cache.bytes == sum(cache._sizes.values())
    assert cache._sizes.keys() == cache._data.keys()
