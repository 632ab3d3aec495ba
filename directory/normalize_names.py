"""Institution names and queries as lists of comparable terms.

A term is a word stem ("котельнич" for "Котельничская", "Котельниче",
"Котельнич"), a number ("3" for "№ 3", "N3", "третья") or an initialism. Names
and queries go through the same steps, so what a citizen types and what a
registry writes meet in the middle:

    fold -> drop legal forms -> expand abbreviations and colloquial forms
         -> numbers and ordinals -> drop stop words -> stem
"""

from __future__ import annotations

from collections.abc import Iterable

from directory.abbreviations import (
    ABBREVIATIONS,
    COLLOQUIAL,
    LEGAL_FORMS,
    LEGAL_WORDS,
    NUMBER_MARKERS,
    OWNER_ADJECTIVES,
    OWNER_KIND_PREFIXES,
    QUALIFIERS,
    QUERY_NOISE,
    REGION_AFTER_LEGAL_FORM,
    STOPWORDS,
    ordinal_value,
)
from textnorm import cyrillic_readings, fold
from textnorm.memo import MB, byte_lru_cache

# Inflectional endings, longest first. Stripping leaves at least 3 letters.
_ENDINGS = sorted(
    """ыми ими ого его ому ему ая яя ое ее ой ей ий ый ые ие ых их ым им ую юю ом ем ам ям ах ях
    ами ями ью ья ье ьи ия ии ию ией а я о е ы и у ю ь й""".split(),
    key=len, reverse=True,
)
_OPEN_QUOTES = "«\"“„'"
_PERSON_MARKERS = frozenset({"им", "имени"})


# Query words reach stem() too, so its cache is bounded in bytes (textnorm.memo).
@byte_lru_cache("directory.stem", 8 * MB)
def stem(word: str) -> str:
    """A crude stem that also brings place names and their adjectives together.

    Котельничская/Котельниче -> котельнич, Енотаевская/Енотаевка -> енота,
    онкологический/онкология -> онколог, Пирогова/Пирогов -> пирог.
    """
    if word.isdigit():
        return str(int(word))
    if len(word) <= 3 or not ("а" <= word[0] <= "я"):
        return word
    w = word
    for ending in _ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= 3:
            w = w[: -len(ending)]
            break
    if w.endswith("ск") and len(w) >= 5:  # котельничск(ая), кировск(ая)
        w = w[:-2]
    if w.endswith("к") and len(w) >= 5:  # енотаевк(а), поликлиник(а), камызяк(ская)
        w = w[:-1]
    if w.endswith("иче") and len(w) >= 6:  # клиниче(ский), онкологиче(ский)
        w = w[:-2]
    if w.endswith("и") and len(w) >= 5:  # клини(ка), поликлини(ка), онкологи(ческий)
        w = w[:-1]
    for suffix in ("ов", "ев", "ин"):  # орлов/орловская, пирогова, мурашинская/мураши
        if w.endswith(suffix) and len(w) - 2 >= 3:
            w = w[:-2]
            break
    return w


# The terms of the qualifier words ("детская" -> "дет"), as names and queries hold them.
QUALIFIER_TERMS = frozenset(stem(w) for w in QUALIFIERS)


def _stem_map(table: dict[str, str]) -> dict[str, list[list[str]]]:
    return {stem(k): [r.split() for r in v.split("|")] for k, v in table.items()}


_COLLOQUIAL_BY_STEM = _stem_map(COLLOQUIAL)
_OWNERS_BY_STEM = _stem_map(OWNER_ADJECTIVES)


