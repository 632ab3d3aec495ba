"""Case, ё/е, punctuation and spacing: the folded form every comparison starts from."""

from __future__ import annotations

import re
import unicodedata

_LATIN = re.compile(r"[a-z]")
_CYRILLIC = re.compile(r"[а-яё]")
# Anything that is not a letter or a digit separates words; "№" is kept as a word.
_SEPARATORS = re.compile(r"[^0-9a-zа-я№]+")
_NUMBER_SIGN = re.compile(r"№\s*")
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[a-zа-я])|(?<=[a-zа-я])(?=\d)")
_WORD = re.compile(r"[0-9a-zа-я]+")


def fold(text: str) -> str:
    """Lower case, ё->е, punctuation and quotes to spaces, "№3"->"3", single spaces."""
    text = text.lower().replace("ё", "е")
    text = _NUMBER_SIGN.sub(" ", text)
    text = _SEPARATORS.sub(" ", text)
    text = _DIGIT_LETTER.sub(" ", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Folded words of a text."""
    return _WORD.findall(fold(text))


def has_latin(text: str) -> bool:
    return bool(_LATIN.search(text.lower()))


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text.lower()))


_KEEP_FORMAT = {"\u200d"}  # the zero-width joiner holds compound emoji together


def strip_invisible(text: str) -> str:
    """Control characters, bidi overrides and zero-width characters out of user text
    before it reaches cards and storage; line breaks, tabs, ordinary Unicode and emoji stay."""
    if text.isprintable():  # no "Other" character at all (Cc, Cf, Co, Cs, Cn): the usual case
        return text
    return "".join(ch for ch in text if ch in "\n\t" or ch in _KEEP_FORMAT
                   or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs"))
