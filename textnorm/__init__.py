"""Russian text normalisation shared by the directory search, the FAQ matcher and the bot.

One package so every part reads citizens' text the same way: case, ё/е, punctuation,
the wrong keyboard layout, Latin transliteration and lemmas. A pure library: it
imports nothing from the rest of the project.

    textnorm.folding     fold, words, Latin/Cyrillic tests, invisible characters
    textnorm.readings    the wrong keyboard layout and transliteration
    textnorm.morphology  lemmas and dictionary look-ups (pymorphy3)
    textnorm.memo        word caches bounded in bytes (LRU), shared by faq and directory
"""

from textnorm.folding import fold, has_cyrillic, has_latin, strip_invisible, words
from textnorm.morphology import is_known_word, is_noun, lemma, lemmas, morph
from textnorm.readings import cyrillic_readings, from_translit, from_wrong_layout

__all__ = [
    "cyrillic_readings",
    "fold",
    "from_translit",
    "from_wrong_layout",
    "has_cyrillic",
    "has_latin",
    "is_known_word",
    "is_noun",
    "lemma",
    "lemmas",
    "morph",
    "strip_invisible",
    "words",
]
