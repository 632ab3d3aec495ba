"""Lemmas and dictionary look-ups for Russian words (pymorphy3, loaded on first use)."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from textnorm.folding import words

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

_CYRILLIC = re.compile(r"[а-яё]")


@cache
def morph() -> MorphAnalyzer:
    """The process-wide pymorphy3 MorphAnalyzer, loaded on first use."""
    # Loading the dictionaries takes a few hundred ms; one analyzer per process is enough.
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Normal form of a Russian word ('больнице' -> 'больница'); other words unchanged."""
    if not word or not _CYRILLIC.search(word):
        return word
    normal: str = morph().parse(word)[0].normal_form
    return normal.replace("ё", "е")


def lemmas(text: str) -> list[str]:
    return [lemma(w) for w in words(text)]


@lru_cache(maxsize=200_000)
def is_known_word(word: str) -> bool:
    """True if the Russian dictionary knows this word form (so it is not a typo or a guess)."""
    if not word or not _CYRILLIC.search(word):
        return False
    return bool(morph().word_is_known(word.lower()))


@lru_cache(maxsize=200_000)
def is_noun(word: str) -> bool:
    """True if the dictionary reads this Russian word (most likely) as a known noun."""
    if not word or not _CYRILLIC.search(word):
        return False
    parse = morph().parse(word)[0]
    return parse.tag.POS == "NOUN" and bool(morph().word_is_known(word.lower()))
