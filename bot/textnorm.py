"""Russian text normalisation shared by the directory search and the FAQ matcher.

One module so both libraries read citizens' text the same way: case, ё/е,
punctuation, the wrong keyboard layout, Latin transliteration and lemmas.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

# QWERTY key -> the Cyrillic letter on the same key of the ЙЦУКЕН layout.
_QWERTY = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_JCUKEN = "йцукенгшщзхъфывапролджэячсмитьбюё"
_LAYOUT_TO_RU = str.maketrans(_QWERTY + _QWERTY.upper(), _JCUKEN + _JCUKEN.upper())

# Latin transliteration (GOST/ICAO/everyday mixes), longest sequences first.
_TRANSLIT_MULTI = [
    ("shch", "щ"), ("sch", "щ"), ("yo", "ё"), ("jo", "ё"), ("zh", "ж"), ("kh", "х"),
    ("ts", "ц"), ("tz", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("ju", "ю"),
    ("ya", "я"), ("ja", "я"), ("ye", "е"), ("ie", "ие"), ("iy", "ий"), ("yy", "ый"),
    ("ph", "ф"), ("ck", "к"), ("ks", "кс"), ("x", "кс"), ("w", "в"), ("q", "к"),
]
_TRANSLIT_SINGLE = str.maketrans({
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "z": "з", "i": "и",
    "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р",
    "s": "с", "t": "т", "u": "у", "f": "ф", "h": "х", "c": "ц", "y": "ы", "'": "ь",
})
_TRANSLIT_RE = re.compile("|".join(re.escape(k) for k, _ in _TRANSLIT_MULTI))
_TRANSLIT_MAP = dict(_TRANSLIT_MULTI)

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


def from_wrong_layout(text: str) -> str:
    """Read text typed on a Latin layout as if the Russian layout was on: 'ghbdtn' -> 'привет'."""
    return text.translate(_LAYOUT_TO_RU)


def from_translit(text: str) -> str:
    """Read Latin transliteration as Russian: 'kotelnichskaya crb' -> 'котельничская црб'."""
    low = text.lower()
    low = _TRANSLIT_RE.sub(lambda m: _TRANSLIT_MAP[m.group(0)], low)
    return low.translate(_TRANSLIT_SINGLE)


def cyrillic_readings(text: str) -> list[str]:
    """The ways a text may have been meant in Russian, the text itself first.

    Latin letters in a Russian bot are either the wrong keyboard layout or a
    transliteration; both readings are returned so the caller can score them.
    """
    readings = [text]
    if has_latin(text):
        readings.append(from_wrong_layout(text))
        readings.append(from_translit(text))
    return readings


@cache
def _morph():  # type: ignore[no-untyped-def]
    # Loading the dictionaries takes a few hundred ms; one analyzer per process is enough.
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def morph():  # type: ignore[no-untyped-def]
    """The process-wide pymorphy3 MorphAnalyzer, loaded on first use."""
    return _morph()


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Normal form of a Russian word ('больнице' -> 'больница'); other words unchanged."""
    if not word or not _CYRILLIC.search(word):
        return word
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


def lemmas(text: str) -> list[str]:
    return [lemma(w) for w in words(text)]


@lru_cache(maxsize=200_000)
def is_known_word(word: str) -> bool:
    """True if the Russian dictionary knows this word form (so it is not a typo or a guess)."""
    if not word or not _CYRILLIC.search(word):
        return False
    return bool(_morph().word_is_known(word.lower()))


@lru_cache(maxsize=200_000)
def is_noun(word: str) -> bool:
    """True if the dictionary reads this Russian word (most likely) as a known noun."""
    if not word or not _CYRILLIC.search(word):
        return False
    parse = _morph().parse(word)[0]
    return parse.tag.POS == "NOUN" and bool(_morph().word_is_known(word.lower()))


_KEEP_FORMAT = {"\u200d"}  # the zero-width joiner holds compound emoji together


def strip_invisible(text: str) -> str:
    """Control characters, bidi overrides and zero-width characters out of user text
    before it reaches cards and storage; line breaks, tabs, ordinary Unicode and emoji stay."""
    return "".join(ch for ch in text if ch in "\n\t" or ch in _KEEP_FORMAT
                   or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs"))
