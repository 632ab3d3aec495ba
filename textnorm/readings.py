"""Latin letters in a Russian bot: the wrong keyboard layout or a transliteration."""

from __future__ import annotations

import re

from textnorm.folding import has_latin

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
