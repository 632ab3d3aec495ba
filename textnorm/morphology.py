"""Lemmas and dictionary look-ups for Russian words (pymorphy3, loaded on first use)."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from textnorm.folding import words
from textnorm.memo import MB, byte_lru_cache

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

_CYRILLIC = re.compile(r"[а-яё]")


@cache
def morph() -> MorphAnalyzer:
    """The process-wide pymorphy3 MorphAnalyzer, loaded on first use."""
    # Loading the dictionaries takes a few hundred ms; one analyzer per process is enough.
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


# Byte budgets of the word caches (see textnorm.memo): every unseen word a citizen types
# adds an entry, so they are bounded; a few MB hold the words of days of questions.
@byte_lru_cache("textnorm.lemma", 8 * MB)
def lemma(word: str) -> str:
    """Normal form of a Russian word ('больнице' -> 'больница'); other words unchanged."""
    if not word or not _CYRILLIC.search(word):
        return word
    normal: str = morph().parse(word)[0].normal_form
    return normal.replace("ё", "е")


def lemmas(text: str) -> list[str]:
    return [lemma(w) for w in words(text)]


@byte_lru_cache("textnorm.is_known_word", 2 * MB)
def is_known_word(word: str) -> bool:
    """True if the Russian dictionary knows this word form (so it is not a typo or a guess)."""
    if not word or not _CYRILLIC.search(word):
        return False
    return bool(morph().word_is_known(word.lower()))


@byte_lru_cache("textnorm.is_noun", 2 * MB)
def is_noun(word: str) -> bool:
    """True if the dictionary reads this Russian word (most likely) as a known noun."""
    if not word or not _CYRILLIC.search(word):
        return False
    parse = morph().parse(word)[0]
    return parse.tag.POS == "NOUN" and bool(morph().word_is_known(word.lower()))
