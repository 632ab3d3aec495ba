"""The word caches of textnorm, faq and directory stay in their byte budgets under unseen
words, and evicting entries never changes what the FAQ matcher or the search answers."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import yaml

import textnorm
from directory import Directory
from faq import FaqMatcher
from tests.paths import ROOT
from tests.textnorm.test_memo import unseen_words
from textnorm import memo

SEED_FAQ = ROOT / "faq" / "data" / "faq.yaml"
KIROV = ROOT / "directory" / "data" / "kirov_demo.csv"
FAQ_QUERIES = ROOT / "benchmarks" / "data" / "faq_queries.yaml"
DIRECTORY_QUERIES = ROOT / "benchmarks" / "data" / "directory_queries.yaml"
TINY = 4 * 1024  # a few dozen words: almost every look-up evicts something
QUERY_CACHES = ("textnorm.lemma", "textnorm.is_known_word", "textnorm.is_noun", "faq.typos",
                "directory.stem", "directory.ordinal_value", "directory.lookup",
                "directory.filters", "directory.place_terms")


@pytest.fixture
def tiny_budgets() -> Iterator[None]:
    saved = memo.budgets()
    for name in QUERY_CACHES:
        memo.set_budget(name, TINY)
    yield
    for name in QUERY_CACHES:
        memo.set_budget(name, saved[name])


def faq_queries() -> list[str]:
    rows = yaml.safe_load(FAQ_QUERIES.read_text(encoding="utf-8"))["queries"]
    return [str(r["q"]) for r in rows][:150]


def directory_queries() -> list[str]:
    data = yaml.safe_load(DIRECTORY_QUERIES.read_text(encoding="utf-8"))
    return [str(item[0]) for item in data["kirov"]][:120]


def with_unseen(queries: list[str], seed: int) -> list[str]:
    """The queries, each followed by a message of unseen words (which evicts the cache)."""
    noise = unseen_words(5 * len(queries), seed=seed)
    return [q for i, text in enumerate(queries)
            for q in (text, " ".join(noise[5 * i : 5 * i + 5]))]


def faq_outcome(m: FaqMatcher, text: str) -> tuple[str | None, tuple[str, ...], float]:
    r = m.match(text)
    return (r.answer.id if r.answer else None, tuple(e.id for e in r.suggestions),
            round(r.score, 6))


def test_lemma_cache_stays_in_budget_after_many_unseen_words(tiny_budgets: None) -> None:
    cache = textnorm.lemma.cache
    for word in unseen_words(1_500, seed=11):
        assert textnorm.lemma(word) == textnorm.lemma.__wrapped__(word)  # type: ignore[attr-defined]
        textnorm.is_known_word(word)
        textnorm.is_noun(word)
    for name in ("textnorm.lemma", "textnorm.is_known_word", "textnorm.is_noun"):
        s = memo.stats()[name]
        assert 0 < s.bytes <= TINY * s.caches
    assert cache.bytes <= TINY and len(cache) < 100


def test_default_budgets_hold_under_unseen_words() -> None:
    m = FaqMatcher.from_yaml(SEED_FAQ)
    d = Directory.from_csv(KIROV)
    for text in ["как записаться к врачу", *(" ".join(unseen_words(6, seed=13 + i)) for i in range(400))]:
        m.match(text)
        d.search(text)
    for name, s in memo.stats().items():
        assert s.bytes <= s.budget * s.caches, name


def test_faq_answers_the_same_with_caches_evicting(tiny_budgets: None) -> None:
    queries = faq_queries()
    memo.set_budget("textnorm.lemma", 1 << 30)
    memo.set_budget("faq.typos", 1 << 30)
    roomy = FaqMatcher.from_yaml(SEED_FAQ)
    expected = [faq_outcome(roomy, q) for q in queries]
    memo.set_budget("textnorm.lemma", TINY)
    memo.set_budget("faq.typos", TINY)
    tiny = FaqMatcher.from_yaml(SEED_FAQ)
    texts = with_unseen(queries, seed=21)
    got = [faq_outcome(tiny, q) for q in texts][::2]
    assert got == expected
    assert tiny.index.typos._cache.bytes <= TINY
    assert textnorm.lemma.cache.bytes <= TINY
    shuffled = random.Random(3).sample(queries, len(queries))  # other neighbours in the cache
    by_query = dict(zip(queries, expected, strict=True))
    assert [faq_outcome(tiny, q) for q in shuffled] == [by_query[q] for q in shuffled]


def test_directory_finds_the_same_with_caches_evicting(tiny_budgets: None) -> None:
    queries = directory_queries()
    for name in ("directory.stem", "directory.lookup", "directory.ordinal_value"):
        memo.set_budget(name, 1 << 30)
    roomy = Directory.from_csv(KIROV)
    expected = [[(m.institution.id, m.score) for m in roomy.search(q)] for q in queries]
    filtered = [[m.institution.id for m in roomy.search(q, region="Кировская область")]
                for q in queries[:20]]
    for name in ("directory.stem", "directory.lookup", "directory.ordinal_value"):
        memo.set_budget(name, TINY)
    tiny = Directory.from_csv(KIROV)
    got = [[(m.institution.id, m.score) for m in tiny.search(q)]
           for q in with_unseen(queries, seed=31)][::2]
    assert got == expected
    assert [[m.institution.id for m in tiny.search(q, region="Кировская область")]
            for q in queries[:20]] == filtered
    assert tiny._index._lookup_cache.bytes <= TINY