def _one_edit_keys(keys: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k in keys:
        if len(k) >= 7:
            for i in range(len(k)):
                out.setdefault(k[:i] + k[i + 1:], k)
    return out


_COLLOQUIAL_ONE_EDIT = _one_edit_keys(_COLLOQUIAL_BY_STEM)


def _colloquial(word: str, fuzzy: bool) -> list[list[str]] | None:
    """Readings of a colloquial word; with `fuzzy`, also of a one-typo colloquial word."""
    s = stem(word)
    hit = _COLLOQUIAL_BY_STEM.get(s)
    if hit is not None or not fuzzy or len(s) < 7:
        return hit
    for variant in (s, *(s[:i] + s[i + 1:] for i in range(len(s)))):
        key = _COLLOQUIAL_ONE_EDIT.get(variant) or (
            variant if variant in _COLLOQUIAL_BY_STEM and variant != s else None)
        if key is not None:
            return _COLLOQUIAL_BY_STEM[key]
    return None


def _owner(words: list[str], i: int) -> list[list[str]] | None:
    """The owner an adjective names beside a kind word ("железнодорожной больнице")."""
    hit = _OWNERS_BY_STEM.get(stem(words[i]))
    if hit is not None and any(0 <= j < len(words) and words[j].startswith(OWNER_KIND_PREFIXES)
                               for j in (i - 1, i + 1)):
        return hit
    return None


def owner_terms(word: str) -> list[str]:
    """The terms of the owner an adjective names beside a kind word ("железнодорожной":
    "ржд"), or [] for any other word: in a text it may anchor a name around it."""
    hit = _OWNERS_BY_STEM.get(stem(fold(word)))
    return _terms(hit[0], drop_noise=False) if hit else []


def name_core(name: str) -> str:
    """The name without the legal-form prefix before its quotes.

    'ГБУЗ АО «Енотаевская РБ» ФАП с. Ветлянка' -> 'Енотаевская РБ» ФАП с. Ветлянка';
    'Министерство здравоохранения Кировской области' is kept whole.
    """
    first = min((i for i in (name.find(q) for q in _OPEN_QUOTES) if i > 0), default=-1)
    if first <= 0:
        return name
    prefix_words = fold(name[:first]).split()
    if prefix_words and all(_is_owner_word(w) for w in prefix_words) and any(
        w in LEGAL_FORMS or w in LEGAL_WORDS for w in prefix_words
    ):
        return name[first:]
    return name


_OWNER_PLACE_WORDS = frozenset({"области", "края", "республики", "автономного", "округа",
                                "федерации", "города", "г", "россии"})


def _is_owner_word(w: str) -> bool:
    """A word of 'ГБУЗ АО', 'государственное ... учреждение Астраханской области'."""
    return (w in LEGAL_FORMS or w in LEGAL_WORDS or w in REGION_AFTER_LEGAL_FORM
            or w in _OWNER_PLACE_WORDS or w.endswith(("ской", "цкой", "ской")))


def _drop_legal_forms(words: list[str]) -> list[str]:
    out: list[str] = []
    after_legal = False
    for w in words:
        if w in LEGAL_FORMS:
            after_legal = True
            continue
        if after_legal and w in REGION_AFTER_LEGAL_FORM:
            after_legal = False
            continue
        after_legal = False
        out.append(w)
    return out


def _expand(words: list[str], all_readings: bool) -> list[list[str]]:
    """Abbreviations and colloquial forms -> words; several readings for 'роддом'."""
    readings: list[list[str]] = [[]]
    for i, w in enumerate(words):
        if w in ABBREVIATIONS:
            options = [ABBREVIATIONS[w].split()]
        else:
            options = _colloquial(w, fuzzy=all_readings) or _owner(words, i) or [[w]]
            if not all_readings:
                options = options[:1]
        if len(options) == 1 or len(readings) * len(options) > 4:
            for r in readings:
                r.extend(options[0])
        else:
            readings = [r + o for r in readings for o in options]
    return readings


def _terms(words: list[str], drop_noise: bool) -> list[str]:
    terms: list[str] = []
    for i, w in enumerate(words):
        if w in NUMBER_MARKERS:
            continue
        if w.isdigit():
            terms.append(str(int(w)))
            continue
        value = ordinal_value(w)
        if value is not None:
            terms.append(str(value))
            continue
        if len(w) < 2 or w in STOPWORDS or (drop_noise and w in QUERY_NOISE):
            continue
        if w == "номер" and i + 1 < len(words) and words[i + 1].isdigit():
            continue
        terms.append(stem(w))
    return terms


# Names only (a rebuild after an import finds a region's names here), bounded all the same.
@byte_lru_cache("directory.analyse_name", 8 * MB)
def analyse_name(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(terms, initialisms) of a name, computed together to fold the text once."""
    words = _expand(_drop_legal_forms(fold(name_core(name)).split()), all_readings=False)[0]
    terms = _terms(words, drop_noise=False)
    letters: list[str] = []
    for w in words:
        if w in _PERSON_MARKERS:
            break
        if w.isdigit() or w in STOPWORDS or len(w) < 2 or ordinal_value(w) is not None:
            continue
        letters.append(w[0])
    out = []
    if len(letters) >= 3:
        out.append("".join(letters))
    if len(letters) >= 4 and words[0].endswith(("ская", "ский", "ское", "цкая", "цкий")):
        out.append("".join(letters[1:]))
    return tuple(terms), tuple(out)


def query_readings(query: str) -> list[list[str]]:
    """Every way the query may have been meant, as term lists (as typed first).

    Latin input is also read as the wrong keyboard layout and as transliteration;
    colloquial forms with two meanings ('роддом') give two readings.
    """
    out: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for text in cyrillic_readings(query):
        words = _drop_legal_forms(fold(text).split())
        words = [w for w in words if w not in QUERY_NOISE]
        for expanded in _expand(words, all_readings=True):
            terms = _terms(expanded, drop_noise=True)
            key = tuple(terms)
            if terms and key not in seen:
                seen.add(key)
                out.append(terms)
    return out


_PLACE_GENERIC = frozenset({"област", "обл", "кра", "край", "республик", "респ", "район", "рн",
                            "город", "округ", "автономн", "муниципальн"})


@byte_lru_cache("directory.place_terms", 4 * MB)
def place_terms(text: str) -> frozenset[str]:
    """Terms of a region/city/district field without 'область', 'г.', 'район'."""
    words = [w for w in fold(text).split() if w not in STOPWORDS and len(w) > 1]
    return frozenset(t for t in (stem(w) for w in words) if t not in _PLACE_GENERIC)


def numbers_of(terms: Iterable[str]) -> frozenset[str]:
    return frozenset(t for t in terms if t.isdigit())
